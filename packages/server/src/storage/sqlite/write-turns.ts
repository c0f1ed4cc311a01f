/**
 * Turns at SQLite's single write lock between the store's writer, on the event loop, and one
 * other thread writing the same file (the search indexer; docs/decisions/0010).
 *
 * Without it the lock goes to whoever asks at the right moment. At saturation the store's writer
 * is in a transaction nearly all the time (it begins the next batch as soon as one commits), so
 * the other thread, polling, almost never gets in, and the search index falls ever further
 * behind; or, when the other thread asks in a tight loop, it takes the lock for long stretches
 * and acknowledgements stall. With turns, the other thread says it wants the lock; the writer,
 * before its next batch, steps aside once and wakes it; the other thread takes the lock, does
 * one bounded chunk, and lets go. What share each gets then depends on how long the other
 * thread waits between chunks, which it decides.
 *
 * 32-bit cells in shared memory: `want` (set by the other thread until it holds the lock),
 * `grant` (a counter a writer increments to wake it), and `busy`, one per writer (the writer has
 * writes queued or in progress: the other thread then paces itself; when every writer is idle it
 * need not).
 *
 * Two writers share the cells: the store's writer on the event loop and the post lane's writer
 * in its thread (post-lane.ts, docs/decisions/0013). Either steps aside for the indexer. Between
 * the two there are no turns: the event loop's writer retries a locked database every
 * millisecond, and the lane leaves the lock free between its transactions while it answers and
 * takes in posts (a test floods the lane and checks that the event loop's writes get through).
 */
const WANT = 0;
const GRANT = 1;
const BUSY = [2, 3] as const;
const CELLS = 4;

export class WriteTurns {
  readonly cells: Int32Array;

  /** `writer`: 0 for the store's writer on the event loop, 1 for the post lane's. */
  constructor(
    cells?: Int32Array,
    private readonly writer: 0 | 1 = 0,
  ) {
    this.cells = cells ?? new Int32Array(new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT));
  }

  /** The same cells, seen by the post lane's writer. */
  forLane(): WriteTurns {
    return new WriteTurns(this.cells, 1);
  }

  // ---- the other thread

  /** Asks for the next turn. */
  want(): void {
    Atomics.store(this.cells, WANT, 1);
  }

  /** Holds the lock, or gave up: no turn is needed any more. */
  done(): void {
    Atomics.store(this.cells, WANT, 0);
  }

  /** Sleeps until the writer steps aside, or `ms` passed. Blocks: never on the event loop. */
  waitForTurn(ms: number, seen: number): void {
    Atomics.wait(this.cells, GRANT, seen, ms);
  }

  /** The current grant count, read before trying the lock (so a grant in between is not missed). */
  granted(): number {
    return Atomics.load(this.cells, GRANT);
  }

  /** Whether a writer has writes queued or in progress. */
  writerBusy(): boolean {
    return Atomics.load(this.cells, BUSY[0]) === 1 || Atomics.load(this.cells, BUSY[1]) === 1;
  }

  // ---- the store's writer

  /** Tells the other thread whether writes are queued or in progress. */
  setBusy(busy: boolean): void {
    Atomics.store(this.cells, BUSY[this.writer], busy ? 1 : 0);
  }

  /** Whether the other thread waits for a turn. */
  wanted(): boolean {
    return Atomics.load(this.cells, WANT) === 1;
  }

  /** Steps aside: wakes the other thread, which takes the lock before the writer's next try. */
  grant(): void {
    Atomics.add(this.cells, GRANT, 1);
    Atomics.notify(this.cells, GRANT);
  }
}
