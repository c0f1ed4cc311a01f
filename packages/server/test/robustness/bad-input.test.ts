/**
 * Bad input over HTTP and WebSocket against a real server (real SQLite, real sockets), started
 * with small limits: each bad request gets the documented status and stable error code, the
 * server keeps running, nothing stored changes, and no unexpected error is logged.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { isErrorCode } from '@stoa/protocol';
import { doCreateToken } from '../../src/actions/sessions.ts';
import { buildOrg, CLI, type Org } from '../support/org.ts';
import {
  errorContractProblem,
  http,
  LeanWs,
  startInProcessServer,
  type HttpResult,
  type InProcessServer,
  type Result,
} from './helpers.ts';

const LIMITS = { maxBodyBytes: 4096, maxMessageBytes: 1024, maxFrameBytes: 8192, sessionTtlMs: 120_000 };

let now = Date.now();
let srv: InProcessServer;
let org: Org;
/** Bot tokens without expiry, so moving the clock does not sign anyone out. */
const tok = {} as Record<Who, string>;
let shortBotToken: string;
let shortHttpToken: string;
let shortTokenExpiresAt: number;
let snapshotBefore: unknown;

type Who = 'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'root';

async function snapshot(): Promise<unknown> {
  const get = async (path: string) => {
    const r = await http(srv.url, 'GET', path, { token: tok.root });
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return r.body;
  };
  const histories: Record<string, unknown> = {};
  for (const room of Object.values(org.rooms)) {
    histories[room.name] = await srv.server.ctx.store.read.history(room.id, { afterSeq: 0, limit: 100_000 });
  }
  return {
    rooms: await get('/api/v1/rooms'),
    categories: await get('/api/v1/categories'),
    users: await get('/api/v1/users'),
    groups: await get('/api/v1/groups'),
    policies: await get('/api/v1/policies'),
    settings: await get('/api/v1/settings'),
    audit: await get('/api/v1/audit'),
    histories,
  };
}

/** Asserts a refusal: status, code, and the `{ error: { code, message } }` contract. */
function refused(r: HttpResult, status: number, code: string | readonly string[], what: string): void {
  const codes = typeof code === 'string' ? [code] : code;
  assert.equal(r.status, status, `${what}: status ${r.status}, body ${r.text.slice(0, 300)}`);
  assert.equal(errorContractProblem(r), undefined, `${what}: ${String(errorContractProblem(r))}`);
  assert.ok(
    codes.includes(r.body.error.code),
    `${what}: code ${String(r.body.error.code)}, expected ${codes.join('|')}`,
  );
}

before(async () => {
  srv = await startInProcessServer(LIMITS, () => now);
  org = await buildOrg(srv.server.ctx);
  for (const [name, user] of Object.entries(org.users)) {
    tok[name as Who] = (
      await doCreateToken(srv.server.ctx, CLI, { userId: user.id, name: `t-${name}` })
    ).token;
  }
  const short = await doCreateToken(srv.server.ctx, CLI, {
    userId: org.users.alice.id,
    name: 'short',
    ttlMs: 60_000,
  });
  shortBotToken = short.token;
  shortTokenExpiresAt = short.expiresAt ?? 0;
  const viaHttp = await http(srv.url, 'POST', '/api/v1/tokens', {
    token: tok.alice,
    json: { name: 'short-http', ttlSeconds: 60 },
  });
  assert.equal(viaHttp.status, 200, viaHttp.text);
  shortHttpToken = viaHttp.body.token as string;
  // Some history to compare against afterwards.
  for (let i = 0; i < 5; i++) {
    const r = await http(srv.url, 'POST', `/api/v1/rooms/${org.rooms.engOpen.id}/messages`, {
      token: tok.alice,
      json: { text: `seed ${i}`, clientMsgId: `seed-${i}` },
    });
    assert.equal(r.status, 200, r.text);
  }
  snapshotBefore = await snapshot();
});

after(async () => {
  await srv.close();
});

