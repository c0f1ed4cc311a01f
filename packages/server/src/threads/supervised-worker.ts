/**
 * A worker thread of ours that is started again when it dies: the search indexer and the alert
 * matcher. It reports the thread's errors, restarts it a second after an unexpected exit (calling
 * `onRestart` so the owner can send it what it needs again), and stops it on `close`.
 */
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from './start-worker.ts';

export interface SupervisedWorkerOptions<Out> {
  readonly entry: URL;
  readonly workerData?: unknown;
  readonly onMessage: (message: Out) => void;
  readonly onError: (error: unknown) => void;
  /** The thread exited unexpectedly (work it was doing is lost); a new one starts a second later. */
  readonly onExit?: () => void;
  /** A new thread runs after an unexpected exit. */
  readonly onRestart?: () => void;
  /** When the first thread fails to start, do not try again (default: keep trying). */
  readonly giveUpIfFirstFails?: boolean;
}

export class SupervisedWorker<In, Out> {
  private worker: Worker | undefined;
  private closed = false;
  private exited: Promise<void> = Promise.resolve();
  /** Resolves at the thread's first message; rejects if the first thread fails before. */
  readonly started: Promise<void>;
  private settleStart: { ok: () => void; fail: (error: unknown) => void } | undefined;

  constructor(private readonly options: SupervisedWorkerOptions<Out>) {
    this.started = new Promise((ok, fail) => (this.settleStart = { ok, fail }));
    this.started.catch(() => undefined);
    this.start();
  }

  /** Whether a thread runs now (between an exit and its restart, none does). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Sends to the running thread; dropped when none runs. */
  post(message: In): void {
    this.worker?.postMessage(message);
  }

  /** Sends `stop` (the thread ends itself) and waits for it to exit; no restart after. */
  async close(stop: In): Promise<void> {
    this.closed = true;
    this.post(stop);
    await this.exited;
  }

  private start(): void {
    const o = this.options;
    const worker = startTsWorker(o.entry, o.workerData);
    this.worker = worker;
    worker.on('message', (m: Out) => {
      this.settleStart?.ok();
      this.settleStart = undefined;
      o.onMessage(m);
    });
    worker.on('error', (error) => {
      if (this.settleStart && o.giveUpIfFirstFails) this.closed = true;
      this.settleStart?.fail(error);
      this.settleStart = undefined;
      o.onError(error);
    });
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        if (this.worker === worker) this.worker = undefined;
        if (!this.closed) o.onExit?.();
        resolve();
        if (this.closed) return;
        setTimeout(() => {
          if (this.closed) return;
          this.start();
          o.onRestart?.();
        }, 1000).unref();
      }),
    );
  }
}
