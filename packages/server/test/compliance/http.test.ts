/**
 * The compliance administration endpoints over real HTTP: status, configuration (bounds checked,
 * audited), run now; administrators only.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, login } from '../support/clients.ts';
import { buildOrg, type Org } from '../support/org.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('compliance over HTTP', () => {
  let t: TestServer;
  let org: Org;
  let root: string;
  let alice: string;
  before(async () => {
    t = await startTestServer();
    org = await buildOrg(t.server.ctx);
    root = await login(t.url, 'root');
    alice = await login(t.url, 'alice');
  });
  after(() => t.close());

  test('administrators only', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/compliance/status'],
      ['GET', '/api/v1/compliance/config'],
      ['PATCH', '/api/v1/compliance/config'],
      ['POST', '/api/v1/compliance/run'],
    ] as const) {
      const body = method === 'PATCH' ? { AddUserDetails: true } : undefined;
      const r = await api(t.url, method, path, alice, body);
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.body.error.code, 'forbidden');
      assert.equal((await api(t.url, method, path, undefined, body)).status, 401);
    }
  });

  test('GET config: the defaults of spec §5.3', async () => {
    const r = await api(t.url, 'GET', '/api/v1/compliance/config', root);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      AdapterType: 'xml',
      AdapterName: '',
      AdapterOutputDirectory: '',
      RunInterval: '00:15:00',
      RunIntervalMs: 900_000,
      OneChatRoomPerOutputFile: false,
      AddChatRoomDetails: false,
      AddUserDetails: false,
      CreateFileAttachmentsManifest: false,
      ChannelUriDomain: 'stoa.local',
    });
  });

  test('PATCH config: bounds and types checked, nothing stored on refusal, changes audited', async () => {
    for (const body of [
      { RunInterval: '00:00:59' },
      { RunInterval: '31.00:00:00' },
      { AdapterType: 'csv' },
      { AddUserDetails: 'yes' },
      { CustomConfiguration: '<xsl:stylesheet/>' },
      { AdapterName: 'ok', RunInterval: 'soon' },
    ]) {
      const r = await api(t.url, 'PATCH', '/api/v1/compliance/config', root, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.code, 'validation_failed', JSON.stringify(body));
    }
    assert.equal((await api(t.url, 'GET', '/api/v1/compliance/config', root)).body.AdapterName, '');

    const r = await api(t.url, 'PATCH', '/api/v1/compliance/config', root, {
      AdapterType: 'jsonl',
      RunInterval: '1.00:00:00',
      OneChatRoomPerOutputFile: true,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.AdapterType, 'jsonl');
    assert.equal(r.body.RunInterval, '1.00:00:00');
    assert.equal(r.body.RunIntervalMs, 86_400_000);
    assert.equal(r.body.OneChatRoomPerOutputFile, true);
    const audit = await api(t.url, 'GET', '/api/v1/audit', root);
    const entry = audit.body.entries.find((e: any) => e.action === 'compliance.config');
    assert.deepEqual(entry.details, {
      AdapterType: 'jsonl',
      RunInterval: '86400000',
      OneChatRoomPerOutputFile: 'true',
    });
    assert.deepEqual(entry.actor, { kind: 'user', userId: org.users.root.id });
  });

  test('status and run now: backlog, cursor, last run, output folder', async () => {
    const post = await api(t.url, 'POST', `/api/v1/rooms/${org.rooms.engOpen.id}/messages`, alice, {
      text: 'for the archive',
    });
    assert.equal(post.status, 200, JSON.stringify(post.body));

    const before = await api(t.url, 'GET', '/api/v1/compliance/status', root);
    assert.equal(before.status, 200);
    assert.equal(before.body.backlog.count, 1);
    assert.equal(before.body.lastRun, null);
    assert.equal(before.body.outputDirectory, join(t.dataDir, 'compliance'));

    const run = await api(t.url, 'POST', '/api/v1/compliance/run', root);
    assert.equal(run.status, 200);
    assert.equal(run.body.outcome, 'done');
    assert.equal(run.body.events, 1);

    const status = await api(t.url, 'GET', '/api/v1/compliance/status', root);
    assert.equal(status.body.backlog.count, 0);
    assert.equal(status.body.cursor, before.body.backlog.lastId);
    assert.equal(status.body.lastRun.ok, true);
    assert.equal(status.body.lastRun.events, 1);
    assert.equal(status.body.processedTotal, 1);
    assert.equal(status.body.lease, null);
    assert.equal(status.body.nextRunAt, Number(status.body.lastSuccessAt) + 86_400_000);
    const files = readdirSync(join(t.dataDir, 'compliance'));
    assert.equal(files.length, 1);
    assert.match(files[0] ?? '', new RegExp(`-0000000001-${org.rooms.engOpen.id}\\.jsonl$`));
    const audit = await api(t.url, 'GET', '/api/v1/audit', root);
    assert.ok(audit.body.entries.some((e: any) => e.action === 'compliance.run' && e.details.events === 1));
  });
});
