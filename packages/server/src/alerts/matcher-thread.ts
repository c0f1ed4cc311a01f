/**
 * Where saved filters are matched against new messages: in a worker thread (the server's
 * default: the cost, which grows with the number of filters, stays off the event loop) or in
 * process (`InProcessMatcher`: tools and tests that want no thread).
 */
import type { AlertFilter } from '../domain/alerts.ts';
import { SupervisedWorker } from '../threads/supervised-worker.ts';
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
  private readonly thread: SupervisedWorker<ToMatcher, FromMatcher>;
  private readonly filters = new Map<string, { filter: AlertFilter; mentions: string[] }>();
  private readonly pending = new Map<number, { ok: (r: MatchResult) => void; fail: (e: Error) => void }>();
  private nextId = 0;

  constructor(onError: (error: unknown) => void) {
    this.thread = new SupervisedWorker({
      entry: new URL('./match-worker.ts', import.meta.url),
      onMessage: (m) => {
        if (m.type === 'ready') return;
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.ok({ hits: m.hits, evaluateMs: m.evaluateMs, candidates: m.candidates });
      },
      onError,
      onExit: () => {
        const lost = [...this.pending.values()];
        this.pending.clear();
        for (const p of lost) p.fail(new Error('the alert matcher thread stopped'));
      },
      onRestart: () => {
        for (const m of this.filters.values()) this.thread.post({ type: 'put', ...m });
      },
      // The server fails to start instead.
      giveUpIfFirstFails: true,
    });
  }

  /** Resolves once the first thread runs; rejects if it cannot start. */
  get started(): Promise<void> {
    return this.thread.started;
  }

  put(filter: AlertFilter, mentions: readonly string[]): void {
    const m = { filter, mentions: [...mentions] };
    this.filters.set(filter.id, m);
    this.thread.post({ type: 'put', ...m });
  }

  drop(id: string): void {
    this.filters.delete(id);
    this.thread.post({ type: 'drop', id });
  }

  match(messages: readonly MatchInput[]): Promise<MatchResult> {
    if (!this.thread.running) return Promise.reject(new Error('the alert matcher thread is restarting'));
    const id = ++this.nextId;
    return new Promise<MatchResult>((ok, fail) => {
      this.pending.set(id, { ok, fail });
      this.thread.post({
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

  close(): Promise<void> {
    return this.thread.close({ type: 'stop' });
  }
}
