/**
 * Seeded fuzzing (mulberry32; replay with STOA_FUZZ_SEED=<seed>) of
 *   (a) parseFrame itself: it never throws, refuses with a catalogued code, and what it accepts
 *       fits the frame schema exactly;
 *   (b) the live WebSocket: every frame gets exactly one result, never `internal`, and the
 *       connection stays usable;
 *   (c) HTTP bodies: every response is a 2xx or a 4xx with a catalogued code, never a 5xx, and
 *       the stored history holds exactly what was acknowledged.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClientFrames, isErrorCode, type ClientFrameType } from '@stoa/protocol';
import Compile from 'typebox/compile';
import { doCreateToken } from '../../src/actions/sessions.ts';
import { parseFrame } from '../../src/transports/ws/frames.ts';
import { buildOrg, CLI, type Org } from '../support/org.ts';
import {
  errorContractProblem,
  fullHistory,
  fuzzSeed,
  http,
  LeanWs,
  Rng,
  seqProblem,
  startInProcessServer,
  type InProcessServer,
} from './helpers.ts';

const SEED = fuzzSeed(0x5eed_0001);
const FRAME_TYPES = Object.keys(ClientFrames) as ClientFrameType[];
const checkers = Object.fromEntries(FRAME_TYPES.map((t) => [t, Compile(ClientFrames[t])])) as Record<
  ClientFrameType,
  ReturnType<typeof Compile>
>;
const PARSE_REFUSALS = new Set([
  'payload_too_large',
  'invalid_json',
  'bad_request',
  'unknown_frame',
  'validation_failed',
]);
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

// ---- generators

/** A random JSON value of any type, sometimes nasty. */
function randomValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 8 : 11)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([
        0,
        -0,
        1,
        -1,
        1.5,
        2 ** 31,
        2 ** 53,
        2 ** 53 + 2,
        -(2 ** 63),
        1e300,
        Number.MAX_VALUE,
        5e-324,
      ]);
    case 3:
      return rng.int(1000);
    case 4:
      return rng.weirdString(20);
    case 5:
      return '';
    case 6:
      return rng.pick(FRAME_TYPES);
    case 7:
      return rng.pick(PROTO_KEYS);
    case 8:
      return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--)
        o[rng.chance(0.3) ? rng.pick(PROTO_KEYS) : rng.weirdString(6)] = randomValue(rng, depth + 1);
      return o;
    }
  }
}

/** A plausible client frame (often valid), for the rooms given. */
function randomFrame(rng: Rng, rooms: readonly string[]): Record<string, unknown> {
  const type = rng.pick(FRAME_TYPES);
  const f: Record<string, unknown> = { type };
  if (rng.chance(0.8)) f.id = rng.chance(0.5) ? rng.int(100_000) : `m${rng.int(100_000)}`;
  if (type !== 'ping') f.room = rng.pick(rooms);
  if (type === 'join' && rng.chance(0.3)) f.lastSeq = rng.int(50);
  if (type === 'post') {
    f.text = rng.chance(0.9) ? rng.text(1, 60) : rng.weirdString(40);
    if (rng.chance(0.4)) f.clientMsgId = `k${rng.int(400)}`;
    if (rng.chance(0.1)) f.alert = rng.chance(0.5);
    if (rng.chance(0.1)) f.storyTitle = rng.text(0, 10);
    if (rng.chance(0.1)) f.rtf = rng.text(0, 30);
  }
  if (type === 'history') {
    if (rng.chance(0.4)) f.afterSeq = rng.int(30);
    if (rng.chance(0.2)) f.beforeSeq = rng.int(30);
    if (rng.chance(0.2)) f.since = rng.int(2_000_000_000_000);
    if (rng.chance(0.3)) f.limit = 1 + rng.int(rng.chance(0.9) ? 500 : 1000);
  }
  return f;
}

