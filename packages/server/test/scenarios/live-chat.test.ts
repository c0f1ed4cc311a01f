/**
 * Multi-client conversations over real WebSockets against a real server and SQLite store.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect as tcpConnect } from 'node:net';
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

  test('frames that arrive with the upgrade request are answered after the hello, in order', async () => {
    const room = env.org.rooms.engOpen.id;
    // One write: the server has these frames before it has even checked the token.
    const { events } = await upgradeWithFrames(
      env.t.wsUrl,
      env.tokens.bob as string,
      [
        JSON.stringify({ type: 'ping', id: 1 }),
        JSON.stringify({ type: 'post', id: 2, room, text: 'not joined yet' }),
        '{"type":"ping","id":3,',
        JSON.stringify({ type: 'ping', id: 4 }),
      ],
      (e) => e.type === 'result' && e.id === 4,
    );
    assert.equal(events[0]?.type, 'hello');
    assert.deepEqual(
      events.filter((e) => e.type === 'result').map((r) => [r.id, r.ok, r.error?.code]),
      [
        [1, true, undefined],
        [2, false, 'not_joined'],
        [null, false, 'invalid_json'],
        [4, true, undefined],
      ],
    );
  });

  test('more than 1,000 frames before the token is checked close the connection (1008)', async () => {
    const pings = Array.from({ length: 1001 }, (_, i) => JSON.stringify({ type: 'ping', id: i }));
    const { closeCode, events } = await upgradeWithFrames(
      env.t.wsUrl,
      env.tokens.bob as string,
      pings,
      () => false,
    );
    assert.equal(closeCode, 1008);
    assert.equal(events.filter((e) => e.type === 'result').length, 0);
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

type RawEvent = { type: string; id?: unknown; ok?: boolean; error?: { code: string } };

/**
 * Opens a WebSocket by hand and sends `frames` in the same write as the upgrade request; collects
 * the server's events until `done` says so or the server closes (its close code then).
 */
async function upgradeWithFrames(
  wsUrl: string,
  token: string,
  frames: readonly string[],
  done: (event: RawEvent) => boolean,
): Promise<{ events: RawEvent[]; closeCode: number | undefined }> {
  const url = new URL(wsUrl);
  // Client frames: FIN, text, masked with a zero mask, lengths under 126.
  const frame = (text: string) => {
    const body = Buffer.from(text, 'utf8');
    assert.ok(body.length < 126);
    return Buffer.concat([Buffer.from([0x81, 0x80 | body.length, 0, 0, 0, 0]), body]);
  };
  const upgrade = [
    `GET ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    `Authorization: Bearer ${token}`,
    '',
    '',
  ].join('\r\n');
  const socket = tcpConnect(Number(url.port), url.hostname);
  await once(socket, 'connect');
  socket.write(Buffer.concat([Buffer.from(upgrade), ...frames.map(frame)]));
  const events: RawEvent[] = [];
  let closeCode: number | undefined;
  let buf = Buffer.alloc(0);
  let headerDone = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no end in time: ${JSON.stringify(events)}`)), 5000);
      const finish = () => (clearTimeout(timer), resolve());
      socket.on('close', finish);
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (!headerDone) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          assert.match(buf.subarray(0, end).toString(), /^HTTP\/1\.1 101/);
          buf = buf.subarray(end + 4);
          headerDone = true;
        }
        // Server frames are unmasked.
        while (buf.length >= 2) {
          const len7 = (buf[1] ?? 0) & 0x7f;
          const head = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
          if (buf.length < head) return;
          const len =
            len7 === 126 ? buf.readUInt16BE(2) : len7 === 127 ? Number(buf.readBigUInt64BE(2)) : len7;
          if (buf.length < head + len) return;
          const opcode = (buf[0] ?? 0) & 0x0f;
          const payload = buf.subarray(head, head + len);
          buf = buf.subarray(head + len);
          if (opcode === 8) {
            closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
            finish();
            return;
          }
          for (const e of JSON.parse(payload.toString('utf8')) as RawEvent[]) {
            events.push(e);
            if (done(e)) finish();
          }
        }
      });
    });
  } finally {
    socket.destroy();
  }
  return { events, closeCode };
}
