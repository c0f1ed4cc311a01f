/**
 * The server under test, run in its own process (forked by bench/lib/server.ts, IPC channel).
 * It builds a real Stoa server on the given data folder, provisions bench users, one category and
 * rooms through the real actions, mints one bot token per user, optionally seeds messages straight
 * into the store in large batches, listens on a free loopback port and reports its URL.
 *
 * IPC in:  {cmd:'setup', spec} · {cmd:'cpu'} · {cmd:'prof-start'} · {cmd:'prof-stop', file} · {cmd:'stop'}
 * IPC out: {type:'ready', ...} · {type:'cpu', ...} · {type:'prof'} · {type:'stopped'} · {type:'error', message}
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { doCreateCategory } from '../packages/server/src/actions/categories.ts';
import type { ActionContext } from '../packages/server/src/actions/context.ts';
import { doCreateUser, doSetSetting } from '../packages/server/src/actions/directory.ts';
import { doSaveFilter } from '../packages/server/src/actions/alerts.ts';
import { benchFilters } from './lib/filters.ts';
import { doCreateRoom } from '../packages/server/src/actions/rooms.ts';
import { doCreateToken } from '../packages/server/src/actions/sessions.ts';
import { buildServer, type StoaServer } from '../packages/server/src/compose.ts';
import { DEFAULTS } from '../packages/server/src/config/config.ts';
import type { Actor } from '../packages/server/src/domain/model.ts';
import { applyExperiments, busWithoutAlerts, noSearch } from './experiments.ts';
import { waitForSearchIndex } from './lib/database-copy.ts';

export interface ServerSpec {
  readonly dataDir: string;
  readonly users: number;
  readonly rooms: number;
  readonly synchronous: 'full' | 'normal';
  /** Make sure the bench rooms hold at least this many messages in total (spread evenly). */
  readonly seedMessages?: number;
  /** Mint bot tokens for the users (false for a seeding-only run). */
  readonly tokens: boolean;
  /** Run-time patches measuring proposed fixes (bench/experiments.ts); none by default. */
  readonly experiments?: readonly string[];
  /** Saved keyword filters to provision, spread over the users (bench/lib/filters.ts). */
  readonly filters?: number;
  /** Files allowed in the bench category, with this MaxFileSizeKB. */
  readonly maxFileKb?: number;
}

export interface ReadyInfo {
  readonly url: string;
  readonly wsUrl: string;
  readonly tokens: string[];
  readonly rooms: string[];
  readonly setupMs: number;
  readonly seeded: number;
}

const CLI: Actor = { kind: 'cli', osUser: 'bench' };
const CATEGORY = 'Bench';
export const userName = (i: number) => `bench-u${String(i).padStart(5, '0')}`;
export const roomName = (i: number) => `bench-r${String(i).padStart(4, '0')}`;

function send(message: object): Promise<void> {
  return new Promise((resolve) => {
    if (process.send) process.send(message, undefined, undefined, () => resolve());
    else resolve();
  });
}

async function inChunks<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

async function provision(ctx: ActionContext, spec: ServerSpec) {
  const existingUsers = new Map((await ctx.store.read.listUsers()).map((u) => [u.username, u]));
  const names = Array.from({ length: spec.users }, (_, i) => userName(i));
  const users = await inChunks(names, 100, async (username) => {
    const found = existingUsers.get(username);
    return found ?? doCreateUser(ctx, CLI, { username });
  });
  if (!(await ctx.store.read.findCategory(CATEGORY))) {
    await doCreateCategory(ctx, CLI, {
      name: CATEGORY,
      allowed: ['domain:stoa.local'],
      fileUpload: spec.maxFileKb !== undefined,
    });
  }
  if (spec.maxFileKb !== undefined) await doSetSetting(ctx, CLI, 'MaxFileSizeKB', String(spec.maxFileKb));
  const existingRooms = new Map((await ctx.store.read.listRooms()).map((r) => [r.name, r]));
  const rooms = await inChunks(
    Array.from({ length: spec.rooms }, (_, i) => roomName(i)),
    100,
    async (name) =>
      existingRooms.get(name) ?? doCreateRoom(ctx, CLI, { name, category: CATEGORY, privacy: 'open' }),
  );
  return { users, rooms };
}

const WORDS =
  'the a quick brown fox jumps over lazy dog chat room message server bench stoa hello world'.split(' ');