test('HTTP: malformed, oversized and mistyped bodies are refused with stable codes', async () => {
  const room = org.rooms.engOpen.id;
  const post = `/api/v1/rooms/${room}/messages`;
  const as = tok.alice;
  const cases: [string, () => Promise<HttpResult>, number, string | string[]][] = [
    [
      'malformed JSON',
      () => http(srv.url, 'POST', post, { token: as, raw: '{"text":' }),
      400,
      'invalid_json',
    ],
    [
      'trailing garbage',
      () => http(srv.url, 'POST', post, { token: as, raw: '{"text":"x"} x' }),
      400,
      'invalid_json',
    ],
    ['empty JSON body', () => http(srv.url, 'POST', post, { token: as, raw: '' }), 400, 'invalid_json'],
    ['JSON null', () => http(srv.url, 'POST', post, { token: as, raw: 'null' }), 400, 'validation_failed'],
    [
      'JSON array',
      () => http(srv.url, 'POST', post, { token: as, raw: '[{"text":"x"}]' }),
      400,
      'validation_failed',
    ],
    ['JSON string', () => http(srv.url, 'POST', post, { token: as, raw: '"x"' }), 400, 'validation_failed'],
    [
      'wrong content type',
      () => http(srv.url, 'POST', post, { token: as, raw: '{"text":"x"}', contentType: 'application/xml' }),
      400,
      'bad_request',
    ],
    [
      'text/plain',
      // Fastify parses text/plain as a string, which then fails the object schema.
      () => http(srv.url, 'POST', post, { token: as, raw: '{"text":"x"}', contentType: 'text/plain' }),
      400,
      ['bad_request', 'validation_failed'],
    ],
    [
      'no content type',
      () =>
        http(srv.url, 'POST', post, {
          token: as,
          raw: new TextEncoder().encode('{"text":"x"}'),
          contentType: null,
        }),
      400,
      'bad_request',
    ],
    [
      'body over maxBodyBytes',
      () => http(srv.url, 'POST', post, { token: as, json: { text: 'x'.repeat(LIMITS.maxBodyBytes + 10) } }),
      413,
      'payload_too_large',
    ],
    [
      'text over maxMessageBytes',
      () =>
        http(srv.url, 'POST', post, { token: as, json: { text: 'x'.repeat(LIMITS.maxMessageBytes + 1) } }),
      413,
      'payload_too_large',
    ],
    [
      'multi-byte text over maxMessageBytes (bytes, not characters)',
      () => http(srv.url, 'POST', post, { token: as, json: { text: '中'.repeat(400) } }),
      413,
      'payload_too_large',
    ],
    [
      'text + rtf + story title over maxMessageBytes',
      () =>
        http(srv.url, 'POST', post, {
          token: as,
          json: { text: 'x'.repeat(400), rtf: 'r'.repeat(400), storyTitle: 't'.repeat(400) },
        }),
      413,
      'payload_too_large',
    ],
    [
      'unknown field',
      () => http(srv.url, 'POST', post, { token: as, json: { text: 'x', bogus: 1 } }),
      400,
      'validation_failed',
    ],
    [
      'missing text',
      () => http(srv.url, 'POST', post, { token: as, json: { alert: true } }),
      400,
      'validation_failed',
    ],
    [
      'text is an object',
      () => http(srv.url, 'POST', post, { token: as, json: { text: { a: 1 } } }),
      400,
      'validation_failed',
    ],
    [
      'alert is a word',
      () => http(srv.url, 'POST', post, { token: as, json: { text: 'x', alert: 'maybe' } }),
      400,
      'validation_failed',
    ],
    [
      'blank text',
      () => http(srv.url, 'POST', post, { token: as, json: { text: ' \n\t ' } }),
      400,
      'validation_failed',
    ],
    [
      'empty clientMsgId',
      () => http(srv.url, 'POST', post, { token: as, json: { text: 'x', clientMsgId: '' } }),
      400,
      'validation_failed',
    ],
    [
      'clientMsgId too long',
      () => http(srv.url, 'POST', post, { token: as, json: { text: 'x', clientMsgId: 'c'.repeat(129) } }),
      400,
      'validation_failed',
    ],
    [
      'blank story title',
      () => http(srv.url, 'POST', post, { token: as, json: { text: 'x', storyTitle: ' ' } }),
      400,
      'validation_failed',
    ],
    [
      '__proto__ key',
      () => http(srv.url, 'POST', post, { token: as, raw: '{"text":"x","__proto__":{"isAdmin":true}}' }),
      400,
      ['invalid_json', 'validation_failed', 'bad_request'],
    ],
    [
      'constructor.prototype key',
      () =>
        http(srv.url, 'POST', post, {
          token: as,
          raw: '{"text":"x","constructor":{"prototype":{"isAdmin":true}}}',
        }),
      400,
      ['invalid_json', 'validation_failed', 'bad_request'],
    ],
    [
      'history: afterSeq not a number',
      () => http(srv.url, 'GET', `${post}?afterSeq=abc`, { token: as }),
      400,
      'validation_failed',
    ],
    [
      'history: limit 0',
      () => http(srv.url, 'GET', `${post}?limit=0`, { token: as }),
      400,
      'validation_failed',
    ],
    [
      'history: limit 501',
      () => http(srv.url, 'GET', `${post}?limit=501`, { token: as }),
      400,
      'validation_failed',
    ],
    [
      'history: negative seq',
      () => http(srv.url, 'GET', `${post}?beforeSeq=-1`, { token: as }),
      400,
      'validation_failed',
    ],
    [
      'history: unknown parameter',
      () => http(srv.url, 'GET', `${post}?bogus=1`, { token: as }),
      400,
      'validation_failed',
    ],
    [
      'room id too long',
      () => http(srv.url, 'GET', `/api/v1/rooms/${'r'.repeat(65)}`, { token: as }),
      400,
      'validation_failed',
    ],
    ['unknown endpoint', () => http(srv.url, 'GET', '/api/v1/nope', { token: as }), 404, 'not_found'],
    [
      'unknown room: read',
      () => http(srv.url, 'GET', `/api/v1/rooms/${randomUUID()}`, { token: as }),
      404,
      'not_found',
    ],
    [
      'unknown room: post',
      () =>
        http(srv.url, 'POST', `/api/v1/rooms/${randomUUID()}/messages`, { token: as, json: { text: 'x' } }),
      404,
      'not_found',
    ],
    [
      'unknown room: patch',
      () =>
        http(srv.url, 'PATCH', `/api/v1/rooms/${randomUUID()}`, {
          token: tok.root,
          json: { description: 'x' },
        }),
      404,
      'not_found',
    ],
    [
      'unknown room: delete',
      () => http(srv.url, 'DELETE', `/api/v1/rooms/${randomUUID()}`, { token: tok.root }),
      404,
      'not_found',
    ],
    [
      'new room in an unknown category',
      () =>
        http(srv.url, 'POST', '/api/v1/rooms', {
          token: tok.root,
          json: { name: 'r-x', category: randomUUID() },
        }),
      404,
      'not_found',
    ],
    [
      'new room: privacy not an option',
      () =>
        http(srv.url, 'POST', '/api/v1/rooms', {
          token: tok.root,
          json: { name: 'r-x', category: 'Engineering', privacy: 'public' },
        }),
      400,
      'validation_failed',
    ],
    [
      'new room: blank name',
      () =>
        http(srv.url, 'POST', '/api/v1/rooms', {
          token: tok.root,
          json: { name: '   ', category: 'Engineering' },
        }),
      400,
      'validation_failed',
    ],
    [
      'new room: control characters in the name',
      () =>
        http(srv.url, 'POST', '/api/v1/rooms', {
          token: tok.root,
          json: { name: 'a\u0007b', category: 'Engineering' },
        }),
      400,
      'validation_failed',
    ],
    [
      'new room: taken name',
      () =>
        http(srv.url, 'POST', '/api/v1/rooms', {
          token: tok.root,
          json: { name: 'ENG-OPEN', category: 'Engineering' },
        }),
      409,
      'name_taken',
    ],
    [
      'new room: unknown member',
      () =>
        http(srv.url, 'POST', '/api/v1/rooms', {
          token: tok.root,
          json: { name: 'r-x', category: 'Engineering', members: ['nobody-here'] },
        }),
      404,
      'not_found',
    ],
    [
      'new room: member out of scope',
      () =>
        http(srv.url, 'POST', '/api/v1/rooms', {
          token: tok.root,
          json: { name: 'r-x', category: 'Engineering', members: ['dave'] },
        }),
      422,
      'out_of_scope',
    ],
    [
      'new room: presenters without auditorium',
      () =>
        http(srv.url, 'POST', '/api/v1/rooms', {
          token: tok.root,
          json: { name: 'r-x', category: 'Engineering', presenters: ['alice'] },
        }),
      422,
      'presenters_need_auditorium',
    ],
    [
      'patch room: unknown field',
      () => http(srv.url, 'PATCH', `/api/v1/rooms/${room}`, { token: tok.root, json: { lastSeq: 0 } }),
      400,
      'validation_failed',
    ],
    [
      'patch room: move to an unknown category',
      () =>
        http(srv.url, 'PATCH', `/api/v1/rooms/${room}`, {
          token: tok.root,
          json: { category: randomUUID() },
        }),
      404,
      'not_found',
    ],
    [
      'unknown category: patch',
      () =>
        http(srv.url, 'PATCH', `/api/v1/categories/${randomUUID()}`, {
          token: tok.root,
          json: { description: 'x' },
        }),
      404,
      'not_found',
    ],
    [
      'unknown category: delete',
      () => http(srv.url, 'DELETE', `/api/v1/categories/${randomUUID()}`, { token: tok.root }),
      404,
      'not_found',
    ],
    [
      'category holding rooms: delete',
      () =>
        http(srv.url, 'DELETE', `/api/v1/categories/${org.categories.engineering.id}`, { token: tok.root }),
      409,
      'category_not_empty',
    ],
    [
      'new category: taken name',
      () => http(srv.url, 'POST', '/api/v1/categories', { token: tok.root, json: { name: 'engineering' } }),
      409,
      'name_taken',
    ],
    [
      'new category: bad domain',
      () =>
        http(srv.url, 'POST', '/api/v1/categories', {
          token: tok.root,
          json: { name: 'c-x', allowed: ['domain:-bad-'] },
        }),
      400,
      'validation_failed',
    ],
    [
      'unknown user: patch',
      () =>
        http(srv.url, 'PATCH', `/api/v1/users/${randomUUID()}`, {
          token: tok.root,
          json: { displayName: 'x' },
        }),
      404,
      'not_found',
    ],
    [
      'new user: bad username',
      () =>
        http(srv.url, 'POST', '/api/v1/users', {
          token: tok.root,
          json: { username: 'no spaces!', password: 'password-x' },
        }),
      400,
      'validation_failed',
    ],
    [
      'new user: short password',
      () =>
        http(srv.url, 'POST', '/api/v1/users', {
          token: tok.root,
          json: { username: 'newbie', password: 'short' },
        }),
      400,
      'validation_failed',
    ],
    [
      'new user: bad SIP URI',
      () =>
        http(srv.url, 'POST', '/api/v1/users', {
          token: tok.root,
          json: { username: 'newbie', sipUri: 'mailto:x' },
        }),
      400,
      'validation_failed',
    ],
    [
      'new user: taken name',
      () =>
        http(srv.url, 'POST', '/api/v1/users', {
          token: tok.root,
          json: { username: 'Alice', password: 'password-x' },
        }),
      409,
      'name_taken',
    ],
    [
      'unknown setting',
      () => http(srv.url, 'PUT', '/api/v1/settings/NoSuchSetting', { token: tok.root, json: { value: 1 } }),
      400,
      'validation_failed',
    ],
    [
      'setting out of bounds',
      () =>
        http(srv.url, 'PUT', '/api/v1/settings/DefaultChatHistory', {
          token: tok.root,
          json: { value: 501 },
        }),
      400,
      'validation_failed',
    ],
    [
      'setting: not a URL',
      () =>
        http(srv.url, 'PUT', '/api/v1/settings/RoomManagementUrl', {
          token: tok.root,
          json: { value: 'javascript:alert(1)' },
        }),
      400,
      'validation_failed',
    ],
    [
      'login: missing password',
      () => http(srv.url, 'POST', '/api/v1/login', { json: { username: 'alice' } }),
      400,
      'validation_failed',
    ],
    [
      'login: wrong password',
      () => http(srv.url, 'POST', '/api/v1/login', { json: { username: 'alice', password: 'wrong-one' } }),
      401,
      'invalid_credentials',
    ],
    [
      'login: unknown user',
      () => http(srv.url, 'POST', '/api/v1/login', { json: { username: 'nobody', password: 'wrong-one' } }),
      401,
      'invalid_credentials',
    ],
  ];
  for (const [what, run, status, code] of cases) refused(await run(), status, code, what);
});

