/**
 * The shared body of `deliver` and `room`: `rooms` rooms of `perRoom` connected members each, an
 * aggregate open-loop rate of posts (senders rotate over the members), every delivery at every
 * receiver timed, and every receiver checked to have got each acknowledged message of its room
 * exactly once.
 */
import { steadyWarmupMs, type FanoutConn, type FanoutTask, type ReceiverCheck } from '../roles/fanout.ts';
import { mergeSorted } from '../lib/samples.ts';
import { latencyMs, type Latency } from '../lib/stats.ts';
import { describeThreads, type ThreadUse } from '../lib/threads.ts';
import { split } from '../lib/workers.ts';
import {
  clientLib,
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
  type Outcome,
  type Values,
} from '../lib/scenario.ts';

export interface FanoutParams {
  readonly name: string;
  readonly rooms: number;
  readonly perRoom: number;
  readonly rate: number;
  readonly durationMs: number;
}

export interface FanoutFigures {
  readonly params: FanoutParams & { procs: number; textBytes: number };
  readonly posted: number;
  readonly acked: number;
  readonly errors: number;
  readonly firstError: unknown;
  readonly expectedDeliveries: number;
  readonly deliveries: number;
  readonly deliveriesPerSec: number;
  readonly drainMs: number;
  readonly latencyMs: Latency;
  readonly ackLatencyMs: Latency;
  readonly lost: number;
  readonly duplicates: number;
  readonly unexpected: number;
  readonly receiversIncomplete: number;
  readonly exactlyOnce: boolean;
  readonly serverCpu: number;
  readonly serverCpuSys: number;
  /** Server CPU time per delivery, µs (including the posts' own cost). */
  readonly serverUsPerDelivery: number;
  readonly serverElu: number;
  readonly serverRssMb: number;
  readonly serverLoopDelayMs: { p99: number; max: number };
  readonly serverThreads: readonly ThreadUse[];
  readonly loadCpu: number;
  readonly otherCpu: number;
}

/** Checks each receiver against the acknowledged sequence numbers of its room. */
function verify(rooms: number, ackedPairs: readonly Int32Array[], checks: readonly ReceiverCheck[]) {
  const ackedSeqs: number[][] = Array.from({ length: rooms }, () => []);
  for (const pairs of ackedPairs)
    for (let i = 0; i + 1 < pairs.length; i += 2) ackedSeqs[pairs[i] ?? 0]?.push(pairs[i + 1] ?? 0);
  // Acknowledged seqs of a fresh room must be exactly 1..n.
  let badAcks = 0;
  const ackedCount = ackedSeqs.map((seqs) => {
    seqs.sort((a, b) => a - b);
    seqs.forEach((s, i) => {
      if (s !== i + 1) badAcks++;
    });
    return seqs.length;
  });
  let lost = 0;
  let duplicates = 0;
  let unexpected = badAcks;
  let incomplete = 0;
  for (const c of checks) {
    const n = ackedCount[c.roomIdx] ?? 0;
    const extra = c.outOfRange + Math.max(0, c.maxSeq - n);
    lost += Math.max(0, n - c.distinct);
    duplicates += c.duplicates;
    unexpected += extra;
    if (c.distinct !== n || c.duplicates > 0 || extra > 0) incomplete++;
  }
  return { lost, duplicates, unexpected, incomplete, ackedTotal: ackedCount.reduce((a, b) => a + b, 0) };
}