/** Structural mutations: change, drop, add fields; wrong types; prototype keys; nesting. */
function mutateObject(rng: Rng, frame: Record<string, unknown>): Record<string, unknown> {
  const f: Record<string, unknown> = { ...frame };
  const keys = Object.keys(f);
  for (let n = 1 + rng.int(2); n > 0; n--) {
    switch (rng.int(6)) {
      case 0:
        if (keys.length > 0) f[rng.pick(keys)] = randomValue(rng);
        break;
      case 1:
        if (keys.length > 0) Reflect.deleteProperty(f, rng.pick(keys));
        break;
      case 2:
        f[rng.chance(0.5) ? rng.pick(PROTO_KEYS) : rng.weirdString(8)] = randomValue(rng);
        break;
      case 3:
        f.type = rng.chance(0.5) ? rng.pick(PROTO_KEYS) : rng.weirdString(8);
        break;
      case 4:
        if (keys.length > 0) {
          const k = rng.pick(keys);
          f[k] = rng.chance(0.5) ? [f[k]] : { value: f[k] };
        }
        break;
      default:
        f.id = randomValue(rng);
    }
  }
  return f;
}

function nest(rng: Rng, depth: number): string {
  return rng.chance(0.5)
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Text mutations of a serialised frame: flips, cuts, insertions, duplicate keys, deep nesting. */
function mutateText(rng: Rng, text: string): string {
  let s = text;
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const at = rng.int(s.length + 1);
    switch (rng.int(9)) {
      case 0: // flip one character
        s = s.slice(0, at) + String.fromCharCode(rng.int(128)) + s.slice(at + 1);
        break;
      case 1: // truncate
        s = s.slice(0, at);
        break;
      case 2: // delete a run
        s = s.slice(0, at) + s.slice(at + 1 + rng.int(5));
        break;
      case 3: // insert weird characters
        s = s.slice(0, at) + rng.weirdString(6) + s.slice(at);
        break;
      case 4: // duplicate key (JSON keeps the last)
        s = s.replace(
          /^\{/,
          `{"${rng.pick(['type', 'id', 'room', 'text', ...PROTO_KEYS])}":${JSON.stringify(randomValue(rng))},`,
        );
        break;
      case 5: // a deeply nested extra value
        s = s.replace(/\}$/, `,"deep":${nest(rng, rng.chance(0.1) ? 20_000 : 50)}}`);
        break;
      case 6: // huge or odd numbers
        s = s.replace(
          /\d+/,
          rng.pick(['1e400', '-1e400', '9007199254740993', '1'.repeat(400), '-0', '0.0000001', '1E2']),
        );
        break;
      case 7: // unicode escapes, lone surrogates included
        s = s.replace(
          /"([^"]*)"/,
          `"$1${rng.pick(['\\u0000', '\\ud800', '\\udfff', '\\u202e', '\\uffff', '\\"', '\\\\'])}"`,
        );
        break;
      default: // swap the whole thing for another JSON type
        s = rng.pick(['[' + s + ']', '"' + s.replaceAll('"', '\\"') + '"', 'null', '0', s + s]);
    }
  }
  return s;
}

/** One fuzz input for parseFrame. */
function randomInput(rng: Rng, rooms: readonly string[], maxBytes: number): string {
  switch (rng.int(8)) {
    case 0: {
      const bytes = Buffer.alloc(rng.int(64));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
      return bytes.toString(rng.chance(0.5) ? 'utf8' : 'latin1');
    }
    case 1:
      return rng.weirdString(80);
    case 2:
      return JSON.stringify(randomFrame(rng, rooms));
    case 3:
      return JSON.stringify(mutateObject(rng, randomFrame(rng, rooms)));
    case 4:
      return JSON.stringify(randomValue(rng));
    case 5: {
      // Around the size limit, in one- and multi-byte characters.
      const unit = rng.pick(['x', 'é', '中', '😀']);
      const target = maxBytes - 40 + rng.int(80);
      const text = unit.repeat(Math.max(0, Math.floor(target / Buffer.byteLength(unit))));
      return JSON.stringify({ type: 'post', room: rng.pick(rooms), text });
    }
    default:
      return mutateText(
        rng,
        JSON.stringify(
          rng.chance(0.7) ? randomFrame(rng, rooms) : mutateObject(rng, randomFrame(rng, rooms)),
        ),
      );
  }
}

function expectedRequestId(value: unknown): string | number | null {
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, 'id')) {
    const id = (value as { id: unknown }).id;
    if ((typeof id === 'string' && id.length <= 64) || Number.isSafeInteger(id)) return id as string | number;
  }
  return null;
}

