/**
 * Helpers for the robustness tests: a deterministic PRNG, a real server run as a child process
 * (the `stoa-server` entry point, killable with SIGKILL), a lean pipelining WebSocket client and
 * raw HTTP requests. Nothing here mocks the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { httpStatusOf, isErrorCode } from '@stoa/protocol';
import { argon2Hasher } from '../../src/auth/argon2-hasher.ts';
import { buildServer, type StoaServer } from '../../src/compose.ts';
import { DEFAULTS, type Config } from '../../src/config/config.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN_TS = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

// ---- deterministic pseudo-random numbers

/** mulberry32: a tiny, fast, seedable 32-bit PRNG. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for a fuzz run: STOA_FUZZ_SEED when set (to replay a failure), else a fixed default. */
export function fuzzSeed(fallback: number): number {
  const env = process.env.STOA_FUZZ_SEED;
  return env !== undefined && env !== '' ? Number(env) >>> 0 : fallback;
}

const SAMPLE_CHARS = [
  'a',
  'Z',
  '0',
  ' ',
  '"',
  '\\',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '\n',
  '\t',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  'ß',
  '中',
  '\u200b',
  '\u202e',
  '\ufeff',
  '😀',
  '\ud83d', // a lone high surrogate
  '\udc00', // a lone low surrogate
  '𝕏',
];

export class Rng {
  readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  /** A string of interesting characters: JSON syntax, controls, astral, lone surrogates. */
  weirdString(maxLen: number): string {
    const n = this.int(maxLen + 1);
    let s = '';
    for (let i = 0; i < n; i++) {
      s += this.chance(0.5) ? String.fromCharCode(32 + this.int(95)) : this.pick(SAMPLE_CHARS);
    }
    return s;
  }
  /** Printable text without lone surrogates (what survives a UTF-8 round trip unchanged). */
  text(minLen: number, maxLen: number): string {
    const n = minLen + this.int(maxLen - minLen + 1);
    const pool = [
      'a',
      'b',
      'c',
      ' ',
      'é',
      '中',
      '😀',
      '"',
      '\\',
      '\n',
      'x',
      'y',
      'z',
      '0',
      '9',
      '<',
      '>',
      '&',
    ];
    let s = '';
    for (let i = 0; i < n; i++)
      s += this.chance(0.7) ? String.fromCharCode(97 + this.int(26)) : this.pick(pool);
    return s;
  }
}

// ---- a real server in this process, with a controllable clock and captured error logs

export interface InProcessServer {
  readonly server: StoaServer;
  readonly url: string;
  readonly wsUrl: string;
  /** Lines the server logged at level error: unexpected errors it reported (should stay empty). */
  readonly errorLogs: string[];
  close(): Promise<void>;
}

