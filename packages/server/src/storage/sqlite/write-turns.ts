/**
 * Turns at SQLite's single write lock between the store's writers (on the event loop, and the
 * post lane's) and one other thread writing the same file (the search indexer, which since
 * docs/decisions/0018 writes here only to take changed messages off its queue; decision 0011).
 *
 * Without it the lock goes to whoever asks at the right moment. At saturation a writer is in a
 * transaction nearly all the time (it begins the next batch as soon as one commits), so the other
 * thread, polling, almost never gets in. With turns, the other thread says it wants the lock; the
 * writer, before its next batch, steps aside once and wakes it; the other thread takes the lock,
 * does one short transaction, and lets go.
 *
 * 32-bit cells in shared memory: `want` (set by the other thread until it holds the lock),
 * `grant` (a counter a writer increments to wake it), and per writer `batch` and `batchAt` (how
 * many writes its last commit held, and when, in whole seconds: hundreds only while writes queue
 * up faster than commits go — the server is saturated —, and the other thread then leaves the
 * CPU to them; docs/decisions/0018).
 *
 * Two writers share the cells: the store's writer on the event loop and the post lane's writer
 * in its thread (post-lane.ts, docs/decisions/0013). Either steps aside for the indexer. Between
 * the two there are no turns: the event loop's writer retries a locked database every
 * millisecond, and the lane leaves the lock free between its transactions while it answers and
 * takes in posts (a test floods the lane and checks that the event loop's writes get through).
 */
const WANT = 0;
const GRANT = 1;
const BATCH = [2, 3] as const;
const BATCH_AT = [4, 5] as const;
const CELLS = 6;

const nowSeconds = () => Math.floor(Date.now() / 1000);

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

  /** The most writes a writer's last commit held, if it committed in the last second or so. */
  recentBatch(): number {
    const since = nowSeconds() - 1;
    let most = 0;
    for (const w of [0, 1] as const)
      if (Atomics.load(this.cells, BATCH_AT[w]) >= since)
        most = Math.max(most, Atomics.load(this.cells, BATCH[w]));
    return most;
  }

  // ---- the store's writer

  /** Records how many writes the commit just made held. */
  noteBatch(writes: number): void {
    Atomics.store(this.cells, BATCH[this.writer], writes);
    Atomics.store(this.cells, BATCH_AT[this.writer], nowSeconds());
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
