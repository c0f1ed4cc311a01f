/**
 * The search indexer's thread (started by sqlite-search.ts): with a connection to the messages'
 * file and one to the search file (search-file.ts), it indexes the backlog (new messages above
 * the mark, changed ones queued) into the FTS5 indexes (search-indexer.ts) every
 * `drainIntervalMs`, continuously while at least a chunk's worth waits, and at once when the main
 * thread asks (`drain`, before a query). It also checkpoints the messages' WAL, so that the
 * server's writers do not have to inside their commits.
 *
 * The thread runs at a lower priority (threads/background-priority.ts): indexing takes the CPU
 * that posting and delivery leave. It takes the messages' write lock only to take replaced
 * messages off the queue (changes and deletions, rare), for a moment, in turns with the server's
 * writers (storage/sqlite/write-turns.ts).
 *
 * Messages in:  {type:'drain', id} · {type:'stop'}
 * Messages out: {type:'drained', id, ok} · {type:'error', message}
 */
import BetterSqlite3 from 'better-sqlite3';
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { WriteTurns } from '../../storage/sqlite/write-turns.ts';
import { lowerThreadPriority } from '../../threads/background-priority.ts';
import { CHUNK, SearchIndexer, type Replaced } from './search-indexer.ts';

/** How long taking messages off the queue waits for its turn at the write lock, ms (then: later). */
const TURN_WAIT_MS = 50;
/**
 * A chunk smaller than this, with no query waiting, is followed by a pause of `drainIntervalMs`
 * rather than the next chunk at once: under a steady trickle of posts the indexer then writes
 * fewer, larger transactions, several times cheaper per message (search-indexer.ts).
 */
const SMALL_CHUNK = CHUNK / 4;
/**
 * A writer's commit of at least this many writes means they queue up faster than commits go: the
 * server is saturated (commits hold a few to a few tens of writes below that). Indexing then
 * takes at most one chunk every `SATURATED_PAUSE_MS`, unless a query waits: posting first, and
 * the backlog indexed at full speed once the load drops (docs/decisions/0018).
 */
const SATURATED_BATCH = 256;
const SATURATED_PAUSE_MS = 1000;

export interface IndexerWorkerData {
  /** The store's database file (messages and the queue of changed ones). */
  readonly file: string;
  /** The search file, prepared (search-file.ts). */
  readonly searchFile: string;
  readonly drainIntervalMs: number;
  /** Checkpoint the messages' WAL when it is larger than this, bytes. */
  readonly checkpointBytes: number;
  /** Turns at the write lock with the server's writers (storage/sqlite/write-turns.ts), if any. */
  readonly turns?: Int32Array;
}

export type ToIndexer = { type: 'drain'; id: number } | { type: 'stop' };
export type FromIndexer =
  { type: 'drained'; id: number; ok: boolean } | { type: 'error'; message: string; stack?: string };

const data = workerData as IndexerWorkerData;
const port = parentPort;
if (!port) throw new Error('search-indexer-worker runs as a worker thread');

lowerThreadPriority();
const db = new BetterSqlite3(data.file);
const turns = data.turns && new WriteTurns(data.turns);
// Waiting in place is fine here (not the event loop), but only briefly: then retry. With turns,
// the wait is for the writer to step aside (dequeue), not SQLite's polling.
db.pragma(`busy_timeout = ${turns ? 0 : 20}`);
const index = new BetterSqlite3(data.searchFile);
index.pragma('journal_mode = WAL');
// Losing the last chunk in a power cut is harmless: the mark rolls back with it.
index.pragma('synchronous = NORMAL');
const indexer = new SearchIndexer(db, index);

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

/**
 * Takes replaced messages off the queue, waiting (blocking this thread, not the event loop) a
 * little for a turn at the messages' write lock; when none comes, they stay queued and the next
 * chunk does them again.
 */
function dequeue(replaced: readonly Replaced[]): void {
  if (replaced.length === 0) return;
  if (turns) turns.want();
  const deadline = performance.now() + TURN_WAIT_MS;
  try {
    for (;;) {
      const seen = turns?.granted() ?? 0;
      try {
        indexer.dequeue(replaced, () => turns?.done());
        return;
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (!turns || performance.now() > deadline) return;
        turns.waitForTurn(5, seen);
      }
    }
  } finally {
    turns?.done();
  }
}

/** One chunk: read and tokenised, written to the search file, replaced ones dequeued. */
function chunk(): number {
  const prepared = indexer.prepareChunk();
  dequeue(indexer.writeChunk(prepared));
  return prepared.length;
}

function tick(): void {
  timer = undefined;
  immediate = undefined;
  if (stopping) return;
  let handled = 0;
  try {
    handled = chunk();
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
  // Nothing, or a small chunk that no query waits for: let more gather first.
  if (handled === 0 || (handled < SMALL_CHUNK && waiting.length === 0)) next(data.drainIntervalMs);
  else if (waiting.length === 0 && (turns?.recentBatch() ?? 0) >= SATURATED_BATCH) next(SATURATED_PAUSE_MS);
  else next(0);
}

port.on('message', (m: ToIndexer) => {
  if (m.type === 'stop') {
    stopping = true;
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    answer(false);
    db.close();
    index.close();
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
