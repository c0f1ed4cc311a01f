/** What every scenario shares: options, the server and load-generator processes, and a result shape. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerSpec } from '../server-process.ts';
import { nowUs, sleep } from './clock.ts';
import type { ClientLib } from './conn.ts';
import { machinePercent, ticks, waitQuiet } from './machine.ts';
import { BenchServer, serverCpuPercent } from './server.ts';
import { sampleThreads, threadUse, type ThreadUse } from './threads.ts';
import { Workers } from './workers.ts';

export type OptionSpec =
  { type: 'string'; default?: string; help: string } | { type: 'boolean'; help: string };
export type Values = Record<string, string | boolean | undefined>;

export function defaultOf(o: OptionSpec): string | undefined {
  return o.type === 'string' ? o.default : undefined;
}

export interface Outcome {
  readonly title: string;
  readonly rows: readonly (readonly [string, unknown])[];
  /** The machine-readable result (printed as one JSON line). */
  readonly json: Record<string, unknown>;
}

export interface Scenario {
  readonly name: string;
  readonly summary: string;
  readonly options: Record<string, OptionSpec>;
  /** Result keys (dotted) summarised as median and range over several runs. */
  readonly keys: readonly string[];
  run(values: Values): Promise<Outcome>;
}

/** Options every scenario accepts. */
export const COMMON: Record<string, OptionSpec> = {
  procs: { type: 'string', help: 'load-generator processes (default depends on the scenario)' },
  pin: { type: 'boolean', help: 'pin the server to CPU 0 and the load generators to CPU 1 (taskset)' },
  sync: { type: 'string', default: 'full', help: 'SQLite synchronous mode of the server: full or normal' },
  'cpu-prof': {
    type: 'string',
    help: 'write a V8 CPU profile of the server over the measured window to this file',
  },
  keep: { type: 'boolean', help: 'keep the temporary data folder' },
  experiment: {
    type: 'string',
    help: 'comma-separated server patches measuring proposed fixes (bench/experiments.ts)',
  },
  'server-node-args': { type: 'string', help: 'extra node flags for the server process, space-separated' },
  'client-lib': {
    type: 'string',
    default: 'raw',
    help: 'load-generator WebSocket client: raw (lean, built in) or ws',
  },
  'wait-quiet': { type: 'boolean', help: 'before measuring, wait until nothing else uses the CPUs' },
};

export function num(values: Values, key: string, fallback?: number): number {
  const raw = values[key];
  const n = raw === undefined || raw === true || raw === false ? fallback : Number(raw);
  if (n === undefined || !Number.isFinite(n)) throw new Error(`--${key} must be a number`);
  return n;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'stoa-bench-'));
}

