/**
 * Multi-client conversations over real WebSockets against a real server and SQLite store.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { doSetSetting } from '../../src/actions/directory.ts';
import { CLI } from '../support/org.ts';
import { api } from '../support/clients.ts';
import { orgServer } from '../support/org-server.ts';

describe('live chat', () => {
  const env = orgServer();
  const { tokens, connect } = env;

  test('two clients chat; a third joining later gets exactly the last 30 messages', async () => {
    const room = env.org.rooms.engOpen.id;
    const alice = await connect('alice');
    const bob = await connect('bob');
    assert.equal((await alice.request({ type: 'join', room })).ok, true);
    assert.equal((await bob.request({ type: 'join', room })).ok, true);
    for (let i = 1; i <= 40; i++) {
      const sender = i % 2 === 0 ? alice : bob;
      const r = await sender.request({ type: 'post', room, text: `m${i}`, clientMsgId: `c${i}` });
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.data.seq, i);
    }
    await alice.waitFor((e) => e.type === 'message' && e.message.seq === 40);
    await bob.waitFor((e) => e.type === 'message' && e.message.seq === 40);
    assert.deepEqual(
      alice.messages(room).map((m) => m.text),
      Array.from({ length: 40 }, (_, i) => `m${i + 1}`),
    );
    assert.deepEqual(
      bob.messages(room).map((m) => m.seq),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );

    const carol = await connect('carol');
    const joined = await carol.request({ type: 'join', room });
    assert.equal(joined.ok, true);
    assert.deepEqual(
      joined.data.history.map((m: any) => m.text),
      Array.from({ length: 30 }, (_, i) => `m${i + 11}`),
    );
  });

  test('the join history follows DefaultChatHistory', async () => {
    await doSetSetting(env.t.server.ctx, CLI, 'DefaultChatHistory', '5');
    try {
      const carol2 = await connect('carol');
      const joined = await carol2.request({ type: 'join', room: env.org.rooms.engOpen.id });
      assert.deepEqual(
        joined.data.history.map((m: any) => m.text),
        ['m36', 'm37', 'm38', 'm39', 'm40'],
      );
    } finally {
      await doSetSetting(env.t.server.ctx, CLI, 'DefaultChatHistory', '30');
    }
  });

  test('a reconnecting client receives the gap exactly once, then live messages', async () => {
    const room = env.org.rooms.engClosed.id;
    const alice = await connect('alice');
    const bob = await connect('bob');
    await alice.request({ type: 'join', room });
    await bob.request({ type: 'join', room });
    for (let i = 1; i <= 5; i++) await alice.request({ type: 'post', room, text: `before${i}` });
    await bob.waitFor((e) => e.type === 'message' && e.room === room && e.message.seq === 5);
    const lastSeen = Math.max(...bob.messages(room).map((m) => m.seq));
    await bob.close();
    for (let i = 1; i <= 7; i++) await alice.request({ type: 'post', room, text: `gap${i}` });

    const bob2 = await connect('bob');
    // Posts race with the resume: some land before the join reads history, some after.
    const racing = Promise.all([1, 2, 3].map((i) => alice.request({ type: 'post', room, text: `race${i}` })));
    const resumed = await bob2.request({ type: 'join', room, lastSeq: lastSeen });
    await racing;
    await alice.request({ type: 'post', room, text: 'after' });
    await bob2.waitFor((e) => e.type === 'message' && e.room === room && e.message.text === 'after');
    const seen = [...resumed.data.history, ...bob2.messages(room)].map((m: any) => m.seq);
    assert.deepEqual(
      seen,
      Array.from({ length: seen.length }, (_, i) => lastSeen + 1 + i),
      'no gap, no duplicate',
    );
    assert.equal(seen.length, 11);
    assert.deepEqual(
      resumed.data.history.slice(0, 7).map((m: any) => m.text),
      [1, 2, 3, 4, 5, 6, 7].map((i) => `gap${i}`),
    );
  });

  test('posting is idempotent on the client message id', async () => {
    const alice = await connect('alice');
    const room = env.org.rooms.engOpen.id;
    await alice.request({ type: 'join', room });
    const a = await alice.request({ type: 'post', room, text: 'once', clientMsgId: 'dup-1' });
    const b = await alice.request({ type: 'post', room, text: 'once', clientMsgId: 'dup-1' });
    assert.equal(a.data.duplicate, false);
    assert.equal(b.data.duplicate, true);
    assert.equal(a.data.seq, b.data.seq);
    const history = await api(
      env.t.url,
      'GET',
      `/api/v1/rooms/${room}/messages?afterSeq=${a.data.seq - 1}`,
      tokens.alice,
    );
    assert.equal(history.body.messages.filter((m: any) => m.clientMsgId === 'dup-1').length, 1);
  });

  test('only presenters post in an auditorium; members read', async () => {
    const room = env.org.rooms.engStage.id;
    const alice = await connect('alice');
    const bob = await connect('bob');
    const root = await connect('root');
    await alice.request({ type: 'join', room });
    await bob.request({ type: 'join', room });
    assert.equal((await alice.request({ type: 'post', room, text: 'keynote' })).ok, true);
    const refused = await bob.request({ type: 'post', room, text: 'heckle' });
    assert.equal(refused.error.code, 'forbidden');
    // An administrator is not a presenter either, and not a member of this closed room.
    assert.equal((await root.request({ type: 'join', room })).error.code, 'forbidden');
    await bob.waitFor((e) => e.type === 'message' && e.room === room && e.message.text === 'keynote');
  });

  test('removing a member kicks them at once and they stop receiving', async () => {
    const room = env.org.rooms.engClosed.id;
    const alice = await connect('alice');
    const bob = await connect('bob');
    await alice.request({ type: 'join', room });
    await bob.request({ type: 'join', room });
    const r = await api(env.t.url, 'PATCH', `/api/v1/rooms/${room}`, tokens.alice, {
      members: { remove: ['bob'] },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const kicked = await bob.waitFor((e) => e.type === 'kicked' && e.room === room);
    assert.equal((kicked as any).reason, 'membership');
    await alice.request({ type: 'post', room, text: 'after the kick' });
    await alice.waitFor(
      (e) => e.type === 'message' && e.room === room && e.message.text === 'after the kick',
    );
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(
      bob.messages(room).some((m) => m.text === 'after the kick'),
      false,
    );
    assert.equal((await bob.request({ type: 'join', room })).error.code, 'forbidden');
    await api(env.t.url, 'PATCH', `/api/v1/rooms/${room}`, tokens.alice, { members: { add: ['bob'] } });
  });

  test('disabling a room disconnects everyone, managers included, and hides it', async () => {
    const room = env.org.rooms.engSecret.id;
    const alice = await connect('alice');
    await alice.request({ type: 'join', room });
    const r = await api(env.t.url, 'PATCH', `/api/v1/rooms/${room}`, tokens.root, { disabled: true });
    assert.equal(r.status, 200);
    const kicked = await alice.waitFor((e) => e.type === 'kicked' && e.room === room);
    assert.equal((kicked as any).reason, 'disabled');
    assert.equal((await alice.request({ type: 'join', room })).ok, false);
    const dir = await api(env.t.url, 'GET', '/api/v1/rooms', tokens.alice);
    assert.equal(
      dir.body.rooms.some((x: any) => x.id === room),
      false,
    );
    // The manager still finds it among the rooms they manage, and can enable it again.
    const mine = await api(env.t.url, 'GET', '/api/v1/rooms?role=manager', tokens.alice);
    assert.equal(
      mine.body.rooms.some((x: any) => x.id === room),
      true,
    );
    assert.equal(
      (await api(env.t.url, 'PATCH', `/api/v1/rooms/${room}`, tokens.alice, { disabled: false })).status,
      200,
    );
    assert.equal((await alice.request({ type: 'join', room })).ok, true);
  });

  test('a category with history off delivers live but keeps nothing', async () => {
    const room = env.org.rooms.lounge.id;
    const alice = await connect('alice');
    const dave = await connect('dave');
    await alice.request({ type: 'join', room });
    await dave.request({ type: 'join', room });
    await alice.request({ type: 'post', room, text: 'ephemeral' });
    await dave.waitFor((e) => e.type === 'message' && e.room === room && e.message.text === 'ephemeral');
    const later = await (await connect('carol')).request({ type: 'join', room });
    assert.deepEqual(later.data.history, []);
    const h = await api(env.t.url, 'GET', `/api/v1/rooms/${room}/messages`, tokens.alice);
    assert.deepEqual(h.body.messages, []);
    const compliance = await env.t.server.ctx.store.read.listCompliance(0, 100_000);
    assert.equal(
      compliance.some((c) => c.kind === 'CHAT' && c.content === 'ephemeral'),
      true,
      'compliance still records it',
    );
  });
});
