/**
 * Starts bench/server-process.ts as a separate Node process (so the server has its own event loop
 * and can use its own core), provisions it, and samples its CPU use.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ReadyInfo, ServerSpec } from '../server-process.ts';
import { nowUs } from './clock.ts';

export interface ServerOptions {
  /** Pin the server to this CPU (taskset). */
  readonly cpu?: number;
  /** Extra node flags for the server process, e.g. --max-semi-space-size=64. */
  readonly nodeArgs?: readonly string[];
}

export interface ServerCpu {
  readonly atUs: number;
  readonly user: number;
  readonly system: number;
  readonly elu: number;
  readonly memory: number;
  /** Event-loop delay since the previous sample, ms. */
  readonly delayP99: number;
  readonly delayMax: number;
  /** The alert engine's counters (packages/server/src/alerts/engine.ts). */
  readonly alerts?: Record<string, number>;
}

export class BenchServer {
  private readonly waiters: ((m: any) => void)[] = [];
  private exited = false;
  info!: ReadyInfo;

  private constructor(readonly child: ChildProcess) {
    child.on('message', (m) => {
      this.waiters.shift()?.(m);
    });
    child.once('exit', (code) => {
      this.exited = true;
      for (const w of this.waiters.splice(0))
        w({ type: 'error', message: `server process exited (${code})` });
    });
  }

  static async start(spec: ServerSpec, options: ServerOptions = {}): Promise<BenchServer> {
    const child = fork(join(import.meta.dirname, '..', 'server-process.ts'), [], {
      // As `npm start` and bin/stoa-server.js run it (docs/decisions/0014); --server-node-args
      // come later and win.
      execArgv: ['--max-semi-space-size=32', '--import', 'tsx', ...(options.nodeArgs ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (options.cpu !== undefined && child.pid !== undefined) pin(child.pid, options.cpu);
    const server = new BenchServer(child);
    const ready = await server.request({ cmd: 'setup', spec });
    if (ready.type !== 'ready')
      throw new Error(`server setup failed: ${ready.message ?? JSON.stringify(ready)}`);
    server.info = ready as ReadyInfo;
    return server;
  }

  private request(message: object): Promise<any> {
    return new Promise((resolve) => {
      if (this.exited) return resolve({ type: 'error', message: 'server process has exited' });
      this.waiters.push(resolve);
      this.child.send(message);
    });
  }

  /** CPU time and event-loop utilisation since the previous call. */
  async cpu(): Promise<ServerCpu> {
    const m = await this.request({ cmd: 'cpu' });
    if (m.type !== 'cpu') throw new Error(`server: ${m.message ?? JSON.stringify(m)}`);
    return {
      atUs: nowUs(),
      user: m.usage.user,
      system: m.usage.system,
      elu: m.elu,
      memory: m.memory,
      delayP99: Math.round(m.delay.p99 * 10) / 10,
      delayMax: Math.round(m.delay.max * 10) / 10,
      alerts: m.alerts,
    };
  }

  /** Starts the V8 sampling profiler in the server process. */
  async profileStart(): Promise<void> {
    await this.request({ cmd: 'prof-start' });
  }

  /** Stops the profiler and writes the profile (.cpuprofile, for DevTools or bench/tools/cpuprofile-top.ts). */
  async profileStop(file: string): Promise<void> {
    mkdirSync(dirname(file), { recursive: true });
    await this.request({ cmd: 'prof-stop', file });
  }

  /** Closes the server (the store flushes and closes the database) and waits for the process to end. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ cmd: 'stop' });
    await exited;
  }
}

/** CPU percentage of one core used by the server between two samples (total and kernel part). */
export function serverCpuPercent(a: ServerCpu, b: ServerCpu): { cpu: number; system: number } {
  const pct = (us: number) => Math.round((1000 * us) / (b.atUs - a.atUs)) / 10;
  return { cpu: pct(b.user - a.user + b.system - a.system), system: pct(b.system - a.system) };
}

/** Pins a process (all its threads) to one CPU; ignored where taskset is missing. */
export function pin(pid: number, cpu: number): void {
  try {
    execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });
  } catch {
    // no taskset: run unpinned
  }
}