export function removeDir(dir: string, values: Values): void {
  if (values.keep === true) console.log(`data kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

export function serverSpec(values: Values, spec: Omit<ServerSpec, 'synchronous'>): ServerSpec {
  const sync = values.sync ?? 'full';
  if (sync !== 'full' && sync !== 'normal') throw new Error('--sync must be full or normal');
  const experiments =
    typeof values.experiment === 'string' ? values.experiment.split(',').filter(Boolean) : [];
  return { ...spec, synchronous: sync, experiments };
}

export async function startServer(values: Values, spec: ServerSpec): Promise<BenchServer> {
  const t = performance.now();
  const nodeArgs =
    typeof values['server-node-args'] === 'string'
      ? values['server-node-args'].split(' ').filter(Boolean)
      : [];
  const server = await BenchServer.start(spec, { ...(values.pin === true ? { cpu: 0 } : {}), nodeArgs });
  console.log(
    `server ${server.info.url} ready in ${Math.round(performance.now() - t)} ms (pid ${server.child.pid})`,
  );
  return server;
}

export async function startWorkers(values: Values, tasks: readonly object[]): Promise<Workers> {
  const t = performance.now();
  const workers = await Workers.start(tasks, values.pin === true ? { cpu: 1 } : {});
  console.log(
    `${tasks.length} load-generator process(es) connected in ${Math.round(performance.now() - t)} ms`,
  );
  return workers;
}

/**
 * Runs the workers from a common start time and samples the server's CPU over the measured
 * window [start, start + windowMs].
 */
export async function measure(
  values: Values,
  server: BenchServer,
  workers: Workers,
  windowMs: number,
  /** Load before the window (the workers start at `startUs`, the window this much later), ms. */
  warmupMs = 0,
): Promise<{
  startUs: number;
  results: any[];
  serverCpu: number;
  serverCpuSys: number;
  serverElu: number;
  serverRssMb: number;
  /** The server's event-loop delay during the window: p99 and max, ms. */
  serverLoopDelayMs: { p99: number; max: number };
  machineCpu: number;
  /** The alert engine's counters at the end of the window (cumulative since start). */
  serverAlerts: Record<string, number> | undefined;
  /** The server's threads over the window, busiest first (Linux; empty elsewhere). */
  serverThreads: ThreadUse[];
}> {
  if (values['wait-quiet'] === true) await waitQuiet();
  const profile = typeof values['cpu-prof'] === 'string' ? values['cpu-prof'] : undefined;
  const startUs = nowUs() + 300_000;
  const running = workers.run(startUs);
  await sleep((startUs + warmupMs * 1000 - nowUs()) / 1000);
  if (profile !== undefined) await server.profileStart();
  await server.cpu();
  const a = await server.cpu();
  const t0 = ticks();
  const pid = server.child.pid;
  const threadsA = sampleThreads(pid);
  let threadsB = threadsA;
  let t1 = t0;
  let b = a;
  if (windowMs > 0) {
    await sleep(Math.max(0, (startUs + (warmupMs + windowMs) * 1000 - nowUs()) / 1000));
    b = await server.cpu();
    threadsB = sampleThreads(pid);
    t1 = ticks();
  }
  if (profile !== undefined && windowMs > 0) await server.profileStop(profile);
  const results = await running;
  if (windowMs <= 0) {
    b = await server.cpu();
    threadsB = sampleThreads(pid);
    t1 = ticks();
  }
  if (profile !== undefined && windowMs <= 0) await server.profileStop(profile);
  if (profile !== undefined) console.log(`server CPU profile written to ${profile}`);
  const cpu = serverCpuPercent(a, b);
  return {
    startUs,
    results,
    serverCpu: cpu.cpu,
    serverCpuSys: cpu.system,
    serverElu: Math.round(b.elu * 1000) / 1000,
    serverRssMb: Math.round(b.memory / 1048576),
    serverLoopDelayMs: { p99: b.delayP99, max: b.delayMax },
    machineCpu: machinePercent(t0, t1),
    serverAlerts: b.alerts,
    serverThreads: threadUse(pid, threadsA, threadsB, (b.atUs - a.atUs) / 1e6),
  };
}

export function sum(results: readonly any[], key: string): number {
  return results.reduce((n: number, r) => n + (Number(r[key]) || 0), 0);
}

export function firstOf(results: readonly any[], key: string): unknown {
  return results.map((r) => r[key]).find((v) => v !== undefined);
}

export function cpuOf(results: readonly any[]): number {
  return Math.round(10 * results.reduce((n: number, r) => n + Number(r.cpu?.cpu ?? 0), 0)) / 10;
}

/** CPU used on the machine by anything but the server and the load generators (% of one core). */
export function otherCpu(m: { machineCpu: number; serverCpu: number }, loadCpu: number): number {
  return Math.max(0, Math.round(10 * (m.machineCpu - m.serverCpu - loadCpu)) / 10);
}

export function clientLib(values: Values): ClientLib {
  const lib = values['client-lib'] ?? 'raw';
  if (lib !== 'raw' && lib !== 'ws') throw new Error('--client-lib must be raw or ws');
  return lib;
}