test('HTTP: forbidden actions, and rooms one may not see look exactly like missing ones', async () => {
  const { engOpen, engClosed, engSecret } = org.rooms;
  refused(
    await http(srv.url, 'POST', '/api/v1/categories', { token: tok.alice, json: { name: 'Mine' } }),
    403,
    'forbidden',
    'non-admin creates a category',
  );
  refused(
    await http(srv.url, 'GET', '/api/v1/users', { token: tok.alice }),
    403,
    'forbidden',
    'non-admin lists users',
  );
  refused(
    await http(srv.url, 'POST', '/api/v1/users', {
      token: tok.alice,
      json: { username: 'sneaky', password: 'password-x' },
    }),
    403,
    'forbidden',
    'non-admin creates a user',
  );
  refused(
    await http(srv.url, 'PUT', '/api/v1/settings/DefaultChatHistory', {
      token: tok.alice,
      json: { value: 10 },
    }),
    403,
    'forbidden',
    'non-admin changes a setting',
  );
  refused(
    await http(srv.url, 'GET', `/api/v1/rooms/${engClosed.id}/messages`, { token: tok.carol }),
    403,
    'forbidden',
    'non-member reads a closed room',
  );
  refused(
    await http(srv.url, 'POST', `/api/v1/rooms/${engClosed.id}/messages`, {
      token: tok.carol,
      json: { text: 'x' },
    }),
    403,
    'forbidden',
    'non-member posts in a closed room',
  );
  refused(
    await http(srv.url, 'PATCH', `/api/v1/rooms/${engOpen.id}`, {
      token: tok.bob,
      json: { description: 'mine now' },
    }),
    403,
    'forbidden',
    'non-manager changes a room',
  );
  refused(
    await http(srv.url, 'DELETE', `/api/v1/rooms/${engClosed.id}`, { token: tok.alice }),
    403,
    'forbidden',
    'a manager deletes a room',
  );
  refused(
    await http(srv.url, 'POST', '/api/v1/tokens', { token: tok.alice, json: { name: 'x', user: 'bob' } }),
    403,
    'forbidden',
    'a token for someone else',
  );

  // A secret room for a non-member, an out-of-scope room and the ethical wall: identical to a
  // random unknown id, for every route, in status and in the whole body.
  const unknown = randomUUID();
  const probes: [string, (room: string) => Promise<HttpResult>][] = [
    ['GET room', (r) => http(srv.url, 'GET', `/api/v1/rooms/${r}`, { token: tok.carol })],
    ['GET messages', (r) => http(srv.url, 'GET', `/api/v1/rooms/${r}/messages`, { token: tok.carol })],
    ['GET recent', (r) => http(srv.url, 'GET', `/api/v1/rooms/${r}/recent`, { token: tok.carol })],
    [
      'GET participants',
      (r) => http(srv.url, 'GET', `/api/v1/rooms/${r}/participants`, { token: tok.carol }),
    ],
    [
      'POST message',
      (r) => http(srv.url, 'POST', `/api/v1/rooms/${r}/messages`, { token: tok.carol, json: { text: 'x' } }),
    ],
    [
      'PATCH room',
      (r) => http(srv.url, 'PATCH', `/api/v1/rooms/${r}`, { token: tok.carol, json: { description: 'x' } }),
    ],
    ['DELETE room', (r) => http(srv.url, 'DELETE', `/api/v1/rooms/${r}`, { token: tok.carol })],
  ];
  for (const [what, probe] of probes) {
    const missing = await probe(unknown);
    refused(missing, 404, 'not_found', `${what} of an unknown room`);
    const secret = await probe(engSecret.id);
    assert.equal(secret.status, missing.status, `${what}: secret room status differs from an unknown one`);
    assert.equal(secret.text, missing.text, `${what}: secret room body differs from an unknown one`);
  }
  for (const [who, room] of [
    ['dave', engOpen.id], // partner.org: outside the Engineering scope
    ['erin', engOpen.id], // legal: behind the ethical wall
  ] as const) {
    const missing = await http(srv.url, 'GET', `/api/v1/rooms/${unknown}`, { token: tok[who] });
    const hidden = await http(srv.url, 'GET', `/api/v1/rooms/${room}`, { token: tok[who] });
    refused(hidden, 404, 'not_found', `${who} reads a room out of scope`);
    assert.equal(hidden.text, missing.text, `${who}: an out-of-scope room differs from an unknown one`);
  }
  // The directory does not leak the secret room either.
  const list = await http(srv.url, 'GET', '/api/v1/rooms', { token: tok.carol });
  assert.equal(list.status, 200);
  assert.ok(!JSON.stringify(list.body).includes(engSecret.id), 'the secret room is listed to a non-member');
});