/** Like test/support/server.ts, plus a clock override and a logger that captures errors. */
export async function startInProcessServer(
  config: Partial<Config> = {},
  clock?: () => number,
): Promise<InProcessServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stoa-robust-'));
  const errorLogs: string[] = [];
  const server = await buildServer(
    { ...DEFAULTS, ...config, logLevel: 'error', dataDir, host: '127.0.0.1', port: 0 },
    {
      hasher: argon2Hasher('fast-for-tests'),
      logger: { level: 'error', stream: { write: (line: string) => errorLogs.push(line) } },
      ...(clock ? { clock } : {}),
    },
  );
  const url = await server.listen();
  return {
    server,
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/api/v1/ws`,
    errorLogs,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---- a real server as a child process

export interface ChildServer {
  readonly child: ChildProcess;
  readonly url: string;
  readonly wsUrl: string;
  /** The first administrator's password, printed only on the first start of an empty data dir. */
  readonly adminPassword: string | undefined;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** Resolves once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startChildServer(
  dataDir: string,
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN_TS, '--data-dir', dataDir, '--port', '0'], {
    cwd: REPO_ROOT,
    env: { ...process.env, STOA_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const ready = new Promise<{ url: string; adminPassword: string | undefined }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: string) => {
      out += chunk;
      const listening = /listening on (http:\/\/\S+)/.exec(out);
      if (listening?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ url: listening[1], adminPassword: /with password (\S+)/.exec(out)?.[1] });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: string) => (out += chunk));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${String(code)}, signal ${String(signal)}):\n${out}`));
    });
  });
  const { url, adminPassword } = await ready;
  return {
    child,
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/api/v1/ws`,
    adminPassword,
    output: () => out,
    exited,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

// ---- HTTP

export interface HttpResult {
  status: number;
  text: string;
  body: any;
}

/** One HTTP request; `raw` sends the body as given (with `contentType`, default JSON). */
export async function http(
  base: string,
  method: string,
  path: string,
  options: {
    token?: string | undefined;
    json?: unknown;
    raw?: string | Uint8Array;
    contentType?: string | null;
  } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined;
  if (options.json !== undefined) body = JSON.stringify(options.json);
  if (options.raw !== undefined) body = options.raw;
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  if (body !== undefined && contentType !== null) headers['content-type'] = contentType;
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, text, body: parsed };
}

/**
 * Checks the error contract: a 4xx/5xx carries `{ error: { code, message } }` with a code from
 * ErrorCodes whose status is the response status. Returns a problem description or undefined.
 */
export function errorContractProblem(r: HttpResult): string | undefined {
  const error = r.body?.error;
  if (typeof error !== 'object' || error === null) return `no error object in ${r.text.slice(0, 300)}`;
  if (!isErrorCode(error.code)) return `unknown error code ${String(error.code)}`;
  if (httpStatusOf(error.code) !== r.status) return `status ${r.status} but code ${error.code}`;
  if (typeof error.message !== 'string') return 'error.message is not a string';
  return undefined;
}

export async function loginAs(base: string, username: string, password: string): Promise<string> {
  const r = await http(base, 'POST', '/api/v1/login', { json: { username, password } });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
  return r.body.token as string;
}

/** The whole kept history of a room, paging forward with afterSeq. */
export async function fullHistory(base: string, token: string, room: string): Promise<any[]> {
  const all: any[] = [];
  let after = 0;
  for (;;) {
    const r = await http(base, 'GET', `/api/v1/rooms/${room}/messages?afterSeq=${after}&limit=500`, {
      token,
    });
    if (r.status !== 200) throw new Error(`history: ${r.status} ${r.text}`);
    const page = r.body.messages as any[];
    all.push(...page);
    if (page.length < 500) return all;
    after = page[page.length - 1].seq as number;
  }
}

/** Asserts seqs are exactly 1..n in order; returns a problem description or undefined. */
export function seqProblem(messages: readonly { seq: number }[]): string | undefined {
  for (let i = 0; i < messages.length; i++) {
    const seq = messages[i]?.seq;
    if (seq !== i + 1) return `position ${i} holds seq ${String(seq)} (expected ${i + 1})`;
  }
  return undefined;
}

// ---- WebSocket

export type Result =
  | { type: 'result'; id: string | number | null; ok: true; data: any }
  | { type: 'result'; id: string | number | null; ok: false; error: { code: string; message: string } };

/**
 * A lean WebSocket client: matches results to requests by id (string ids it chooses), counts
 * every result, and ignores events unless asked. Unlike the generic test client it does not
 * keep every event, so it stays fast with thousands of messages in flight.
 */
export class LeanWs {
  /** Every result received, in order. */
  readonly results: Result[] = [];
  /** Protocol violations seen from the server (frames that are not JSON arrays). */
  readonly problems: string[] = [];
  closed: { code: number; reason: string } | undefined;
  private readonly pending = new Map<
    string | number,
    { resolve: (r: Result) => void; reject: (e: Error) => void }
  >();
  private readonly resultWaiters: (() => void)[] = [];
  private readonly closeWaiters: (() => void)[] = [];
  private seq = 0;
  onEvent: ((event: any) => void) | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const bytes = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data);
      const text = bytes.toString('utf8');
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch {
        frame = undefined;
      }
      if (!Array.isArray(frame)) {
        this.problems.push(`server frame is not a JSON array: ${text.slice(0, 200)}`);
        return;
      }
      for (const event of frame) {
        if (event?.type === 'result') {
          const result = event as Result;
          this.results.push(result);
          const waiter = result.id === null ? undefined : this.pending.get(result.id);
          if (waiter && result.id !== null) {
            this.pending.delete(result.id);
            waiter.resolve(result);
          }
          for (const w of this.resultWaiters.splice(0)) w();
        } else {
          this.onEvent?.(event);
        }
      }
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      for (const [, w] of this.pending) w.reject(new Error(`connection closed (${code})`));
      this.pending.clear();
      for (const w of this.resultWaiters.splice(0)) w();
      for (const w of this.closeWaiters.splice(0)) w();
    });
    socket.on('error', () => {
      /* the close event follows */
    });
  }

  /** Connects; resolves after the hello (or with `hello: undefined` when refused). */
  static connect(
    wsUrl: string,
    token: string | undefined,
    timeoutMs = 10_000,
  ): Promise<{ client: LeanWs; hello: any }> {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const socket = new WebSocket(wsUrl, { headers, perMessageDeflate: false });
    const client = new LeanWs(socket);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no hello in time')), timeoutMs);
      client.onEvent = (event) => {
        if (event?.type === 'hello') {
          clearTimeout(timer);
          client.onEvent = undefined;
          resolve({ client, hello: event });
        }
      };
      client.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve({ client, hello: undefined });
      });
    });
  }

  /** Sends a request with a fresh id and resolves with its result. */
  request(frame: Record<string, unknown>, timeoutMs = 10_000): Promise<Result> {
    const id = `r${++this.seq}`;
    return this.requestWithId(id, { ...frame, id }, timeoutMs);
  }

  requestWithId(id: string | number, frame: unknown, timeoutMs = 10_000): Promise<Result> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new Error(`connection closed (${this.closed.code})`));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no result for ${String(id)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    });
  }

  /** Resolves when the number of results received reaches `count` (or the socket closed). */
  async waitForResults(count: number, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.results.length < count && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} results, have ${this.results.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.resultWaiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  waitForClose(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connection did not close')), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        if (this.closed) resolve(this.closed);
      });
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const done = this.waitForClose().then(
      () => undefined,
      () => this.socket.terminate(),
    );
    this.socket.close();
    return done;
  }
}