// ---- (a) parseFrame

test(`(a) parseFrame: 20,000 fuzzed inputs never throw and are parsed or refused correctly (seed ${SEED})`, () => {
  const rng = new Rng(SEED);
  const maxBytes = 4096;
  const rooms = ['room-1', 'r', '00000000-0000-0000-0000-000000000000', 'x'.repeat(64), 'x'.repeat(65)];
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
  const counts: Record<string, number> = {};
  for (let i = 0; i < 20_000; i++) {
    const raw = randomInput(rng, rooms, maxBytes);
    const where = `seed ${SEED}, input #${i}: ${JSON.stringify(raw.slice(0, 300))}`;
    let parsed: ReturnType<typeof parseFrame>;
    try {
      parsed = parseFrame(raw, maxBytes);
    } catch (error) {
      assert.fail(`parseFrame threw ${String(error)} for ${where}`);
    }
    counts[parsed.ok ? 'ok' : parsed.code] = (counts[parsed.ok ? 'ok' : parsed.code] ?? 0) + 1;

    // An independent oracle for the refusal code, in the documented order.
    let value: unknown;
    let json = true;
    try {
      value = JSON.parse(raw);
    } catch {
      json = false;
    }
    let expected: string;
    if (Buffer.byteLength(raw, 'utf8') > maxBytes) expected = 'payload_too_large';
    else if (!json) expected = 'invalid_json';
    else if (typeof value !== 'object' || value === null || Array.isArray(value)) expected = 'bad_request';
    else if (
      typeof (value as { type?: unknown }).type !== 'string' ||
      !Object.hasOwn(ClientFrames, (value as { type: string }).type)
    )
      expected = 'unknown_frame';
    else
      expected = checkers[(value as { type: ClientFrameType }).type].Check(value)
        ? 'ok'
        : 'validation_failed';

    if (parsed.ok) {
      assert.equal(expected, 'ok', `accepted, expected ${expected}: ${where}`);
      const frame = parsed.frame as unknown as Record<string, unknown>;
      assert.ok(typeof frame === 'object' && !Array.isArray(frame), where);
      const schema = ClientFrames[parsed.frame.type] as unknown as {
        properties: Record<string, unknown>;
        required?: string[];
      };
      for (const key of Object.keys(frame))
        assert.ok(Object.hasOwn(schema.properties, key), `extra key ${key}: ${where}`);
      for (const key of schema.required ?? [])
        assert.ok(Object.hasOwn(frame, key), `missing ${key}: ${where}`);
      assert.ok(checkers[parsed.frame.type].Check(frame), `accepted frame fails its schema: ${where}`);
      assert.deepEqual(frame, value, `the frame is not what was sent: ${where}`);
    } else {
      assert.equal(parsed.code, expected, `code ${parsed.code}, expected ${expected}: ${where}`);
      assert.ok(isErrorCode(parsed.code) && PARSE_REFUSALS.has(parsed.code), `code ${parsed.code}: ${where}`);
      assert.equal(typeof parsed.message, 'string');
      assert.deepEqual(
        parsed.id,
        expected === 'payload_too_large' || !json ? null : expectedRequestId(value),
        `id: ${where}`,
      );
    }
  }
  assert.deepEqual(
    Object.getOwnPropertyNames(Object.prototype).sort(),
    protoBefore,
    'Object.prototype changed',
  );
  assert.equal(({} as Record<string, unknown>).admin, undefined, 'Object.prototype polluted');
  // The generator must reach every outcome, or the test proves little.
  for (const outcome of ['ok', ...PARSE_REFUSALS])
    assert.ok((counts[outcome] ?? 0) > 100, `only ${counts[outcome] ?? 0} × ${outcome}`);
});

test('(a) parseFrame: an accepted request id is one the result can echo unchanged', () => {
  // requestId() in frames.ts echoes only strings ≤ 64 and safe integers, but the RequestId schema
  // (protocol wire.ts) accepts any integer: such a frame is accepted and answered with another id.
  const accepted: string[] = [];
  for (const id of ['9007199254740993', '1e300', '-9007199254740993', '1e21']) {
    const raw = `{"type":"ping","id":${id}}`;
    const parsed = parseFrame(raw, 4096);
    if (parsed.ok) {
      const echoed = JSON.stringify({ id: parsed.frame.id });
      if (echoed !== `{"id":${id}}`) accepted.push(`${raw} answered with ${echoed}`);
    }
  }
  assert.deepEqual(accepted, [], 'ids the server cannot echo should be refused (validation_failed)');
});

