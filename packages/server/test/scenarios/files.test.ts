/**
 * Files over real HTTP (spec §4.10): one-time tokens bound to user and room, streamed uploads
 * refused past MaxFileSizeKB, safe downloads, the category switch, and compliance events.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { doCreateCategory } from '../../src/actions/categories.ts';
import { doSetSetting } from '../../src/actions/directory.ts';
import { doCreateRoom } from '../../src/actions/rooms.ts';
import { CLI, buildOrg, type Org } from '../support/org.ts';
import { api, login, WsClient } from '../support/clients.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('files', () => {
  let t: TestServer;
  let org: Org;
  let room = '';
  let other = '';
  const tokens: Record<string, string> = {};

  const upload = (
    who: string,
    roomId: string,
    token: string,
    body: Buffer | string,
    type = 'application/octet-stream',
  ) =>
    fetch(`${t.url}/api/v1/rooms/${roomId}/files/upload/${token}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens[who] ?? ''}`, 'content-type': type },
      body,
    });
  const askUpload = (who: string, roomId: string, name: string, contentType?: string) =>
    api(t.url, 'POST', `/api/v1/rooms/${roomId}/files`, tokens[who], {
      name,
      ...(contentType ? { contentType } : {}),
    });

  before(async () => {
    t = await startTestServer();
    org = await buildOrg(t.server.ctx);
    await doCreateCategory(t.server.ctx, CLI, { name: 'Shared', allowed: ['group:staff'], fileUpload: true });
    room = (
      await doCreateRoom(t.server.ctx, CLI, { name: 'drop', category: 'Shared', members: ['alice', 'bob'] })
    ).id;
    other = (
      await doCreateRoom(t.server.ctx, CLI, { name: 'drop-2', category: 'Shared', members: ['alice', 'bob'] })
    ).id;
    for (const u of ['alice', 'bob', 'carol']) tokens[u] = await login(t.url, u);
  });
  after(() => t.close());

  test('an upload appears in the room as a message and downloads safely, once per token', async () => {
    const bob = await WsClient.connect(t.wsUrl, tokens.bob as string);
    await bob.request({ type: 'join', room });
    const ask = await askUpload('alice', room, 'report <1>.pdf', 'application/pdf');
    assert.equal(ask.status, 200, JSON.stringify(ask.body));
    const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(100_000, 7)]);
    const put = await upload('alice', room, ask.body.token, body, 'application/pdf');
    assert.equal(put.status, 200);
    const uploaded = (await put.json()) as any;
    assert.equal(uploaded.file.size, body.length);
    assert.equal(uploaded.file.contentType, 'application/pdf');
    const live = await bob.waitFor(
      (e) => e.type === 'message' && e.room === room && e.message.file !== undefined,
    );
    assert.equal((live as any).message.file.id, uploaded.file.id);
    await bob.close();

    const again = await upload('alice', room, ask.body.token, 'second try');
    assert.equal(again.status, 409, 'an upload token is used once');

    const dl = await api(
      t.url,
      'POST',
      `/api/v1/rooms/${room}/files/${uploaded.file.id}/download`,
      tokens.bob,
    );
    assert.equal(dl.status, 200);
    const wrongUser = await fetch(`${t.url}${dl.body.downloadUrl as string}`, {
      headers: { authorization: `Bearer ${tokens.alice ?? ''}` },
    });
    assert.equal(wrongUser.status, 403, 'bound to the user who asked');
    const wrongRoom = await fetch(
      `${t.url}/api/v1/rooms/${other}/files/download/${dl.body.token as string}`,
      {
        headers: { authorization: `Bearer ${tokens.bob ?? ''}` },
      },
    );
    assert.equal(wrongRoom.status, 403, 'bound to the room');
    const got = await fetch(`${t.url}${dl.body.downloadUrl as string}`, {
      headers: { authorization: `Bearer ${tokens.bob ?? ''}` },
    });
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), body);
    assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
    assert.match(
      got.headers.get('content-disposition') ?? '',
      /^attachment; filename="report <1>.pdf"; filename\*=UTF-8''report%20%3C1%3E.pdf$/,
    );
    const twice = await fetch(`${t.url}${dl.body.downloadUrl as string}`, {
      headers: { authorization: `Bearer ${tokens.bob ?? ''}` },
    });
    assert.equal(twice.status, 409, 'a download token is used once');

    const compliance = await t.server.ctx.store.read.listCompliance(0, 100_000);
    assert.equal(compliance.filter((c) => c.kind === 'FILEUPLOAD' && c.roomId === room).length, 1);
    assert.equal(compliance.filter((c) => c.kind === 'FILEDOWNLOAD' && c.roomId === room).length, 1);
    assert.match(compliance.find((c) => c.kind === 'FILEUPLOAD')?.content ?? '', /^[0-9a-f-]{36}\.pdf$/);
  });

  test('a body over MaxFileSizeKB is refused while streaming and nothing is stored', async () => {
    await doSetSetting(t.server.ctx, CLI, 'MaxFileSizeKB', '64');
    try {
      const before = readdirSync(join(t.dataDir, 'files')).length;
      const declared = await api(t.url, 'POST', `/api/v1/rooms/${room}/files`, tokens.alice, {
        name: 'big.bin',
        size: 10_000_000,
      });
      assert.equal(declared.body.error.code, 'payload_too_large');
      const ask = await askUpload('alice', room, 'big.bin');
      // A streamed body without a length: the server must count and stop.
      const chunks = (function* () {
        for (let i = 0; i < 64; i++) yield Buffer.alloc(16 * 1024, i);
      })();
      const res = await fetch(`${t.url}/api/v1/rooms/${room}/files/upload/${ask.body.token as string}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${tokens.alice ?? ''}`,
          'content-type': 'application/octet-stream',
        },
        body: ReadableStream.from(chunks),
        duplex: 'half',
      });
      assert.equal(res.status, 413);
      assert.equal(((await res.json()) as any).error.code, 'payload_too_large');
      const after = readdirSync(join(t.dataDir, 'files')).filter((d) => d !== 'tmp');
      assert.ok(after.length <= before, 'no new blob stored');
      assert.deepEqual(readdirSync(join(t.dataDir, 'files', 'tmp')), [], 'no partial file left');
    } finally {
      await doSetSetting(t.server.ctx, CLI, 'MaxFileSizeKB', '20000');
    }
  });

  test('declared types are checked: a fake PNG and HTML are served as octet-stream', async () => {
    for (const [name, type] of [
      ['fake.png', 'image/png'],
      ['page.html', 'text/html'],
    ] as const) {
      const ask = await askUpload('alice', room, name, type);
      const put = await upload('alice', room, ask.body.token, '<script>alert(1)</script>', type);
      assert.equal(((await put.json()) as any).file.contentType, 'application/octet-stream');
    }
  });

  test('a category with files off refuses both upload and download; non-members see nothing', async () => {
    const closed = org.rooms.engClosed.id;
    assert.equal((await askUpload('alice', closed, 'x.txt')).body.error.code, 'forbidden');
    const dl = await api(t.url, 'POST', `/api/v1/rooms/${closed}/files/whatever/download`, tokens.alice);
    assert.equal(dl.body.error.code, 'forbidden');
    assert.equal(
      (await askUpload('carol', room, 'x.txt')).status,
      403,
      'carol may see the closed room but not post',
    );
    const secretish = await api(t.url, 'POST', `/api/v1/rooms/${org.rooms.engSecret.id}/files`, tokens.bob, {
      name: 'x',
    });
    assert.equal(secretish.body.error.code, 'not_found');
  });
});
