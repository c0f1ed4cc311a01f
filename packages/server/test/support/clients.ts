/**
 * Real clients for tests: HTTP with fetch and WebSocket with `ws`, speaking the public protocol.
 */
import WebSocket from 'ws';
import type { ServerEvent } from '@stoa/protocol';

export async function api(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export async function login(
  base: string,
  username: string,
  password = `password-${username}`,
): Promise<string> {
  const r = await api(base, 'POST', '/api/v1/login', undefined, { username, password });
  if (r.status !== 200) throw new Error(`login ${username}: ${JSON.stringify(r.body)}`);
  return r.body.token as string;
}

/** A WebSocket client that collects events and matches request results by id. */
export class WsClient {
  readonly events: ServerEvent[] = [];
  private nextId = 1;
  private readonly waiters: { pred: (e: ServerEvent) => boolean; resolve: (e: ServerEvent) => void }[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString('utf8')) as ServerEvent[];
      for (const event of frame) {
        this.events.push(event);
        for (const w of [...this.waiters]) {
          if (w.pred(event)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(event);
          }
        }
      }
    });
  }

  static async connect(wsUrl: string, token: string): Promise<WsClient> {
    const socket = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
    const client = new WsClient(socket);
    await client.waitFor((e) => e.type === 'hello');
    return client;
  }

  waitFor(pred: (e: ServerEvent) => boolean, timeoutMs = 5000): Promise<ServerEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for an event')), timeoutMs);
      this.waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  /** Sends a request and resolves with its result (ok or error). */
  async request(frame: Record<string, unknown>): Promise<any> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ ...frame, id }));
    return this.waitFor((e) => e.type === 'result' && e.id === id);
  }

  messages(room: string): any[] {
    return this.events
      .filter((e) => e.type === 'message' && e.room === room)
      .map((e) => (e as { message: unknown }).message);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
