/**
 * Where saved filters are matched against new messages: in a worker thread (the server's
 * default: the cost, which grows with the number of filters, stays off the event loop) or in
 * process (`InProcessMatcher`: tools and tests that want no thread).
 */
import type { Worker } from 'node:worker_threads';
import type { AlertFilter } from '../domain/alerts.ts';
import { startTsWorker } from '../threads/start-worker.ts';
import { FilterIndex, type MatchInput } from './filter-index.ts';
import type { FromMatcher, ToMatcher } from './match-worker.ts';

export interface MatchResult {
  /** [index of the message in the batch, ids of the filters it matched], matches only. */
  readonly hits: readonly (readonly [number, readonly string[]])[];
  readonly evaluateMs: number;
  readonly candidates: number;
}

export interface FilterMatcher {
  /** Adds or replaces a filter; `mentions` are its owner's names ("mentions of me"). */
  put(filter: AlertFilter, mentions: readonly string[]): void;
  drop(id: string): void;
  /** Filters put or dropped before this call are in effect for this batch. */
  match(messages: readonly MatchInput[]): Promise<MatchResult>;
  close(): Promise<void>;
}

export class InProcessMatcher implements FilterMatcher {
  private readonly index = new FilterIndex();

  put(filter: AlertFilter, mentions: readonly string[]): void {
    this.index.put(filter, mentions);
  }

  drop(id: string): void {
    this.index.drop(id);
  }

  match(messages: readonly MatchInput[]): Promise<MatchResult> {
    return Promise.resolve(this.index.matchAll(messages));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The matcher in a worker thread (match-worker.ts). It keeps a copy of what it was given, so that
 * a thread that dies is started again a second later with every filter; the batches it was
 * matching fail (their alerts are lost and reported through `onError`).
 */
export class ThreadMatcher implements FilterMatcher {
  private worker: Worker | undefined;
  private readonly filters = new Map<string, { filter: AlertFilter; mentions: string[] }>();
  private readonly pending = new Map<number, { ok: (r: MatchResult) => void; fail: (e: Error) => void }>();
  private nextId = 0;
  private closed = false;
  private exited: Promise<void> = Promise.resolve();
  /** Resolves once the first thread runs; rejects if it cannot start. */
  readonly started: Promise<void>;
  private settleStart: { ok: () => void; fail: (error: unknown) => void } | undefined;

  constructor(private readonly onError: (error: unknown) => void) {
    this.started = new Promise((ok, fail) => (this.settleStart = { ok, fail }));
    this.started.catch(() => undefined);
    this.start();
  }

  put(filter: AlertFilter, mentions: readonly string[]): void {
    const m = { filter, mentions: [...mentions] };
    this.filters.set(filter.id, m);
    this.send({ type: 'put', ...m });
  }

  drop(id: string): void {
    this.filters.delete(id);
    this.send({ type: 'drop', id });
  }

  match(messages: readonly MatchInput[]): Promise<MatchResult> {
    if (!this.worker) return Promise.reject(new Error('the alert matcher thread is restarting'));
    const id = ++this.nextId;
    return new Promise<MatchResult>((ok, fail) => {
      this.pending.set(id, { ok, fail });
      this.send({
        type: 'match',
        id,
        messages: messages.map((m) => ({
          text: m.text,
          storyTitle: m.storyTitle,
          roomId: m.roomId,
          authorId: m.authorId,
        })),
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.send({ type: 'stop' });
    await this.exited;
  }

  private send(m: ToMatcher): void {
    this.worker?.postMessage(m);
  }

  private start(): void {
    const worker = startTsWorker(new URL('./match-worker.ts', import.meta.url), undefined);
    this.worker = worker;
    for (const m of this.filters.values()) worker.postMessage({ type: 'put', ...m } satisfies ToMatcher);
    worker.on('message', (m: FromMatcher) => {
      if (m.type === 'ready') {
        this.settleStart?.ok();
        this.settleStart = undefined;
        return;
      }
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.ok({ hits: m.hits, evaluateMs: m.evaluateMs, candidates: m.candidates });
    });
    worker.on('error', (error) => {
      if (this.settleStart) {
        // The first thread could not start: no point in trying again; the server fails to start.
        this.closed = true;
        this.settleStart.fail(error);
        this.settleStart = undefined;
      }
      this.onError(error);
    });
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        if (this.worker === worker) this.worker = undefined;
        const lost = [...this.pending.values()];
        this.pending.clear();
        for (const p of lost) p.fail(new Error('the alert matcher thread stopped'));
        resolve();
        if (this.closed) return;
        setTimeout(() => {
          if (!this.closed) this.start();
        }, 1000).unref();
      }),
    );
  }
}
