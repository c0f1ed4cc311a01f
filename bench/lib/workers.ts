/**
 * Load-generator processes: one forked bench/worker.ts per task. The structured-clone IPC channel
 * carries typed arrays of samples back without JSON.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pin } from './server.ts';

class Worker {
  private readonly waiters: ((m: any) => void)[] = [];
  private exitMessage: string | undefined;

  constructor(readonly child: ChildProcess) {
    child.on('message', (m) => this.waiters.shift()?.(m));
    child.once('exit', (code) => {
      this.exitMessage = `load-generator process exited (${code})`;
      for (const w of this.waiters.splice(0)) w({ type: 'error', message: this.exitMessage });
    });
  }

  async request(message: object, expect: string): Promise<any> {
    const m = await new Promise<any>((resolve) => {
      if (this.exitMessage !== undefined) return resolve({ type: 'error', message: this.exitMessage });
      this.waiters.push(resolve);
      this.child.send(message);
    });
    if (m.type !== expect) throw new Error(`load generator: ${m.message ?? JSON.stringify(m)}`);
    return m;
  }
}

export class Workers {
  private constructor(private readonly workers: Worker[]) {}

  /** Forks one process per task and waits until every one has connected and is ready. */
  static async start(tasks: readonly object[], options: { cpu?: number } = {}): Promise<Workers> {
    const workers = tasks.map(() => {
      const child = fork(join(import.meta.dirname, '..', 'worker.ts'), [], {
        // BENCH_WORKER_PROF=<dir> profiles the load generators themselves (node --cpu-prof).
        execArgv: [
          '--import',
          'tsx',
          ...(process.env.BENCH_WORKER_PROF
            ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_PROF}`]
            : []),
        ],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      if (options.cpu !== undefined && child.pid !== undefined) pin(child.pid, options.cpu);
      return new Worker(child);
    });
    const group = new Workers(workers);
    try {
      await Promise.all(workers.map((w, i) => w.request({ cmd: 'init', task: tasks[i] }, 'ready')));
    } catch (error) {
      group.exit();
      throw error;
    }
    return group;
  }

  /** Starts every worker at `startUs` (a moment shortly in the future) and collects their results. */
  async run(startUs: number): Promise<any[]> {
    const done = await Promise.all(this.workers.map((w) => w.request({ cmd: 'go', startUs }, 'done')));
    return done.map((d) => d.result);
  }

  exit(): void {
    for (const w of this.workers) if (w.child.connected) w.child.send({ cmd: 'exit' });
  }
}

/** Splits items into `parts` contiguous slices of near-equal size. */
export function split<T>(items: readonly T[], parts: number): T[][] {
  const out: T[][] = [];
  for (let p = 0; p < parts; p++) {
    out.push(
      items.slice(Math.floor((p * items.length) / parts), Math.floor(((p + 1) * items.length) / parts)),
    );
  }
  return out;
}