export async function runFanout(values: Values, p: FanoutParams): Promise<FanoutFigures> {
  const procs = num(values, 'procs', 1);
  const textBytes = num(values, 'text-bytes', 100);
  const users = p.rooms * p.perRoom;
  const dataDir = tempDataDir();
  try {
    const server = await startServer(
      values,
      serverSpec(values, { dataDir, users, rooms: p.rooms, tokens: true }),
    );
    const { tokens, rooms, wsUrl } = server.info;
    const conns: FanoutConn[] = tokens.map((token, i) => {
      const roomIdx = Math.floor(i / p.perRoom);
      return { token, room: rooms[roomIdx] ?? '', roomIdx, member: i % p.perRoom };
    });
    const tasks: FanoutTask[] = split(conns, procs).map((slice) => ({
      kind: 'fanout',
      wsUrl,
      clientLib: clientLib(values),
      rooms,
      perRoom: p.perRoom,
      conns: slice,
      rate: p.rate,
      durationMs: p.durationMs,
      textBytes,
      drainMs: 30_000,
    }));
    const workers = await startWorkers(values, tasks);
    const m = await measure(values, server, workers, p.durationMs);
    workers.exit();
    await server.stop();

    const r = m.results;
    const v = verify(
      p.rooms,
      r.map((x) => x.acked as Int32Array),
      r.flatMap((x) => x.checks as ReceiverCheck[]),
    );
    const total = (r[0]?.total as number | undefined) ?? 0;
    const lastUs = Math.max(...r.map((x) => x.lastUs as number));
    return {
      params: { ...p, procs, textBytes },
      posted: total,
      acked: v.ackedTotal,
      errors: sum(r, 'errors'),
      firstError: firstOf(r, 'firstError'),
      expectedDeliveries: v.ackedTotal * p.perRoom,
      deliveries: sum(r, 'received'),
      deliveriesPerSec: Math.round(sum(r, 'steady') / ((p.durationMs - steadyWarmupMs(p.durationMs)) / 1000)),
      drainMs: Math.max(0, Math.round((lastUs - (m.startUs + p.durationMs * 1000)) / 1000)),
      latencyMs: latencyMs(mergeSorted(r.map((x) => x.latencyUs as Float64Array))),
      ackLatencyMs: latencyMs(mergeSorted(r.map((x) => x.ackLatencyUs as Float64Array))),
      lost: v.lost,
      duplicates: v.duplicates,
      unexpected: v.unexpected,
      receiversIncomplete: v.incomplete,
      exactlyOnce: v.lost === 0 && v.duplicates === 0 && v.unexpected === 0 && v.ackedTotal === total,
      serverCpu: m.serverCpu,
      serverCpuSys: m.serverCpuSys,
      serverUsPerDelivery:
        Math.round(
          (100 * m.serverCpu * 1e4) /
            Math.max(1, sum(r, 'steady') / ((p.durationMs - steadyWarmupMs(p.durationMs)) / 1000)),
        ) / 100,
      serverElu: m.serverElu,
      serverRssMb: m.serverRssMb,
      serverLoopDelayMs: m.serverLoopDelayMs,
      serverThreads: m.serverThreads,
      loadCpu: cpuOf(r),
      otherCpu: otherCpu(m, cpuOf(r)),
    };
  } finally {
    removeDir(dataDir, values);
  }
}

export function fanoutRows(f: FanoutFigures): [string, unknown][] {
  const l = f.latencyMs;
  return [
    ['messages posted / acked', `${f.posted} / ${f.acked}`],
    ['errors', f.errors],
    ...(f.firstError === undefined ? [] : ([['first error', f.firstError]] as [string, unknown][])),
    ['deliveries expected / received', `${f.expectedDeliveries} / ${f.deliveries}`],
    ['deliveries/s (steady, after the first second)', f.deliveriesPerSec],
    ['drain after the run, ms', f.drainMs],
    ['latency p50 / p90 / p99 ms', `${l.p50} / ${l.p90} / ${l.p99}`],
    ['latency p99.9 / max ms', `${l.p999} / ${l.max}`],
    ['post ack latency p50 / p99 ms', `${f.ackLatencyMs.p50} / ${f.ackLatencyMs.p99}`],
    [
      'exactly once at every receiver',
      f.exactlyOnce
        ? 'yes'
        : `NO (lost ${f.lost}, duplicates ${f.duplicates}, unexpected ${f.unexpected}, receivers incomplete ${f.receiversIncomplete})`,
    ],
    ['server CPU % of a core (kernel) / ELU', `${f.serverCpu} (${f.serverCpuSys}) / ${f.serverElu}`],
    ['server CPU per delivery, µs', f.serverUsPerDelivery],
    ['server event-loop delay p99 / max ms', `${f.serverLoopDelayMs.p99} / ${f.serverLoopDelayMs.max}`],
    ['server threads, busiest first', describeThreads(f.serverThreads)],
    ['load-generator CPU %', f.loadCpu],
    ['other CPU use on the machine %', f.otherCpu],
  ];
}

export function fanoutOutcome(
  title: string,
  f: FanoutFigures,
  target: Record<string, number>,
  met: boolean,
  extra: [string, unknown][],
): Outcome {
  return {
    title,
    rows: [...extra, ...fanoutRows(f)],
    json: { scenario: f.params.name, ...f, target, met },
  };
}
