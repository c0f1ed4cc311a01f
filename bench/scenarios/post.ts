/**
 * `post`: durable posting throughput. Many connections, spread over rooms, each keep a window of
 * un-acknowledged posts in flight for a fixed time, measured after a warm-up (`--warmup`, 2 s by
 * default: the code is optimised as it runs); the figure is acknowledged messages per second over the window (an ack is sent only
 * after the COMMIT, synchronous=FULL by default). Afterwards the database is
 * opened read-only to check that exactly the acknowledged messages were stored.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import type { PosterTask } from '../roles/poster.ts';
import { mergeSorted } from '../lib/samples.ts';
import { latencyMs } from '../lib/stats.ts';
import { split } from '../lib/workers.ts';
import { describeThreads } from '../lib/threads.ts';
import { searchBacklog } from '../../packages/server/src/search/sqlite/search-file.ts';
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
} from '../lib/scenario.ts';

const TARGET = 20_000;

/** The alert engine's evaluation time per evaluated message, µs (0 when it evaluated nothing). */
function evaluateUs(stats: Record<string, number> | undefined): number {
  const messages = stats?.messages ?? 0;
  return messages > 0 ? Math.round((1000 * (stats?.evaluateMs ?? 0)) / messages) : 0;
}

export const post: Scenario = {
  name: 'post',
  summary: `durable posting throughput, acked msg/s (target >= ${TARGET})`,
  keys: [
    'ackedPerSec',
    'serverUsPerAck',
    'ackLatencyMs.p50',
    'ackLatencyMs.p99',
    'serverCpu',
    'loadCpu',
    'otherCpu',
  ],
  options: {
    ...COMMON,
    duration: { type: 'string', default: '20', help: 'seconds of posting measured' },
    warmup: {
      type: 'string',
      default: '2',
      help: 'seconds of posting before the measured window (while the code is optimised)',
    },
    conns: { type: 'string', default: '200', help: 'WebSocket connections (one user each)' },
    rooms: { type: 'string', default: '20', help: 'rooms (connections spread round-robin)' },
    window: { type: 'string', default: '10', help: 'un-acknowledged posts in flight per connection' },
    'text-bytes': { type: 'string', default: '100', help: 'message text size' },
    'client-msg-id': { type: 'boolean', help: 'send a clientMsgId with every post (idempotency lookup)' },
    filters: {
      type: 'string',
      default: '0',
      help: 'saved keyword filters to provision over the users (alerts; bench/lib/filters.ts)',
    },
  },
  async run(values) {
    const durationMs = num(values, 'duration') * 1000;
    const warmupMs = num(values, 'warmup') * 1000;
    const connCount = num(values, 'conns');
    const roomCount = num(values, 'rooms');
    const procs = num(values, 'procs', 1);
    const dataDir = tempDataDir();
    try {
      const server = await startServer(
        values,
        serverSpec(values, {
          dataDir,
          users: connCount,
          rooms: roomCount,
          tokens: true,
          filters: num(values, 'filters', 0),
        }),
      );
      const { tokens, rooms } = server.info;
      const conns = tokens.map((token, i) => ({ token, room: rooms[i % rooms.length] ?? '' }));
      const tasks: PosterTask[] = split(conns, procs).map((slice) => ({
        kind: 'poster',
        wsUrl: server.info.wsUrl,
        clientLib: clientLib(values),
        conns: slice,
        window: num(values, 'window'),
        durationMs,
        warmupMs,
        textBytes: num(values, 'text-bytes'),
        clientMsgId: values['client-msg-id'] === true,
        drainMs: 30_000,
      }));
      const workers = await startWorkers(values, tasks);
      const m = await measure(values, server, workers, durationMs, warmupMs);
      workers.exit();
      await server.stop();

      const db = new BetterSqlite3(join(dataDir, 'stoa.db'), { readonly: true });
      const stored = (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
      const chat = (
        db.prepare("SELECT count(*) AS n FROM compliance_events WHERE kind = 'CHAT'").get() as { n: number }
      ).n;
      // Messages not yet indexed for search when the server stopped (indexing runs in a worker
      // thread, at a lower priority, and lags at saturation; the next start goes on).
      const searchBacklogAtStop = searchBacklog(join(dataDir, 'stoa.db'));
      const hasAlerts = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'alert_matches'").get();
      const alertRows = hasAlerts
        ? (db.prepare('SELECT count(*) AS n FROM alert_matches').get() as { n: number }).n
        : 0;
      db.close();

      const r = m.results;
      const acks = sum(r, 'acks');
      const ackedPerSec = Math.round(sum(r, 'acksInWindow') / (durationMs / 1000));
      const lat = latencyMs(mergeSorted(r.map((x) => x.ackLatencyUs as Float64Array)));
      const nothingLost = stored === acks && chat === acks && sum(r, 'outstanding') === 0;
      const json = {
        scenario: 'post',
        params: {
          durationS: durationMs / 1000,
          warmupS: warmupMs / 1000,
          conns: connCount,
          rooms: roomCount,
          window: tasks[0]?.window,
          procs,
          textBytes: tasks[0]?.textBytes,
          clientMsgId: tasks[0]?.clientMsgId,
          sync: values.sync,
          filters: num(values, 'filters', 0),
        },
        ackedPerSec,
        acks,
        sent: sum(r, 'sent'),
        errors: sum(r, 'errors'),
        outstanding: sum(r, 'outstanding'),
        stored,
        complianceChat: chat,
        nothingLost,
        searchBacklog: searchBacklogAtStop,
        deliveriesPerSec: Math.round(sum(r, 'deliveriesInWindow') / (durationMs / 1000)),
        ackLatencyMs: lat,
        serverCpu: m.serverCpu,
        /** Server CPU time per acknowledged post, µs: robust against other load on the machine. */
        serverUsPerAck: Math.round((m.serverCpu * 1e4) / Math.max(1, ackedPerSec)),
        serverCpuSys: m.serverCpuSys,
        serverElu: m.serverElu,
        serverRssMb: m.serverRssMb,
        serverLoopDelayMs: m.serverLoopDelayMs,
        serverThreads: m.serverThreads,
        alerts: {
          stored: alertRows,
          perPost: Math.round((1000 * alertRows) / Math.max(1, stored)) / 1000,
          /** Evaluation time (words, candidates, checks, access) per message, µs, whole run. */
          evaluateUsPerPost: evaluateUs(m.serverAlerts),
        },
        loadCpu: cpuOf(r),
        otherCpu: otherCpu(m, cpuOf(r)),
        target: { ackedPerSec: TARGET },
        met: ackedPerSec >= TARGET && nothingLost,
      };
      const firstError = firstOf(r, 'firstError');
      return {
        title: `post: ${connCount} connections in ${roomCount} rooms, window ${json.params.window}, ${durationMs / 1000} s after ${warmupMs / 1000} s of warm-up, synchronous=${String(values.sync).toUpperCase()}`,
        rows: [
          ['acked messages/s', ackedPerSec],
          [`target >= ${TARGET}`, ackedPerSec >= TARGET ? 'MET' : 'NOT MET'],
          ['acks total (incl. drain)', acks],
          ['errors', json.errors],
          ...(firstError === undefined ? [] : ([['first error', firstError]] as const)),
          ['stored messages (DB)', stored],
          ['CHAT compliance rows (DB)', chat],
          ['nothing lost (stored = acks)', nothingLost ? 'yes' : 'NO'],
          ['not yet indexed for search at stop', searchBacklogAtStop],
          ['ack latency p50 / p99 / max ms', `${lat.p50} / ${lat.p99} / ${lat.max}`],
          ['live deliveries/s (fan-out)', json.deliveriesPerSec],
          ['server CPU per acked post, µs', json.serverUsPerAck],
          ['server CPU % of a core (kernel) / ELU', `${m.serverCpu} (${m.serverCpuSys}) / ${m.serverElu}`],
          ['server event-loop delay p99 / max ms', `${m.serverLoopDelayMs.p99} / ${m.serverLoopDelayMs.max}`],
          ['server threads, busiest first', describeThreads(m.serverThreads)],
          [
            'filters / alerts stored / per post / eval µs per post',
            `${json.params.filters} / ${alertRows} / ${json.alerts.perPost} / ${json.alerts.evaluateUsPerPost}`,
          ],
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
