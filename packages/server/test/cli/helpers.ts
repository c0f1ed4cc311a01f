/**
 * Helpers for the `stoa` command-line tests: run the real binary (`node packages/server/bin/stoa.js`)
 * as a child process and check its exit status, stdout and stderr. Each run loads the whole
 * server code through tsx (several seconds of CPU), so runs are few, batched, and limited to a
 * few at a time.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { availableParallelism, userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/stoa.js', import.meta.url));

/** The actor label of local commands: `cli:<os user>`. */
export const CLI_ACTOR = `cli:${userInfo().username}`;

export interface Run {
  readonly args: readonly string[];
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const MAX_PARALLEL = Math.max(2, Math.min(4, availableParallelism()));
let running = 0;
const waiting: (() => void)[] = [];

async function slot(): Promise<() => void> {
  if (running >= MAX_PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/** The environment of a run: no STOA_URL/STOA_TOKEN/STOA_DATA_DIR leaking in from the caller. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const dropped = new Set(['STOA_URL', 'STOA_TOKEN', 'STOA_DATA_DIR', 'NODE_TEST_CONTEXT']);
  const inherited = Object.entries(process.env).filter(([key]) => !dropped.has(key));
  return { ...Object.fromEntries(inherited), STOA_LOG_LEVEL: 'silent', ...extra };
}

/** Runs `stoa <args>` to completion (at most MAX_PARALLEL at once). */
export async function stoa(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const release = await slot();
  try {
    return await new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: REPO_ROOT,
        env: childEnv(env),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ args, code, stdout, stderr });
      });
    });
  } finally {
    release();
  }
}

/**
 * A runner bound to leading global options (`--data-dir D` or `--url U --token T`); the command
 * words come first in `args`, and each run is recorded in `coverage`.
 */
export function bound(coverage: Coverage, ...globals: string[]): (...args: string[]) => Promise<Run> {
  return (...args) => {
    coverage.record(args);
    return stoa([...globals, ...args]);
  };
}

function describe(r: Run): string {
  return `stoa ${r.args.join(' ')}\n  exit ${String(r.code)}\n  stdout: ${r.stdout.trim()}\n  stderr: ${r.stderr.trim()}`;
}

/** Asserts exit 0 and an empty stderr; returns stdout. */
export function ok(r: Run): string {
  assert.equal(r.code, 0, describe(r));
  assert.equal(r.stderr, '', describe(r));
  return r.stdout;
}

/** Asserts exit 0 and parses stdout as JSON. */
export function json(r: Run): any {
  const out = ok(r);
  try {
    return JSON.parse(out);
  } catch (error) {
    assert.fail(`not JSON (${(error as Error).message}): ${describe(r)}`);
  }
}

/** Asserts a refusal: exit 1, `error: <code>: <message>` on stderr, nothing on stdout. */
export function refused(r: Run, code: string, message?: RegExp): void {
  assert.equal(r.code, 1, describe(r));
  assert.match(r.stderr, new RegExp(`^error: ${code}: \\S`), describe(r));
  if (message) assert.match(r.stderr, message, describe(r));
  assert.equal(r.stdout, '', describe(r));
}

/** Asserts a usage error: exit 2, `usage error: …` on stderr. */
export function usage(r: Run, message?: RegExp): void {
  assert.equal(r.code, 2, describe(r));
  assert.match(r.stderr, /^usage error: \S/, describe(r));
  if (message) assert.match(r.stderr, message, describe(r));
}

/** The header row of a table (column names, upper case) and its data rows split into cells. */
export function table(r: Run): { header: string[]; rows: string[][] } {
  const lines = ok(r).trimEnd().split('\n');
  const split = (line: string) => line.trim().split(/\s{2,}/);
  return { header: split(lines[0] ?? ''), rows: lines.slice(1).map(split) };
}

/** Asserts table output with exactly these column headers and returns the rows. */
export function tableWith(r: Run, header: readonly string[]): string[][] {
  const t = table(r);
  assert.deepEqual(t.header, header, describe(r));
  return t.rows;
}