// ---- live server for (b) and (c)

let srv: InProcessServer;
let org: Org;
const tok = {} as Record<keyof Org['users'], string>;

before(async () => {
  // Durability is crash-safety.test.ts's subject: here 'normal' keeps the fuzz fast.
  srv = await startInProcessServer({
    maxFrameBytes: 256 * 1024,
    maxBodyBytes: 64 * 1024,
    maxMessageBytes: 2048,
    sqliteSynchronous: 'normal',
  });
  org = await buildOrg(srv.server.ctx);
  for (const [name, user] of Object.entries(org.users)) {
    tok[name as keyof Org['users']] = (
      await doCreateToken(srv.server.ctx, CLI, { userId: user.id, name: `fuzz-${name}` })
    ).token;
  }
});

after(async () => {
  await srv.close();
});

/** Checks a room's stored history against acknowledged posts (room → seq → text). */
async function checkHistory(
  room: string,
  acks: Map<number, string>,
  where: string,
  token: string,
): Promise<void> {
  const stored = await fullHistory(srv.url, token, room);
  assert.equal(seqProblem(stored), undefined, `${where}: ${String(seqProblem(stored))}`);
  for (const m of stored) {
    assert.ok(
      acks.has(m.seq as number),
      `${where}: seq ${m.seq} (${JSON.stringify(m.text)}) was never acknowledged`,
    );
    const acked = acks.get(m.seq as number);
    assert.ok(
      m.text === acked,
      `${where}: seq ${m.seq} stored text ${JSON.stringify(m.text)} differs from the acknowledged ${JSON.stringify(acked)}`,
    );
  }
  assert.equal(stored.length, acks.size, `${where}: acknowledged posts missing from history`);
}

