/**
 * `join`: join latency on a store holding 1,000,000 messages. Each measured join is a WebSocket
 * join request answered with the room and its last 30 messages, followed by a leave. The seeded
 * database can be cached between runs (--cache); each run works on a fresh copy of it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { copyDatabase } from '../lib/database-copy.ts';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import type { JoinerTask } from '../roles/joiner.ts';
import { mergeSorted } from '../lib/samples.ts';
import { latencyMs } from '../lib/stats.ts';
import { split } from '../lib/workers.ts';
import {
  clientLib,
  COMMON,
  cpuOf,
  firstOf,
  measure,
  num,
  otherCpu,
  removeDir,
  serverSpec,
  startServer,
  startWorkers,
  sum,
  tempDataDir,
  type Scenario,
  type Values,
} from '../lib/scenario.ts';

const P99_MS = 5;

/** Changes whenever the schema does: a cached database is only reused with the same migrations. */
function schemaFingerprint(): string {
  const dir = joinPath(import.meta.dirname, '..', '..', 'packages', 'server', 'src', 'storage', 'migrations');
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(joinPath(dir, name)));
  return hash.digest('hex').slice(0, 10);
}

/** Seeds (or copies from the cache) a database with `messages` messages spread over `rooms` rooms. */
async function prepareDatabase(
  values: Values,
  dataDir: string,
  messages: number,
  rooms: number,
  users: number,
) {
  const dbFile = joinPath(dataDir, 'stoa.db');
  const cacheDir =
    typeof values['cache-dir'] === 'string' ? values['cache-dir'] : joinPath(tmpdir(), 'stoa-bench-cache');
  const cached = joinPath(cacheDir, `join-${messages}m-${rooms}r-${users}u-${schemaFingerprint()}.db`);
  if (values.cache === true && existsSync(cached)) {
    copyDatabase(cached, dbFile);
    console.log(`database copied from cache ${cached}`);
    return { seedMs: 0, fromCache: true };
  }
  const t = performance.now();
  const seeder = await startServer(
    values,
    serverSpec(values, { dataDir, users, rooms, seedMessages: messages, tokens: false }),
  );
  await seeder.stop();
  const seedMs = Math.round(performance.now() - t);
  console.log(`seeded ${seeder.info.seeded} messages in ${seedMs} ms`);
  if (values.cache === true) {
    if (existsSync(`${dbFile}-wal`) && statSync(`${dbFile}-wal`).size > 0)
      throw new Error('WAL left after close');
    mkdirSync(cacheDir, { recursive: true });
    copyDatabase(dbFile, cached);
    console.log(`database cached in ${cached}`);
  }
  return { seedMs, fromCache: false };
}

