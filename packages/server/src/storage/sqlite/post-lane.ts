/**
 * The post lane (docs/decisions/0013): posts are appended by a second SQLite writer in a worker
 * thread (post-lane-worker.ts), so that their SQL — the message row, its compliance record, the
 * sequence number, the commit and the sync — runs on another core than the event loop, which
 * keeps the WebSocket frames, the access checks and the fan-out.
 *
 * The event loop sends the posts of one turn as one message; the lane's own store commits
 * everything that arrived in one of its turns as one transaction (group commit), syncs it, and
 * answers. Posts are data (`NewPost`); what is written for them is `appendPost`, the same code the
 * store runs without a lane.
 *
 * The thread starts at the first post. Until it says it is ready, and while it is being restarted
 * after it died, posts go through the event loop's writer instead (`fallback`). Posts in flight when the thread dies are
 * rejected: they may or may not have been stored (a client that sends a client message id can
 * send them again; the id makes that safe).
 */
import { SupervisedWorker } from '../../threads/supervised-worker.ts';
import type { NewPost, PostOutcome } from '../types.ts';

export interface LaneData {
  readonly file: string;
  readonly synchronous: 'full' | 'normal';
  /** WriteTurns cells shared with the event loop's writer and the search indexer. */
  readonly turns: Int32Array | undefined;
}

export type ToLane = { type: 'posts'; posts: { ref: number; post: NewPost }[] } | { type: 'stop' };
export type LaneResult =
  { ref: number; ok: true; outcome: PostOutcome } | { ref: number; ok: false; message: string };
export type FromLane = { type: 'ready' } | { type: 'done'; results: LaneResult[] };

interface Waiting {
  resolve: (outcome: PostOutcome) => void;
  reject: (error: unknown) => void;
}

export class PostLane {
  private worker: SupervisedWorker<ToLane, FromLane> | undefined;
  private started: Promise<void> | undefined;
  private ready = false;
  private closed = false;
  private nextRef = 1;
  private outgoing: { ref: number; post: NewPost }[] = [];
  private readonly inFlight = new Map<number, Waiting>();
  private drained: (() => void) | undefined;

  constructor(
    private readonly data: LaneData,
    private readonly fallback: (post: NewPost) => Promise<PostOutcome>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Starts the thread (at the first post, or sooner when asked); resolves once it is ready, and
   * rejects if it could not start (posts then stay on the event loop).
   */
  start(): Promise<void> {
    if (this.started) return this.started;
    const worker = new SupervisedWorker<ToLane, FromLane>({
      entry: new URL('./post-lane-worker.ts', import.meta.url),
      workerData: this.data,
      onMessage: (m) => this.onMessage(m),
      onError: this.onError,
      // A lane that cannot start at all (logged once) leaves posts to the event loop's writer.
      giveUpIfFirstFails: true,
      onExit: () => {
        this.ready = false;
        const lost = [...this.inFlight.values()];
        this.inFlight.clear();
        this.outgoing = [];
        const error = new Error('the post lane stopped; the message may not have been stored');
        for (const w of lost) w.reject(error);
        this.drained?.();
      },
    });
    this.worker = worker;
    this.started = worker.started;
    return this.started;
  }

  /** Whether posts go to the thread now (otherwise to the event loop's writer). */
  get running(): boolean {
    return this.ready && !this.closed;
  }

  append(post: NewPost): Promise<PostOutcome> {
    if (!this.running) {
      if (!this.started && !this.closed) this.start().catch(() => undefined);
      return this.fallback(post);
    }
    return new Promise<PostOutcome>((resolve, reject) => {
      const ref = this.nextRef++;
      this.inFlight.set(ref, { resolve, reject });
      if (this.outgoing.length === 0) setImmediate(this.send);
      this.outgoing.push({ ref, post });
    });
  }

  private readonly send = (): void => {
    const posts = this.outgoing;
    this.outgoing = [];
    if (posts.length > 0) this.worker?.post({ type: 'posts', posts });
  };

  private onMessage(m: FromLane): void {
    if (m.type === 'ready') {
      this.ready = true;
      return;
    }
    for (const r of m.results) {
      const w = this.inFlight.get(r.ref);
      if (!w) continue;
      this.inFlight.delete(r.ref);
      if (r.ok) w.resolve(r.outcome);
      else w.reject(new Error(r.message));
    }
    if (this.inFlight.size === 0) this.drained?.();
  }

  /** Waits for the posts in flight, then stops the thread. */
  async close(): Promise<void> {
    this.closed = true;
    this.send();
    if (this.inFlight.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.worker?.close({ type: 'stop' });
  }
}
