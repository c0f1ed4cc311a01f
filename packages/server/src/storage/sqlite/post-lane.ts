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
 * The thread starts when the server does (compose.ts), or at the first post of a store opened
 * otherwise. Until it says it is ready, and while it is being restarted after it died, posts go
 * through the event loop's writer instead (`fallback`). Posts in flight when the thread dies are
 * rejected: they may or may not have been stored (a client that sends a client message id can
 * send them again; the id makes that safe).
 */
import { SupervisedWorker } from '../../threads/supervised-worker.ts';
import type { NewPost, PostOutcome } from '../types.ts';
import { encodePost } from './post-lane-wire.ts';

export interface LaneData {
  readonly file: string;
  readonly synchronous: 'full' | 'normal';
  /** WriteTurns cells shared with the event loop's writer and the search indexer. */
  readonly turns: Int32Array | undefined;
}

/**
 * What crosses the thread, in the cheapest form each way (docs/decisions/0013): the posts of one
 * turn as one JSON text (parsed in the lane into objects that all share one shape, where a
 * structured clone builds each object key by key), and the appended ones back as numbers,
 * `[ref, id, seq]` triples in one transferred buffer. Duplicates and failures are rare and go
 * as objects.
 * (The posts' text is written by `post-lane-wire.ts`.)
 */
export type ToLane = { type: 'posts'; refs: number[]; posts: string } | { type: 'stop' };
/** A post that was not simply appended: the message its client id repeats, or why it failed. */
export type LaneOther =
  | { ref: number; ok: true; outcome: PostOutcome & { duplicate: true } }
  | { ref: number; ok: false; message: string };
export type FromLane = { type: 'ready' } | { type: 'done'; appended: Float64Array; others: LaneOther[] };

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
  private outgoingRefs: number[] = [];
  private outgoing: NewPost[] = [];
  private readonly inFlight = new Map<number, Waiting>();
  private drained: (() => void) | undefined;

  constructor(
    private readonly data: LaneData,
    private readonly fallback: (post: NewPost) => Promise<PostOutcome>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Starts the thread (the server asks at its start; otherwise the first post does); resolves once
   * it is ready, and rejects if it could not start (posts then stay on the event loop).
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
        this.outgoingRefs = [];
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
      this.outgoingRefs.push(ref);
      this.outgoing.push(post);
    });
  }

  private readonly send = (): void => {
    const posts = this.outgoing;
    const refs = this.outgoingRefs;
    this.outgoing = [];
    this.outgoingRefs = [];
    if (posts.length > 0)
      this.worker?.post({ type: 'posts', refs, posts: JSON.stringify(posts.map(encodePost)) });
  };

  private onMessage(m: FromLane): void {
    if (m.type === 'ready') {
      this.ready = true;
      return;
    }
    const a = m.appended;
    for (let i = 0; i + 2 < a.length; i += 3) {
      const ref = a[i] as number;
      const w = this.inFlight.get(ref);
      if (!w) continue;
      this.inFlight.delete(ref);
      w.resolve({ duplicate: false, id: a[i + 1] as number, seq: a[i + 2] as number });
    }
    for (const r of m.others) {
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
