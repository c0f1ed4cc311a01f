/**
 * The search indexer's thread (started by sqlite-search.ts): its own SQLite connection drains
 * the search backlog (new messages above the mark, changed ones queued) into the FTS5 indexes
 * (search-indexer.ts) every `drainIntervalMs`, continuously
 * while there is a backlog, and at once when the main thread asks (`drain`, before a query).
 * It also checkpoints the WAL, so that the server's writer does not have to do it on the event
 * loop. Runs off the event loop: the only cost to the server is the write lock, held a few
 * milliseconds at a time and then left free at least as long.
 *
 * Messages in:  {type:'drain', id} · {type:'stop'}
 * Messages out: {type:'drained', id, ok} · {type:'error', message}
 */
import BetterSqlite3 from 'better-sqlite3';
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { WriteTurns } from '../../storage/sqlite/write-turns.ts';
import { SearchIndexer, type DrainResult } from './search-indexer.ts';

/** How long one chunk waits for its turn at the write lock before trying again later, ms. */
const TURN_WAIT_MS = 50;
/**
 * After a chunk, while the server's writer has work, the indexer leaves the lock free this many
 * times as long as it held it: with a backlog at saturation it gets at most a third of the lock,
 * the server's writer the rest. When the writer is idle, the indexer goes on at once.
 */
const YIELD_FACTOR = 2;

export interface IndexerWorkerData {
  readonly file: string;
  readonly drainIntervalMs: number;
  /** Checkpoint the WAL when it is larger than this, bytes. */
  readonly checkpointBytes: number;
  /** Turns at the write lock with the server's writer (storage/sqlite/write-turns.ts), if any. */
  readonly turns?: Int32Array;
}

export type ToIndexer = { type: 'drain'; id: number } | { type: 'stop' };
export type FromIndexer =
  { type: 'drained'; id: number; ok: boolean } | { type: 'error'; message: string; stack?: string };

const data = workerData as IndexerWorkerData;
const port = parentPort;
if (!port) throw new Error('search-indexer-worker runs as a worker thread');

const db = new BetterSqlite3(data.file);
const turns = data.turns && new WriteTurns(data.turns);
// Waiting in place is fine here (not the event loop), but only briefly: then retry. With turns,
// the wait is for the writer to step aside (lockedChunk), not SQLite's polling.
db.pragma(`busy_timeout = ${turns ? 0 : 20}`);
// Losing the last index batch in a power cut is harmless: the queue rolls back with it.
db.pragma('synchronous = NORMAL');
const indexer = new SearchIndexer(db);

/** Drain requests: answered once every queue entry up to `upTo` is handled. */
let waiting: { id: number; upTo: number }[] = [];
let stopping = false;
let timer: NodeJS.Timeout | undefined;
let immediate: NodeJS.Immediate | undefined;

const post = (m: FromIndexer) => port.postMessage(m);

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED');
}

function answer(ok: boolean): void {
  if (waiting.length === 0) return;
  const still: typeof waiting = [];
  for (const w of waiting) {
    if (!ok || indexer.doneUpTo(w.upTo)) post({ type: 'drained', id: w.id, ok });
    else still.push(w);
  }
  waiting = still;
}

function walBytes(): number {
  try {
    return statSync(`${data.file}-wal`).size;
  } catch {
    return 0;
  }
}

function next(ms: number): void {
  if (timer) clearTimeout(timer);
  if (immediate) clearImmediate(immediate);
  timer = undefined;
  immediate = undefined;
  if (ms === 0) immediate = setImmediate(tick);
  else timer = setTimeout(tick, ms);
}

/** One chunk, waiting (blocking this thread, not the event loop) for a turn at the lock. */
function lockedChunk(): DrainResult {
  if (!turns) return indexer.drainChunk();
  // Folded and tokenised before asking: once its turn comes, the lock is taken at once.
  const prepared = indexer.prepareChunk();
  if (prepared.length === 0) return { handled: 0, holdMs: 0 };
  turns.want();
  const deadline = performance.now() + TURN_WAIT_MS;
  try {
    for (;;) {
      const seen = turns.granted();
      try {
        return indexer.writeChunk(prepared, () => turns.done());
      } catch (error) {
        if (!isBusy(error) || performance.now() > deadline) throw error;
        turns.waitForTurn(5, seen);
      }
    }
  } finally {
    turns.done();
  }
}

function tick(): void {
  timer = undefined;
  immediate = undefined;
  if (stopping) return;
  let handled = 0;
  let holdMs = 0;
  try {
    ({ handled, holdMs } = lockedChunk());
  } catch (error) {
    if (isBusy(error)) {
      next(1);
      return;
    }
    // Indexing failed (disk full, I/O error): report it; queries answer from what is indexed.
    post({
      type: 'error',
      message: error instanceof Error ? error.message : String(error),
      ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
    });
    answer(false);
    next(data.drainIntervalMs);
    return;
  }
  answer(true);
  // Keep the WAL short off the event loop (a passive checkpoint never blocks writers), also
  // while a backlog lasts: otherwise the server's writer checkpoints inside a commit.
  if (walBytes() > data.checkpointBytes) {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      if (!isBusy(error)) throw error;
    }
  }
  // With a backlog, leave the write lock free for a while (YIELD_FACTOR): the server's writer
  // (posts, acknowledgements) keeps most of it however long the backlog lasts.
  if (handled === 0) next(data.drainIntervalMs);
  else if (turns?.writerBusy() ?? true) next(Math.max(1, Math.ceil(YIELD_FACTOR * holdMs)));
  else next(0);
}

port.on('message', (m: ToIndexer) => {
  if (m.type === 'stop') {
    stopping = true;
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    answer(false);
    db.close();
    port.close();
    return;
  }
  const upTo = indexer.lastQueued();
  if (upTo === null) {
    post({ type: 'drained', id: m.id, ok: true });
    return;
  }
  waiting.push({ id: m.id, upTo });
  if (!immediate) next(0);
});

next(0);