/** Writes messages (with their CHAT compliance records) straight through the store, in big batches. */
async function seed(
  ctx: ActionContext,
  rooms: readonly { id: string; lastSeq: number }[],
  authors: readonly string[],
  target: number,
): Promise<number> {
  const have = rooms.reduce((n, r) => n + r.lastSeq, 0);
  let remaining = target - have;
  if (remaining <= 0 || rooms.length === 0) return 0;
  const total = remaining;
  const started = performance.now();
  const batch = 25_000;
  let k = have;
  const at0 = ctx.clock() - total;
  while (remaining > 0) {
    const n = Math.min(batch, remaining);
    await ctx.store.write(async (tx) => {
      for (let i = 0; i < n; i++, k++) {
        const room = rooms[k % rooms.length];
        const author = authors[k % authors.length];
        if (room === undefined || author === undefined) throw new Error('no rooms or authors');
        const seq = await tx.nextSeq(room.id);
        const text = `seeded ${k} ${WORDS.map((_, j) => WORDS[(k * 7 + j * 3) % WORDS.length]).join(' ')}`;
        const at = at0 + (total - remaining) + i;
        await tx.insertMessage({
          roomId: room.id,
          seq,
          authorId: author,
          at,
          clientMsgId: null,
          kept: true,
          text,
          alert: false,
          storyTitle: null,
          rtf: null,
        });
        await tx.recordCompliance({
          kind: 'CHAT',
          at,
          roomId: room.id,
          userId: author,
          messageSeq: seq,
          content: text,
        });
      }
    });
    remaining -= n;
    const done = total - remaining;
    const secs = (performance.now() - started) / 1000;
    process.stderr.write(`\r  seeding: ${done}/${total} messages, ${Math.round(done / secs)}/s   `);
  }
  process.stderr.write('\n');
  return total;
}

let server: StoaServer | undefined;

async function setup(spec: ServerSpec): Promise<void> {
  const started = performance.now();
  const experiments = spec.experiments ?? [];
  applyExperiments(experiments);
  const search = experiments.includes('no-search') ? noSearch : undefined;
  server = await buildServer(
    {
      ...DEFAULTS,
      logLevel: 'silent',
      dataDir: spec.dataDir,
      host: '127.0.0.1',
      port: 0,
      sqliteSynchronous: spec.synchronous,
    },
    {
      ...(search ? { search } : {}),
      ...(experiments.includes('alerts-no-push') ? { bus: busWithoutAlerts() } : {}),
    },
  );
  const ctx = server.ctx;
  const { users, rooms } = await provision(ctx, spec);
  const seeded =
    spec.seedMessages === undefined
      ? 0
      : await seed(
          ctx,
          rooms,
          users.map((u) => u.id),
          spec.seedMessages,
        );
  if (seeded > 0) await waitForSearchIndex(join(spec.dataDir, 'stoa.db'));
  if ((spec.filters ?? 0) > 0) {
    const t = performance.now();
    const planned = benchFilters(
      spec.filters ?? 0,
      users.map((u) => u.username),
    );
    await inChunks(planned, 200, (f) =>
      doSaveFilter(ctx, { kind: 'user', userId: users[f.owner]?.id ?? '' }, f.input),
    );
    console.log(`provisioned ${planned.length} filters in ${Math.round(performance.now() - t)} ms`);
  }
  const tokens = spec.tokens
    ? await inChunks(
        users,
        100,
        async (u) => (await doCreateToken(ctx, CLI, { userId: u.id, name: 'bench' })).token,
      )
    : [];
  const url = await server.listen();
  const info: ReadyInfo = {
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/api/v1/ws`,
    tokens,
    rooms: rooms.map((r) => r.id),
    setupMs: Math.round(performance.now() - started),
    seeded,
  };
  await send({ type: 'ready', ...info });
}

let elu = performance.eventLoopUtilization();
// Event-loop delay (how long a ready callback waited), reset at every `cpu` sample.
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
let profiler: Session | undefined;

process.on('message', (m: { cmd: string; spec?: ServerSpec; file?: string }) => {
  const run = async () => {
    switch (m.cmd) {
      case 'setup':
        if (!m.spec) throw new Error('setup without spec');
        await setup(m.spec);
        return;
      case 'cpu': {
        const now = performance.eventLoopUtilization();
        const delta = performance.eventLoopUtilization(now, elu);
        elu = now;
        const delay = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
        loopDelay.reset();
        await send({
          type: 'cpu',
          usage: process.cpuUsage(),
          elu: delta.utilization,
          memory: process.memoryUsage().rss,
          delay,
          alerts: server?.alerts.stats,
        });
        return;
      }
      case 'prof-start':
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
        await profiler.post('Profiler.start');
        await send({ type: 'prof' });
        return;
      case 'prof-stop': {
        const result = await profiler?.post('Profiler.stop');
        if (result && m.file !== undefined) writeFileSync(m.file, JSON.stringify(result.profile));
        profiler?.disconnect();
        profiler = undefined;
        await send({ type: 'prof' });
        return;
      }
      case 'stop':
        await server?.close();
        await send({ type: 'stopped' });
        process.exit(0);
    }
  };
  run().catch(async (error: unknown) => {
    await send({
      type: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
