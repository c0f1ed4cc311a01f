/**
 * `stoa check`: the synthetic transaction of spec §4.18 against a running server. Two users sign
 * in, join a room, exchange a pair of messages, leave and sign out; any failure is reported with
 * the step it happened at.
 */
import type { ServerEvent } from '@stoa/protocol';
import WebSocket from 'ws';

interface Side {
  token: string;
  socket: WebSocket;
  events: ServerEvent[];
}

type Result = Extract<ServerEvent, { type: 'result' }>;

export interface CheckOptions {
  url: string;
  room: string;
  users: [{ username: string; password: string }, { username: string; password: string }];
  timeoutMs?: number;
}

async function call<T>(
  url: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as T & { error?: { code: string; message: string } };
  if (!res.ok) throw new Error(`${json.error?.code ?? String(res.status)}: ${json.error?.message ?? ''}`);
  return json;
}

function waitFor(side: Side, pred: (e: ServerEvent) => boolean, timeoutMs: number): Promise<ServerEvent> {
  return new Promise((resolve, reject) => {
    const found = side.events.find(pred);
    if (found) {
      resolve(found);
      return;
    }
    const timer = setTimeout(() => {
      side.socket.off('message', onMessage);
      reject(new Error('timed out'));
    }, timeoutMs);
    const onMessage = () => {
      const hit = side.events.find(pred);
      if (hit) {
        clearTimeout(timer);
        side.socket.off('message', onMessage);
        resolve(hit);
      }
    };
    side.socket.on('message', onMessage);
  });
}

export async function syntheticCheck(
  o: CheckOptions,
): Promise<{ ok: true; steps: string[]; roundTripMs: number }> {
  const timeout = o.timeoutMs ?? 10_000;
  const steps: string[] = [];
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    try {
      const r = await fn();
      steps.push(name);
      return r;
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`);
    }
  };
  const sides: Side[] = [];
  try {
    for (const u of o.users) {
      const { token } = await step(`sign in ${u.username}`, () =>
        call<{ token: string }>(o.url, 'POST', '/api/v1/login', undefined, u),
      );
      const socket = new WebSocket(`${o.url.replace(/^http/, 'ws')}/api/v1/ws`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const side: Side = { token, socket, events: [] };
      socket.on('message', (d) =>
        side.events.push(...(JSON.parse((d as Buffer).toString('utf8')) as ServerEvent[])),
      );
      await step(`connect ${u.username}`, () => waitFor(side, (e) => e.type === 'hello', timeout));
      sides.push(side);
    }
    const [a, b] = sides as [Side, Side];
    const rooms = await step('find the room', () =>
      call<{ rooms: { id: string; name: string }[] }>(
        o.url,
        'GET',
        `/api/v1/rooms?q=${encodeURIComponent(o.room)}`,
        a.token,
      ),
    );
    const room = rooms.rooms.find((r) => r.name.toLowerCase() === o.room.toLowerCase());
    if (!room) throw new Error(`find the room: no room named ${o.room} visible to ${o.users[0].username}`);
    let id = 0;
    const request = async (side: Side, frame: Record<string, unknown>) => {
      const rid = `check-${++id}`;
      side.socket.send(JSON.stringify({ ...frame, id: rid }));
      const r = (await waitFor(side, (e) => e.type === 'result' && e.id === rid, timeout)) as Result;
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      return r;
    };
    await step(`${o.users[0].username} joins`, () => request(a, { type: 'join', room: room.id }));
    await step(`${o.users[1].username} joins`, () => request(b, { type: 'join', room: room.id }));
    const nonce = `stoa check ${Date.now()}`;
    const started = performance.now();
    await step(`${o.users[0].username} posts`, () =>
      request(a, { type: 'post', room: room.id, text: `${nonce} ping` }),
    );
    await step(`${o.users[1].username} receives`, () =>
      waitFor(b, (e) => e.type === 'message' && e.message.text === `${nonce} ping`, timeout),
    );
    await step(`${o.users[1].username} answers`, () =>
      request(b, { type: 'post', room: room.id, text: `${nonce} pong` }),
    );
    await step(`${o.users[0].username} receives`, () =>
      waitFor(a, (e) => e.type === 'message' && e.message.text === `${nonce} pong`, timeout),
    );
    const roundTripMs = Math.round(performance.now() - started);
    for (const s of [a, b]) await step('leave', () => request(s, { type: 'leave', room: room.id }));
    for (const s of [a, b]) await step('sign out', () => call(o.url, 'POST', '/api/v1/logout', s.token));
    return { ok: true, steps, roundTripMs };
  } finally {
    for (const s of sides) s.socket.close();
  }
}
