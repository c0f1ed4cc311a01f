/**
 * Content removal by administrators (spec §4.13): every match mode, replacement, clearing, what
 * connected clients see, and what compliance keeps.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { doClearRoom, doRemoveMessages } from '../../src/actions/removal.ts';
import { doPostMessage } from '../../src/actions/chat.ts';
import { DEFAULT_REPLACEMENT, parseDate } from '../../src/domain/removal.ts';
import { StoaError } from '../../src/domain/errors.ts';
import { CLI, buildOrg, type Org } from '../support/org.ts';
import { api, login, WsClient } from '../support/clients.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('content removal', () => {
  let t: TestServer;
  let org: Org;
  let now = Date.parse('2026-11-01T09:00:00Z');
  let bobToken = '';
  const clients: WsClient[] = [];

  before(async () => {
    // A controllable clock: each post one minute after the previous one.
    t = await startTestServer({}, () => now);
    org = await buildOrg(t.server.ctx);
    bobToken = await login(t.url, 'bob');
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await t.close();
  });

  const seed = async (room: string, texts: [string, 'alice' | 'bob'][]) => {
    const seqs: number[] = [];
    for (const [text, who] of texts) {
      now += 60_000;
      const r = await doPostMessage(t.server.ctx, { kind: 'user', userId: org.users[who].id }, room, {
        text,
      });
      seqs.push(r.message.seq);
    }
    return seqs;
  };
  const texts = async (room: string) =>
    (await t.server.ctx.store.read.history(room, { afterSeq: 0, limit: 500 })).map((m) => m.text);

  test('All, Or and Exact select as specified, case-insensitively unless asked', async () => {
    const room = org.rooms.engOpen.id;
    await seed(room, [
      ['Deploy the red build', 'alice'],
      ['the build is RED', 'bob'],
      ['red alert', 'alice'],
      ['build green', 'bob'],
      ['nothing here', 'alice'],
    ]);
    const dry = (keywords: string, match: 'all' | 'or' | 'exact', caseSensitive = false) =>
      doRemoveMessages(
        t.server.ctx,
        CLI,
        room,
        { keywords, match, caseSensitive },
        { kind: 'replace', text: `[${match}]` },
      );

    assert.deepEqual((await dry('red build', 'all')).replaced, [1, 2]);
    assert.deepEqual(await texts(room), ['[all]', '[all]', 'red alert', 'build green', 'nothing here']);
    assert.deepEqual((await dry('alert green', 'or')).replaced, [3, 4]);
    assert.deepEqual((await dry('NOTHING here', 'exact', true)).replaced, []);
    assert.deepEqual((await dry('nothing here', 'exact', true)).replaced, [5]);
  });

  test('author and dates narrow the selection; the default replacement text is the standard notice', async () => {
    const room = org.rooms.engClosed.id;
    const start = now;
    await seed(room, [
      ['one', 'alice'],
      ['two', 'bob'],
      ['three', 'alice'],
      ['four', 'alice'],
    ]);
    const r = await doRemoveMessages(
      t.server.ctx,
      CLI,
      room,
      { user: 'alice', since: start + 60_000, until: start + 3 * 60_000 },
      { kind: 'replace' },
    );
    assert.deepEqual(r.replaced, [1, 3]);
    assert.deepEqual(await texts(room), [DEFAULT_REPLACEMENT, 'two', DEFAULT_REPLACEMENT, 'four']);
  });

  test('connected clients see removals and replacements at once; compliance keeps the originals', async () => {
    const room = org.rooms.engStage.id;
    const bob = await WsClient.connect(t.wsUrl, bobToken);
    clients.push(bob);
    await bob.request({ type: 'join', room });
    await seed(room, [
      ['secret plan', 'alice'],
      ['public plan', 'alice'],
      ['lunch?', 'alice'],
    ]);
    await bob.waitFor((e) => e.type === 'message' && e.message.text === 'lunch?');
    const removed = await doRemoveMessages(
      t.server.ctx,
      CLI,
      room,
      { keywords: 'secret' },
      { kind: 'remove' },
    );
    assert.deepEqual(removed.removed, [1]);
    const gone = await bob.waitFor((e) => e.type === 'removed' && e.room === room);
    assert.deepEqual((gone as { seqs: number[] }).seqs, [1]);
    await doRemoveMessages(
      t.server.ctx,
      CLI,
      room,
      { keywords: 'public' },
      { kind: 'replace', text: 'redacted' },
    );
    const replaced = await bob.waitFor((e) => e.type === 'replaced' && e.room === room);
    assert.equal((replaced as any).message.seq, 2);
    assert.equal((replaced as any).message.text, 'redacted');
    const h = await api(t.url, 'GET', `/api/v1/rooms/${room}/messages`, bobToken);
    assert.deepEqual(
      h.body.messages.map((m: any) => [m.seq, m.text]),
      [
        [2, 'redacted'],
        [3, 'lunch?'],
      ],
    );
    const compliance = await t.server.ctx.store.read.listCompliance(0, 100_000);
    const inRoom = compliance.filter((c) => c.roomId === room);
    assert.ok(
      inRoom.some((c) => c.kind === 'CHAT' && c.content === 'secret plan'),
      'the original CHAT record survives',
    );
    assert.deepEqual(
      inRoom.filter((c) => c.kind === 'CHATDELETE').map((c) => [c.messageSeq, c.content]),
      [
        [1, ''],
        [2, 'redacted'],
      ],
    );
  });

  test('clearing deletes everything up to and including the date and is recorded as a purge', async () => {
    const room = org.rooms.engSecret.id;
    const start = now;
    await seed(room, [
      ['a', 'alice'],
      ['b', 'alice'],
      ['c', 'alice'],
    ]);
    const r = await doClearRoom(t.server.ctx, CLI, room, start + 2 * 60_000);
    assert.equal(r.removed, 2);
    assert.deepEqual(await texts(room), ['c']);
    const purge = (await t.server.ctx.store.read.listCompliance(0, 100_000)).filter(
      (c) => c.kind === 'CHATPURGE',
    );
    assert.equal(purge.length, 1);
    assert.equal(purge[0]?.roomId, room);
  });

  test('refusals: non-administrators, unknown rooms, bad dates, empty replacement', async () => {
    const bob = { kind: 'user' as const, userId: org.users.bob.id };
    const code = async (p: Promise<unknown>) => {
      try {
        await p;
        return 'ok';
      } catch (e) {
        return e instanceof StoaError ? e.code : String(e);
      }
    };
    assert.equal(
      await code(doRemoveMessages(t.server.ctx, bob, org.rooms.engOpen.id, {}, { kind: 'remove' })),
      'forbidden',
    );
    assert.equal(
      await code(doRemoveMessages(t.server.ctx, CLI, 'no-such-room', {}, { kind: 'remove' })),
      'not_found',
    );
    assert.equal(await code(doClearRoom(t.server.ctx, CLI, 'no-such-room', now)), 'not_found');
    assert.equal(
      await code(Promise.resolve().then(() => parseDate('until', 'yesterday-ish'))),
      'validation_failed',
    );
    assert.equal(
      await code(
        doRemoveMessages(t.server.ctx, CLI, org.rooms.engOpen.id, {}, { kind: 'replace', text: ' ' }),
      ),
      'validation_failed',
    );
    assert.equal(
      await code(
        doRemoveMessages(
          t.server.ctx,
          CLI,
          org.rooms.engOpen.id,
          { since: now, until: now - 1 },
          { kind: 'remove' },
        ),
      ),
      'validation_failed',
    );
  });
});