export const join: Scenario = {
  name: 'join',
  summary: `join latency with 30 messages of history on a 1,000,000-message store (target p99 < ${P99_MS} ms)`,
  keys: [
    'joinLatencyMs.p50',
    'joinLatencyMs.p99',
    'joinLatencyMs.max',
    'leaveLatencyMs.p99',
    'joinsPerSec',
    'serverUsPerJoinLeave',
    'otherCpu',
  ],
  options: {
    ...COMMON,
    messages: { type: 'string', default: '1000000', help: 'messages in the store' },
    rooms: { type: 'string', default: '100', help: 'rooms the messages are spread over' },
    joins: { type: 'string', default: '2000', help: 'measured joins (each followed by a leave)' },
    concurrency: { type: 'string', default: '1', help: 'connections joining at the same time' },
    warmup: { type: 'string', help: 'unmeasured joins first (default: one per room)' },
    cache: { type: 'boolean', help: 'reuse a seeded database from the cache folder (and fill it)' },
    'cache-dir': { type: 'string', help: 'cache folder (default <tmp>/stoa-bench-cache)' },
  },
  async run(values) {
    const messages = num(values, 'messages');
    const roomCount = num(values, 'rooms');
    const concurrency = num(values, 'concurrency');
    const procs = num(values, 'procs', 1);
    const dataDir = tempDataDir();
    try {
      const prepared = await prepareDatabase(values, dataDir, messages, roomCount, concurrency);
      const dbMb = Math.round(statSync(joinPath(dataDir, 'stoa.db')).size / 1048576);
      const server = await startServer(
        values,
        serverSpec(values, {
          dataDir,
          users: concurrency,
          rooms: roomCount,
          seedMessages: messages,
          tokens: true,
        }),
      );
      const { tokens, rooms, wsUrl } = server.info;
      const joins = num(values, 'joins');
      const warmup = num(values, 'warmup', roomCount);
      const tasks: JoinerTask[] = split(
        tokens.map((token) => ({ token })),
        procs,
      ).map((slice) => ({
        kind: 'joiner',
        wsUrl,
        clientLib: clientLib(values),
        conns: slice,
        rooms,
        joins: Math.round(joins / procs),
        warmup: Math.round(warmup / procs),
        expectHistory: 30,
      }));
      const workers = await startWorkers(values, tasks);
      const m = await measure(values, server, workers, 0);
      workers.exit();
      await server.stop();

      const r = m.results;
      const joinLat = latencyMs(mergeSorted(r.map((x) => x.joinLatencyUs as Float64Array)));
      const leaveLat = latencyMs(mergeSorted(r.map((x) => x.leaveLatencyUs as Float64Array)));
      const measured = sum(r, 'joins');
      const seconds = Math.max(...r.map((x) => x.seconds as number));
      const errors = sum(r, 'errors');
      const badHistory = sum(r, 'badHistory');
      const met = joinLat.p99 < P99_MS && errors === 0 && badHistory === 0;
      const json = {
        scenario: 'join',
        params: {
          messages,
          rooms: roomCount,
          joins: measured,
          concurrency,
          warmup,
          procs,
          sync: values.sync,
        },
        dbMb,
        seedMs: prepared.seedMs,
        fromCache: prepared.fromCache,
        joinLatencyMs: joinLat,
        leaveLatencyMs: leaveLat,
        joinsPerSec: Math.round(measured / seconds),
        errors,
        badHistory,
        serverCpu: m.serverCpu,
        serverUsPerJoinLeave: Math.round((m.serverCpu * 1e4) / Math.max(1, measured / seconds)),
        serverCpuSys: m.serverCpuSys,
        serverElu: m.serverElu,
        serverRssMb: m.serverRssMb,
        serverLoopDelayMs: m.serverLoopDelayMs,
        loadCpu: cpuOf(r),
        otherCpu: otherCpu(m, cpuOf(r)),
        target: { p99Ms: P99_MS },
        met,
      };
      const firstError = firstOf(r, 'firstError');
      return {
        title: `join: ${measured} joins (+ leaves), ${concurrency} at a time, ${messages.toLocaleString('en-US')} messages in ${roomCount} rooms (${dbMb} MB)`,
        rows: [
          ['join latency p50 / p90 / p99 ms', `${joinLat.p50} / ${joinLat.p90} / ${joinLat.p99}`],
          ['join latency p99.9 / max ms', `${joinLat.p999} / ${joinLat.max}`],
          [`target p99 < ${P99_MS} ms`, met ? 'MET' : 'NOT MET'],
          ['leave latency p50 / p99 ms', `${leaveLat.p50} / ${leaveLat.p99}`],
          ['join+leave cycles/s', json.joinsPerSec],
          ['server CPU per join+leave, µs', json.serverUsPerJoinLeave],
          ['errors', errors],
          ...(firstError === undefined ? [] : ([['first error', firstError]] as const)),
          ['joins without 30 messages ending at lastSeq', badHistory],
          ['server CPU % of a core (kernel) / ELU', `${m.serverCpu} (${m.serverCpuSys}) / ${m.serverElu}`],
          ['server event-loop delay p99 / max ms', `${m.serverLoopDelayMs.p99} / ${m.serverLoopDelayMs.max}`],
          ['load-generator CPU %', json.loadCpu],
          ['other CPU use on the machine %', json.otherCpu],
        ],
        json,
      };
    } finally {
      removeDir(dataDir, values);
    }
  },
};