/** Key/value output (`key  value` lines) of a single object, as a map. */
export function keyValues(r: Run): Map<string, string> {
  const out = ok(r);
  return new Map(
    out
      .trimEnd()
      .split('\n')
      .map((line) => {
        const m = /^(\S+)\s*(.*)$/.exec(line);
        return [m?.[1] ?? '', (m?.[2] ?? '').trim()] as const;
      }),
  );
}

/** Asserts a human-readable dry run: the banner, then one line per planned action. */
export function dryRunText(r: Run, ...actions: string[]): string {
  const out = ok(r);
  assert.match(out, /^Dry run: nothing was changed\. It would:\n/, describe(r));
  for (const action of actions) assert.match(out, new RegExp(`^  ${action.replace('.', '\\.')} `, 'm'));
  return out;
}

/** Asserts a JSON dry run `{ result, planned }` and returns it. */
export function dryRunJson(
  r: Run,
  ...actions: string[]
): { result: any; planned: { action: string; target: string; actor: string; details?: any }[] } {
  const body = json(r);
  assert.ok(Array.isArray(body.planned), `no planned changes: ${describe(r)}`);
  assert.deepEqual(
    body.planned.map((p: { action: string }) => p.action),
    actions,
    describe(r),
  );
  return body;
}

// ---- the real server (`bin/stoa-server.js`) as a child process, and HTTP

const SERVER_BIN = fileURLToPath(new URL('../../bin/stoa-server.js', import.meta.url));

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** The first administrator's password, printed only when the data folder had no users. */
  readonly adminPassword: string | undefined;
  /** SIGTERM, then waits for the exit (the server removes its stoa.pid mark). */
  stop(): Promise<number | null>;
}

const started = new Set<ServerProcess>();

/** Stops every server started by this test file (for `after`: a failed test must not leave one). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...started].map((s) => s.stop()));
}

export async function startServer(dataDir: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER_BIN, '--data-dir', dataDir, '--port', '0'], {
    cwd: REPO_ROOT,
    env: childEnv({}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 60 s:\n${out}`));
    }, 60_000);
    const onData = (chunk: string) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${String(code)}):\n${out}`));
    });
  });
  const server: ServerProcess = {
    url,
    pid: child.pid ?? -1,
    adminPassword: /with password (\S+)/.exec(out)?.[1],
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      started.delete(server);
      return code;
    },
  };
  started.add(server);
  return server;
}

export interface Reply {
  readonly status: number;
  readonly body: any;
}

export async function http(
  base: string,
  method: string,
  path: string,
  options: { token?: string; json?: unknown } = {},
): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** A 200 reply's body, or a failure showing the reply. */
export async function ok200(reply: Promise<Reply>): Promise<any> {
  const r = await reply;
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

export async function login(base: string, username: string, password: string): Promise<string> {
  return (await ok200(http(base, 'POST', '/api/v1/login', { json: { username, password } }))).token;
}

/** Runs an administrative command over HTTP (what `stoa --url` does), for set-up and read-back. */
export async function command(
  base: string,
  token: string,
  name: string,
  input: Record<string, unknown>,
): Promise<any> {
  return (
    await ok200(
      http(base, 'POST', `/api/v1/admin/commands/${name.replace(/ /g, '.')}`, { token, json: { input } }),
    )
  ).result;
}

/** The command names listed by `stoa --help` (or by `stoa` without arguments). */
export function helpCommands(helpText: string): string[] {
  const section = helpText.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  return section
    .split('\n')
    .map((line) => /^ {2}(\S+(?: \S+)?)\s{2,}/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** Tracks which commands a test file ran, to prove every listed command was exercised. */
export class Coverage {
  private readonly runs: string[][] = [];
  record(args: readonly string[]): void {
    this.runs.push([...args]);
  }
  missing(names: readonly string[]): string[] {
    return names.filter((name) => {
      const words = name.split(' ');
      return !this.runs.some((args) => words.every((w, i) => args[i] === w));
    });
  }
}