test(
  `(b) live WebSocket: 3,000 fuzzed frames each get exactly one result (seed ${SEED + 1})`,
  { timeout: 60_000 },
  async () => {
    const rng = new Rng(SEED + 1);
    const { engOpen, engClosed, engSecret, engStage, lounge } = org.rooms;
    const rooms = [
      engOpen.id,
      engOpen.id,
      engClosed.id,
      engStage.id,
      engSecret.id,
      lounge.id,
      'no-such-room',
    ];
    const { client } = await LeanWs.connect(srv.wsUrl, tok.alice);
    const { client: watcher } = await LeanWs.connect(srv.wsUrl, tok.bob);
    const seenTypes = new Set<string>();
    const eventTypes = new Set(['hello', 'message', 'participant', 'roster', 'kicked']);
    // Fuzzed follow/read/seen frames produce the user's own follow events (spec §4.7, §4.12).
    for (const type of ['followed', 'unfollowed', 'read', 'seen', 'activity', 'invitation'])
      eventTypes.add(type);
    const badEvents: unknown[] = [];
    client.onEvent = (e) => {
      if (!eventTypes.has(e?.type)) badEvents.push(e);
    };
    /** Acknowledged posts per room: seq → text. */
    const acks = new Map<string, Map<number, string>>();
    const outcomes: Record<string, number> = {};
    try {
      assert.ok((await watcher.request({ type: 'join', room: engOpen.id })).ok);
      const N = 3000;
      for (let i = 0; i < N; i++) {
        const base = randomFrame(rng, rooms);
        let raw: string;
        const kind = rng.int(10);
        if (kind < 3) raw = JSON.stringify(base);
        else if (kind < 6) raw = JSON.stringify(mutateObject(rng, base));
        else if (kind < 9) raw = mutateText(rng, JSON.stringify(base));
        else raw = rng.chance(0.5) ? rng.weirdString(60) : JSON.stringify(randomValue(rng));
        if (Buffer.byteLength(raw) > 200_000) raw = raw.slice(0, 1000);
        const where = `seed ${SEED + 1}, frame #${i}: ${raw.slice(0, 200)}`;

        const before = client.results.length;
        client.socket.send(raw, { binary: rng.chance(0.01) });
        // Wait for this frame's result, then prove the connection is alive with a ping.
        await client.waitForResults(before + 1, 5_000).catch(() => undefined);
        assert.equal(client.closed, undefined, `connection closed: ${where}`);
        assert.equal(client.results.length, before + 1, `expected one result: ${where}`);
        const pong = await client.requestWithId(`ping#${i}`, { type: 'ping', id: `ping#${i}` }, 5_000);
        assert.ok(pong.ok, `ping after ${where}`);
        assert.equal(client.results.length, before + 2, `a second result arrived for ${where}`);

        const result = client.results[before];
        assert.ok(result, where);
        if (result.ok) {
          outcomes.ok = (outcomes.ok ?? 0) + 1;
          let sent: any;
          try {
            // What the server received: the WebSocket carries UTF-8, so lone surrogates typed as
            // characters arrive as U+FFFD (escaped ones, \\ud800, arrive as they are).
            sent = JSON.parse(Buffer.from(raw, 'utf8').toString('utf8'));
          } catch {
            assert.fail(`not JSON but accepted: ${where}`);
          }
          seenTypes.add(sent.type as string);
          if (sent.type === 'post') {
            const room = result.data.room as string;
            assert.equal(room, sent.room);
            const perRoom = acks.get(room) ?? new Map<number, string>();
            acks.set(room, perRoom);
            const seq = result.data.seq as number;
            if (result.data.duplicate === true)
              assert.ok(perRoom.has(seq), `duplicate of an unknown seq: ${where}`);
            else {
              assert.ok(!perRoom.has(seq), `seq ${seq} acknowledged twice: ${where}`);
              perRoom.set(seq, sent.text as string);
            }
          }
        } else {
          outcomes[result.error.code] = (outcomes[result.error.code] ?? 0) + 1;
          assert.ok(isErrorCode(result.error.code), `uncatalogued code ${result.error.code}: ${where}`);
          assert.notEqual(result.error.code, 'internal', `internal error: ${where}`);
        }
      }
      assert.deepEqual(badEvents, []);
      assert.deepEqual(client.problems, []);
      assert.ok((await watcher.request({ type: 'ping' })).ok, 'another connection still works');
      for (const type of ['join', 'post', 'history', 'ping'])
        assert.ok(seenTypes.has(type), `no accepted ${type} frame`);
      assert.ok((outcomes.ok ?? 0) > 300, `too few accepted frames: ${JSON.stringify(outcomes)}`);
    } finally {
      await client.close();
      await watcher.close();
    }
    for (const room of [engOpen.id, engClosed.id, engStage.id]) {
      await checkHistory(room, acks.get(room) ?? new Map(), `room ${room}`, tok.alice);
    }
    const health = await http(srv.url, 'GET', '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(srv.errorLogs, [], 'unexpected errors were logged');
  },
);

test(
  `(c) HTTP: 2,400 fuzzed bodies get a 2xx or a catalogued 4xx, never a 5xx (seed ${SEED + 2})`,
  { timeout: 60_000 },
  async () => {
    const rng = new Rng(SEED + 2);
    const { engOpen } = org.rooms;
    // A room of its own for PATCH, and one for posting that nothing else touches.
    const made = await http(srv.url, 'POST', '/api/v1/rooms', {
      token: tok.root,
      json: { name: 'fuzz-post', category: 'Engineering', privacy: 'open' },
    });
    assert.equal(made.status, 200, made.text);
    const postRoom = made.body.id as string;
    const made2 = await http(srv.url, 'POST', '/api/v1/rooms', {
      token: tok.root,
      json: { name: 'fuzz-patch', category: 'Engineering', managers: ['alice'] },
    });
    assert.equal(made2.status, 200, made2.text);
    const patchRoom = made2.body.id as string;
    const countRooms = async () =>
      (await srv.server.ctx.store.read.listRooms({ includeDisabled: true })).length;
    const roomsBefore = await countRooms();

    const principals = [
      'alice',
      'bob',
      'dave',
      'group:staff',
      'group:legal',
      'domain:example.com',
      'nobody',
      'u:x',
      '',
    ];
    const list = () => Array.from({ length: rng.int(3) }, () => rng.pick(principals));
    const bodies = {
      post: (): Record<string, unknown> => {
        const b: Record<string, unknown> = { text: rng.chance(0.9) ? rng.text(1, 80) : rng.weirdString(30) };
        if (rng.chance(0.4)) b.clientMsgId = `h${rng.int(300)}`;
        if (rng.chance(0.1)) b.alert = true;
        if (rng.chance(0.1)) b.storyTitle = rng.text(0, 12);
        if (rng.chance(0.1)) b.rtf = rng.text(0, 40);
        if (rng.chance(0.02)) b.text = 'x'.repeat(3000);
        return b;
      },
      room: (): Record<string, unknown> => {
        const b: Record<string, unknown> = {
          name: `fz-${rng.int(1_000_000)}${rng.chance(0.1) ? rng.weirdString(5) : ''}`,
          category: rng.pick(['Engineering', 'engineering', 'Lounge', org.categories.engineering.id, 'Nope']),
        };
        if (rng.chance(0.3)) b.privacy = rng.pick(['open', 'closed', 'secret']);
        if (rng.chance(0.2)) b.type = rng.pick(['normal', 'auditorium']);
        if (rng.chance(0.2)) b.members = list();
        if (rng.chance(0.2)) b.managers = list();
        if (rng.chance(0.1)) b.presenters = list();
        if (rng.chance(0.1)) b.description = rng.text(0, 300);
        return b;
      },
      patch: (): Record<string, unknown> => {
        const b: Record<string, unknown> = {};
        if (rng.chance(0.3)) b.name = `fuzz-patch-${rng.int(5)}`;
        if (rng.chance(0.3)) b.description = rng.text(0, 50);
        if (rng.chance(0.2)) b.privacy = rng.pick(['open', 'closed', 'secret']);
        if (rng.chance(0.2)) b.type = rng.pick(['normal', 'auditorium']);
        if (rng.chance(0.1)) b.disabled = rng.chance(0.5);
        if (rng.chance(0.1)) b.category = rng.pick(['Engineering', 'Lounge', 'Nope']);
        for (const role of ['members', 'managers', 'presenters']) {
          if (rng.chance(0.2)) b[role] = { [rng.pick(['set', 'add', 'remove'])]: list() };
        }
        return b;
      },
      login: (): Record<string, unknown> => {
        const user = rng.pick(['alice', 'bob', 'nobody', 'ALICE', '']);
        return { username: user, password: rng.chance(0.5) ? `password-${user}` : rng.weirdString(12) };
      },
    };
    const endpoints = [
      { kind: 'post', method: 'POST', path: `/api/v1/rooms/${postRoom}/messages`, token: tok.alice },
      { kind: 'room', method: 'POST', path: '/api/v1/rooms', token: tok.alice },
      { kind: 'patch', method: 'PATCH', path: `/api/v1/rooms/${patchRoom}`, token: tok.root },
      { kind: 'login', method: 'POST', path: '/api/v1/login', token: undefined },
    ] as const;

    const posted: { seq: number; text: string; duplicate: boolean; where: string }[] = [];
    let roomsCreated = 0;
    const statuses: Record<string, number> = {};
    const failures: string[] = [];
    const jobs = Array.from({ length: 2400 }, (_, i) => {
      const ep = endpoints[i % endpoints.length] ?? endpoints[0];
      const base = bodies[ep.kind]();
      const kind = rng.int(10);
      const raw =
        kind < 3
          ? JSON.stringify(base)
          : kind < 7
            ? JSON.stringify(mutateObject(rng, base))
            : kind < 9
              ? mutateText(rng, JSON.stringify(base))
              : JSON.stringify(randomValue(rng));
      return { ep, raw, i };
    });
    const run = async ({ ep, raw, i }: (typeof jobs)[number]) => {
      const r = await http(srv.url, ep.method, ep.path, {
        ...(ep.token !== undefined ? { token: ep.token } : {}),
        raw,
      });
      const where = `seed ${SEED + 2}, body #${i} ${ep.method} ${ep.kind}: ${raw.slice(0, 200)} → ${r.status} ${r.text.slice(0, 200)}`;
      statuses[`${ep.kind} ${r.status}`] = (statuses[`${ep.kind} ${r.status}`] ?? 0) + 1;
      if (r.status >= 200 && r.status < 300) {
        if (r.body === undefined) failures.push(`2xx without a JSON body: ${where}`);
        if (ep.kind === 'post') {
          const m = r.body.message;
          posted.push({
            seq: m.seq as number,
            text: m.text as string,
            duplicate: r.body.duplicate === true,
            where,
          });
        }
        if (ep.kind === 'room') roomsCreated++;
      } else if (r.status >= 400 && r.status < 500) {
        const problem = errorContractProblem(r);
        if (problem !== undefined) failures.push(`${problem}: ${where}`);
      } else {
        failures.push(`status ${r.status}: ${where}`);
      }
    };
    const queue = [...jobs];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let job = queue.shift(); job !== undefined; job = queue.shift()) await run(job);
      }),
    );
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} bad responses`);
    for (const kind of ['post', 'room', 'patch', 'login']) {
      assert.ok(
        (statuses[`${kind} 200`] ?? 0) > 20,
        `too few accepted ${kind} bodies: ${JSON.stringify(statuses)}`,
      );
    }

    // Every acknowledgement names its own seq; a duplicate names an acknowledged one, unchanged.
    const acks = new Map<number, string>();
    for (const p of posted.filter((p) => !p.duplicate)) {
      assert.ok(!acks.has(p.seq), `seq ${p.seq} acknowledged twice: ${p.where}`);
      acks.set(p.seq, p.text);
    }
    for (const p of posted.filter((p) => p.duplicate)) {
      assert.ok(acks.has(p.seq), `a duplicate of seq ${p.seq}, never acknowledged: ${p.where}`);
      assert.ok(
        acks.get(p.seq) === p.text,
        `the duplicate of seq ${p.seq} has text ${JSON.stringify(p.text)}, acknowledged ${JSON.stringify(acks.get(p.seq))}`,
      );
    }
    // The stored data is consistent with what was acknowledged.
    await checkHistory(postRoom, acks, 'fuzz-post', tok.alice);
    assert.equal(await countRooms(), roomsBefore + roomsCreated, 'rooms created ≠ rooms acknowledged');
    const health = await http(srv.url, 'GET', '/healthz');
    assert.equal(health.status, 200);
    assert.ok(
      (await http(srv.url, 'GET', `/api/v1/rooms/${engOpen.id}`, { token: tok.alice })).status === 200,
    );
    assert.deepEqual(srv.errorLogs, [], 'unexpected errors were logged');
  },
);

test('(c) after posts, a room reports the lastSeq of its stored history', async () => {
  // AccessState caches each room (with lastSeq) on first access; posts move rooms.last_seq but
  // publish only a `message` event, which the composition root's invalidator ignores. So
  // GET /api/v1/rooms/:room and the join result report the lastSeq of the first access.
  const room = org.rooms.engStage.id; // alice presents here; the fuzz above may have posted too
  const first = await http(srv.url, 'GET', `/api/v1/rooms/${room}`, { token: tok.alice });
  assert.equal(first.status, 200, first.text);
  for (let i = 0; i < 3; i++) {
    const r = await http(srv.url, 'POST', `/api/v1/rooms/${room}/messages`, {
      token: tok.alice,
      json: { text: `after ${i}` },
    });
    assert.equal(r.status, 200, r.text);
  }
  const last = (await fullHistory(srv.url, tok.alice, room)).length;
  const one = await http(srv.url, 'GET', `/api/v1/rooms/${room}`, { token: tok.alice });
  const listed = (await http(srv.url, 'GET', '/api/v1/rooms', { token: tok.alice })).body.rooms.find(
    (r: any) => r.id === room,
  );
  const { client } = await LeanWs.connect(srv.wsUrl, tok.bob);
  try {
    const joined = await client.request({ type: 'join', room });
    assert.ok(joined.ok, JSON.stringify(joined));
    assert.deepEqual(
      { listed: listed.lastSeq, get: one.body.lastSeq, join: joined.data.room.lastSeq },
      { listed: last, get: last, join: last },
    );
  } finally {
    await client.close();
  }
});