test('HTTP: missing, forged, revoked and expired tokens', async () => {
  const paths: [string, string, unknown?][] = [
    ['GET', '/api/v1/me'],
    ['GET', '/api/v1/rooms'],
    ['POST', `/api/v1/rooms/${org.rooms.engOpen.id}/messages`, { text: 'x' }],
    ['GET', '/api/v1/categories'],
  ];
  const raw = async (method: string, path: string, authorization: string | undefined, json?: unknown) => {
    const headers: Record<string, string> = {};
    if (authorization !== undefined) headers.authorization = authorization;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${srv.url}${path}`, {
      method,
      headers,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
    const text = await res.text();
    const result: HttpResult = { status: res.status, text, body: JSON.parse(text) };
    return result;
  };
  const bad: [string, string | undefined][] = [
    ['no token', undefined],
    ['empty bearer', 'Bearer '],
    ['forged token', `Bearer stoa_${'A'.repeat(43)}`],
    [
      'another user’s token with a changed character',
      `Bearer ${tok.alice.slice(0, -1)}${tok.alice.endsWith('A') ? 'B' : 'A'}`,
    ],
    ['overlong token', `Bearer ${'x'.repeat(5000)}`],
    ['basic auth', `Basic ${Buffer.from('alice:password-alice').toString('base64')}`],
    ['token without scheme', tok.alice],
  ];
  for (const [method, path, json] of paths) {
    for (const [what, authorization] of bad) {
      refused(
        await raw(method, path, authorization, json),
        401,
        'unauthenticated',
        `${what}: ${method} ${path}`,
      );
    }
  }

  // Revoked: a logged-out session no longer works.
  const login = await http(srv.url, 'POST', '/api/v1/login', {
    json: { username: 'bob', password: 'password-bob' },
  });
  assert.equal(login.status, 200, login.text);
  const session = login.body.token as string;
  assert.equal((await http(srv.url, 'GET', '/api/v1/me', { token: session })).status, 200);
  assert.equal((await http(srv.url, 'POST', '/api/v1/logout', { token: session })).status, 200);
  refused(
    await http(srv.url, 'GET', '/api/v1/me', { token: session }),
    401,
    'unauthenticated',
    'logged-out session',
  );

  // Expired: bot tokens with a 60 s lifetime, then a password session (sessionTtlMs 120 s).
  const login2 = await http(srv.url, 'POST', '/api/v1/login', {
    json: { username: 'bob', password: 'password-bob' },
  });
  const session2 = login2.body.token as string;
  for (const t of [shortBotToken, shortHttpToken, session2]) {
    assert.equal((await http(srv.url, 'GET', '/api/v1/me', { token: t })).status, 200);
  }
  now += 60_000;
  for (const t of [shortBotToken, shortHttpToken]) {
    refused(
      await http(srv.url, 'GET', '/api/v1/me', { token: t }),
      401,
      'token_expired',
      'a 60 s token after 60 s',
    );
  }
  assert.equal((await http(srv.url, 'GET', '/api/v1/me', { token: session2 })).status, 200);
  now += 60_000;
  refused(
    await http(srv.url, 'GET', '/api/v1/me', { token: session2 }),
    401,
    'token_expired',
    'a session after its TTL',
  );
  refused(
    await http(srv.url, 'POST', `/api/v1/rooms/${org.rooms.engOpen.id}/messages`, {
      token: session2,
      json: { text: 'x' },
    }),
    401,
    'token_expired',
    'posting with an expired session',
  );
});

/** Sends a raw frame and returns the next result (frames here are answered in order). */
async function next(client: LeanWs, raw: string | Buffer, binary = false): Promise<Result> {
  const count = client.results.length;
  client.socket.send(raw, { binary });
  await client.waitForResults(count + 1);
  const result = client.results[count];
  assert.ok(result, `no result for ${String(raw).slice(0, 80)}`);
  return result;
}

function wsRefused(result: Result, code: string, what: string, id: string | number | null = null): void {
  assert.equal(result.ok, false, `${what}: accepted: ${JSON.stringify(result).slice(0, 300)}`);
  assert.ok(isErrorCode(result.error.code), `${what}: unknown code ${result.error.code}`);
  assert.equal(result.error.code, code, `${what}: ${JSON.stringify(result.error)}`);
  assert.equal(typeof result.error.message, 'string');
  assert.equal(result.id, id, `${what}: result id`);
}

test('WebSocket: refused connections get one result, then close code 4401', async () => {
  now = Math.max(now, shortTokenExpiresAt); // the 60 s token has expired (also when run alone)
  const attempts: [string, string | undefined, string, string][] = [
    ['no token', undefined, srv.wsUrl, 'unauthenticated'],
    ['forged token', `stoa_${'B'.repeat(43)}`, srv.wsUrl, 'unauthenticated'],
    ['expired token', shortBotToken, srv.wsUrl, 'token_expired'],
    ['forged query token', undefined, `${srv.wsUrl}?access_token=stoa_forged`, 'unauthenticated'],
  ];
  for (const [what, token, url, code] of attempts) {
    const { client, hello } = await LeanWs.connect(url, token);
    assert.equal(hello, undefined, `${what}: got a hello`);
    const closed = await client.waitForClose();
    assert.equal(closed.code, 4401, `${what}: close code`);
    assert.equal(client.results.length, 1, `${what}: expected exactly one result`);
    const [result] = client.results;
    assert.ok(result);
    wsRefused(result, code, what);
    assert.deepEqual(client.problems, []);
  }
});

test('WebSocket: bad frames get one refusal each and the connection stays usable', async () => {
  const { engOpen, engClosed, engSecret } = org.rooms;
  const { client: alice } = await LeanWs.connect(srv.wsUrl, tok.alice);
  const { client: carol } = await LeanWs.connect(srv.wsUrl, tok.carol);
  try {
    const frames: [string, string, (string | number | null)?][] = [
      ['not json', 'invalid_json'],
      ['', 'invalid_json'],
      ['{"type":"ping"', 'invalid_json'],
      ['[1,2]', 'bad_request'],
      ['[{"type":"ping","id":1}]', 'bad_request'],
      ['42', 'bad_request'],
      ['null', 'bad_request'],
      ['"ping"', 'bad_request'],
      ['true', 'bad_request'],
      ['{}', 'unknown_frame'],
      ['{"type":"nope","id":1}', 'unknown_frame', 1],
      ['{"type":5,"id":"a"}', 'unknown_frame', 'a'],
      ['{"type":"constructor","id":2}', 'unknown_frame', 2],
      ['{"type":"__proto__","id":3}', 'unknown_frame', 3],
      ['{"type":"toString","id":4}', 'unknown_frame', 4],
      ['{"type":"hasOwnProperty","id":5}', 'unknown_frame', 5],
      ['{"type":"post","id":6}', 'validation_failed', 6],
      ['{"type":"join","id":7,"room":5}', 'validation_failed', 7],
      ['{"type":"join","id":8,"room":""}', 'validation_failed', 8],
      [`{"type":"join","id":9,"room":"${'r'.repeat(65)}"}`, 'validation_failed', 9],
      [`{"type":"join","id":10,"room":"${engOpen.id}","lastSeq":-1}`, 'validation_failed', 10],
      [`{"type":"history","id":11,"room":"${engOpen.id}","limit":501}`, 'validation_failed', 11],
      [`{"type":"history","id":12,"room":"${engOpen.id}","limit":1.5}`, 'validation_failed', 12],
      ['{"type":"ping","id":{}}', 'validation_failed', null],
      ['{"type":"ping","id":"' + 'i'.repeat(65) + '"}', 'validation_failed', null],
      ['{"type":"ping","id":1.5}', 'validation_failed', null],
      ['{"type":"ping","id":"x","extra":1}', 'validation_failed', 'x'],
      ['{"type":"ping","id":"y","__proto__":{"admin":true}}', 'validation_failed', 'y'],
      [`{"type":"post","id":13,"room":"${engOpen.id}","text":5}`, 'validation_failed', 13],
      [`{"type":"post","id":14,"room":"${engOpen.id}","text":"x","alert":"yes"}`, 'validation_failed', 14],
      [`{"type":"post","id":15,"room":"${engOpen.id}","text":"x"}`, 'not_joined', 15],
      [`{"type":"participants","id":16,"room":"${engOpen.id}"}`, 'not_joined', 16],
      [`{"type":"leave","id":17,"room":"${engOpen.id}"}`, 'not_joined', 17],
      [`{"type":"join","id":18,"room":"${randomUUID()}"}`, 'not_found', 18],
      [`{"type":"history","id":19,"room":"${randomUUID()}"}`, 'not_found', 19],
    ];
    for (const [raw, code, id = null] of frames)
      wsRefused(await next(alice, raw), code, `frame ${raw.slice(0, 60)}`, id);
    wsRefused(await next(alice, Buffer.from([0x7b, 0x7d]), true), 'bad_request', 'binary frame');

    const joined = await alice.request({ type: 'join', room: engOpen.id });
    assert.ok(joined.ok, JSON.stringify(joined));
    wsRefused(await alice.request({ type: 'join', room: engOpen.id }), 'already_joined', 'join twice', `r2`);
    const posts: [Record<string, unknown>, string][] = [
      [{ text: 'x'.repeat(LIMITS.maxMessageBytes + 1) }, 'payload_too_large'],
      [{ text: '😀'.repeat(300) }, 'payload_too_large'],
      [{ text: '' }, 'validation_failed'],
      [{ text: '  \n ' }, 'validation_failed'],
      [{ text: 'x', storyTitle: '   ' }, 'validation_failed'],
      [{ text: 'x', clientMsgId: '' }, 'validation_failed'],
    ];
    for (const [fields, code] of posts) {
      const r = await alice.request({ type: 'post', room: engOpen.id, ...fields });
      wsRefused(r, code, `post ${JSON.stringify(fields).slice(0, 60)}`, r.id);
    }

    // Carol: a closed room she is not in is forbidden; a secret one looks exactly like a missing one.
    wsRefused(await carol.request({ type: 'join', room: engClosed.id }), 'forbidden', 'join closed', 'r1');
    wsRefused(
      await carol.request({ type: 'history', room: engClosed.id }),
      'forbidden',
      'history closed',
      'r2',
    );
    for (const type of ['join', 'history']) {
      const secret = await carol.request({ type, room: engSecret.id });
      const missing = await carol.request({ type, room: randomUUID() });
      assert.ok(!secret.ok && !missing.ok);
      assert.equal(missing.error.code, 'not_found');
      assert.deepEqual(secret.error, missing.error, `${type}: a secret room differs from a missing one`);
    }

    // Every frame got exactly one result, and both connections still work.
    const expected = frames.length + 1 + 2 + posts.length;
    assert.equal(alice.results.length, expected, 'one result per frame');
    assert.ok((await alice.request({ type: 'ping' })).ok);
    assert.ok((await carol.request({ type: 'ping' })).ok);
    assert.equal(alice.closed, undefined);
    assert.deepEqual([...alice.problems, ...carol.problems], []);
  } finally {
    await alice.close();
    await carol.close();
  }
});

test('WebSocket: a frame over maxFrameBytes or with invalid UTF-8 closes only that connection', async () => {
  const { client: bystander } = await LeanWs.connect(srv.wsUrl, tok.bob);
  try {
    const { client: big } = await LeanWs.connect(srv.wsUrl, tok.alice);
    big.socket.send(JSON.stringify({ type: 'ping', id: 1, pad: 'x'.repeat(LIMITS.maxFrameBytes) }));
    assert.equal((await big.waitForClose()).code, 1009, 'oversized frame: close code');

    const { client: broken } = await LeanWs.connect(srv.wsUrl, tok.alice);
    broken.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    assert.equal((await broken.waitForClose()).code, 1007, 'invalid UTF-8: close code');

    assert.ok((await bystander.request({ type: 'ping' })).ok, 'other connections keep working');
    const health = await http(srv.url, 'GET', '/healthz');
    assert.equal(health.status, 200);
  } finally {
    await bystander.close();
  }
});

test('after all the bad input: healthy, nothing stored changed, valid requests still work', async () => {
  const health = await http(srv.url, 'GET', '/healthz');
  assert.deepEqual([health.status, health.body], [200, { ok: true }]);
  assert.deepEqual(await snapshot(), snapshotBefore, 'stored state changed');
  // Client protocol violations logged by @fastify/websocket are covered by their own test below.
  const unexpected = srv.errorLogs.filter((line) => !line.includes('"code":"WS_ERR_'));
  assert.deepEqual(unexpected, [], 'the server logged unexpected errors');

  const room = org.rooms.engOpen.id;
  const before = (await srv.server.ctx.store.read.history(room, { afterSeq: 0, limit: 1000 })).length;
  const viaHttp = await http(srv.url, 'POST', `/api/v1/rooms/${room}/messages`, {
    token: tok.bob,
    json: { text: 'still here' },
  });
  assert.equal(viaHttp.status, 200, viaHttp.text);
  assert.equal(viaHttp.body.message.seq, before + 1);
  const { client } = await LeanWs.connect(srv.wsUrl, tok.bob);
  try {
    assert.ok((await client.request({ type: 'join', room })).ok);
    const viaWs = await client.request({ type: 'post', room, text: 'and here' });
    assert.ok(viaWs.ok, JSON.stringify(viaWs));
    assert.equal(viaWs.data.seq, before + 2);
  } finally {
    await client.close();
  }
});

test('a client breaking the WebSocket protocol is not logged as a server error', async () => {
  // @fastify/websocket's default errorHandler logs every socket error at level error (and
  // terminates the socket): any client can write error-level log lines at will.
  const logged = srv.errorLogs.length;
  const { client: big } = await LeanWs.connect(srv.wsUrl, tok.alice);
  big.socket.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(LIMITS.maxFrameBytes) }));
  await big.waitForClose();
  const { client: broken } = await LeanWs.connect(srv.wsUrl, tok.alice);
  broken.socket.send(Buffer.from([0x7b, 0xff, 0x7d]), { binary: false });
  await broken.waitForClose();
  const fresh = srv.errorLogs.slice(logged).map((line) => (JSON.parse(line) as { msg: string }).msg);
  assert.deepEqual(fresh, [], 'client protocol errors were logged at level error');
});

test('HTTP bodies are not type-coerced: a wrong JSON type is refused, as on the WebSocket', async () => {
  // Fastify's Ajv runs with coerceTypes: 'array' (transports/http/app.ts) for bodies too, so
  // {"text": 5} is stored as "5", ["hi"] as "hi", "true" becomes true. The WebSocket refuses them.
  const own = await startInProcessServer(LIMITS);
  try {
    const o = await buildOrg(own.server.ctx);
    const token = (await doCreateToken(own.server.ctx, CLI, { userId: o.users.root.id, name: 'root' })).token;
    const room = o.rooms.engOpen.id;
    const cases: [string, string, unknown][] = [
      ['POST', `/api/v1/rooms/${room}/messages`, { text: 5 }],
      ['POST', `/api/v1/rooms/${room}/messages`, { text: true }],
      ['POST', `/api/v1/rooms/${room}/messages`, { text: ['in an array'] }],
      ['POST', `/api/v1/rooms/${room}/messages`, { text: 'x', alert: 'true' }],
      ['POST', `/api/v1/rooms/${room}/messages`, { text: 'x', alert: 1 }],
      ['POST', `/api/v1/rooms/${room}/messages`, { text: 'x', clientMsgId: 7 }],
      ['PATCH', `/api/v1/rooms/${room}`, { disabled: 'true' }],
      ['POST', '/api/v1/users', { username: 'coerced', password: 12345678 }],
      ['POST', '/api/v1/login', { username: 'alice', password: ['password-alice'] }],
    ];
    const accepted: string[] = [];
    for (const [method, path, json] of cases) {
      const r = await http(own.url, method, path, { token, json });
      if (r.status !== 400 || r.body?.error?.code !== 'validation_failed') {
        accepted.push(`${method} ${path.replace(room, ':room')} ${JSON.stringify(json)} → ${r.status}`);
      }
    }
    assert.deepEqual(accepted, [], 'wrong JSON types were accepted (coerced) instead of validation_failed');
  } finally {
    await own.close();
  }
});

test('text that is not well-formed Unicode is refused, or stored exactly as acknowledged', async () => {
  // JSON may escape a lone surrogate ("\ud800"); the server accepts and acknowledges it, but
  // SQLite stores its (invalid) UTF-8 bytes and history later returns U+FFFD characters instead.
  // (Runs after the snapshot comparison above: it may post.)
  const room = org.rooms.engOpen.id;
  const problems: string[] = [];
  const check = async (
    via: string,
    status: number,
    code: string | undefined,
    seq: number | undefined,
    acked: string,
  ) => {
    if (status === 400 && code === 'validation_failed') return;
    if (status !== 200 || seq === undefined) {
      problems.push(`${via}: ${status} ${String(code)}`);
      return;
    }
    const [stored] = await srv.server.ctx.store.read.history(room, { afterSeq: seq - 1, limit: 1 });
    if (stored?.text !== acked) {
      problems.push(`${via}: acknowledged ${JSON.stringify(acked)}, stored ${JSON.stringify(stored?.text)}`);
    }
  };
  for (const escaped of ['a\\ud800b', 'a\\udfffb', '\\udc00\\ud83d']) {
    const r = await http(srv.url, 'POST', `/api/v1/rooms/${room}/messages`, {
      token: tok.bob,
      raw: `{"text":"${escaped}"}`,
    });
    await check(
      `HTTP ${escaped}`,
      r.status,
      r.body?.error?.code,
      r.body?.message?.seq,
      JSON.parse(`"${escaped}"`),
    );
  }
  const { client } = await LeanWs.connect(srv.wsUrl, tok.bob);
  try {
    assert.ok((await client.request({ type: 'join', room })).ok);
    const r = await client.requestWithId(
      's1',
      `{"type":"post","id":"s1","room":"${room}","text":"x\\ud800y"}`,
    );
    await check(
      'WebSocket x\\ud800y',
      r.ok ? 200 : 400,
      r.ok ? undefined : r.error.code,
      r.ok ? r.data.seq : undefined,
      'x\ud800y',
    );
  } finally {
    await client.close();
  }
  assert.deepEqual(problems, []);
});
