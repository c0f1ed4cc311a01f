/**
 * Indexes new and changed messages into the FTS5 tables (migrations 0003-search.ts and
 * 0008-search-mark.ts). Runs in the search worker thread (search-indexer-worker.ts) on its own
 * connection, so that indexing never runs on the server's event loop.
 *
 * What to index: every message above the mark `search_state.indexed_to` (new since the last
 * chunk; ids only grow), and the messages in `search_queue` (changed after the mark passed them).
 * The posting transaction writes nothing for the index.
 *
 * Short write transactions. The store's writer never waits for a lock in place (it retries a
 * moment later), but every millisecond this connection holds the write lock delays the next
 * group commit. So the text is folded and tokenised *before* taking the lock, from a plain read;
 * inside `BEGIN IMMEDIATE … COMMIT` each message is only checked unchanged, taken off the queue
 * or passed by the mark, and inserted. The number of messages per transaction adapts so that a
 * transaction holds the lock for about `TARGET_HOLD_MS`.
 *
 * Consistency: a message deleted or changed between the read and the transaction is caught
 * inside it — a deleted one is skipped (no longer queued, or no longer there); a changed one is
 * indexed from its current row. Nothing is dequeued, and the mark never moves past a message,
 * without it being indexed in the same transaction, so a crash only delays indexing. A chunk
 * written twice (a retry) skips what the mark already passed.
 *
 * FTS5 merges its segments incrementally inside some of these transactions ('automerge'); such
 * a transaction can hold the lock for tens of milliseconds (up to ~100 ms seen on the shared
 * development machine), delaying the next group commit by as much — never blocking the event loop.
 */
import type { Database, Statement } from 'better-sqlite3';
import { gramTokens, idCode, monthCode, substringBody, wordsBody } from '../text.ts';

/** Aim for write transactions holding the lock about this long, ms. */
export const TARGET_HOLD_MS = 8;
/**
 * Fewer messages per transaction cost much more CPU each (FTS5 writes a segment per commit and
 * merges them later): ~110 µs per message at 16, ~50–70 at 64, ~50 at 256, ~45 at 1,000
 * (bench/tools/search-indexer-chunks.ts).
 */
const MIN_CHUNK = 64;
const MAX_CHUNK = 2000;

interface MessageRow {
  id: number;
  kept: number | null;
  created_at: number | null;
  text: string | null;
  story_title: string | null;
  room_id: string | null;
  author_id: string | null;
}

export interface Prepared {
  readonly row: MessageRow;
  readonly entry: Entry | undefined;
  /** Above the mark (new), rather than queued (changed). */
  readonly fresh: boolean;
}

interface Entry {
  readonly words: string;
  readonly grams: string;
  readonly substrings: string;
  readonly room: string;
  readonly author: string;
  readonly month: string;
}

function entryOf(r: MessageRow): Entry | undefined {
  if (r.kept !== 1 || r.text === null || r.room_id === null || r.author_id === null) return undefined;
  const words = wordsBody(r.text, r.story_title);
  return {
    words,
    grams: gramTokens(words),
    substrings: substringBody(r.text, r.story_title),
    room: idCode(r.room_id),
    author: idCode(r.author_id),
    month: monthCode(r.created_at ?? 0),
  };
}

const same = (a: MessageRow, b: MessageRow | undefined) =>
  b !== undefined &&
  a.kept === b.kept &&
  a.created_at === b.created_at &&
  a.text === b.text &&
  a.story_title === b.story_title &&
  a.room_id === b.room_id &&
  a.author_id === b.author_id;

export interface DrainResult {
  /** Messages handled (indexed, or passed over because they are gone or not kept). */
  readonly handled: number;
  /** How long the write lock was held, ms. */
  readonly holdMs: number;
}

export class SearchIndexer {
  private chunk = 256;
  private readonly queued: Statement<[number], MessageRow>;
  private readonly above: Statement<[number, number], MessageRow>;
  private readonly current: Statement<[number], MessageRow>;
  private readonly dequeue: Statement<[number]>;
  private readonly insertWords: Statement<[number, string, string, string, string, string]>;
  private readonly insertGrams: Statement<[number, string, string, string, string]>;
  private readonly mark: Statement<[], { indexed_to: number }>;
  private readonly setMark: Statement<[number]>;
  private readonly maxQueued: Statement<[], { id: number | null }>;
  private readonly minQueued: Statement<[], { id: number | null }>;
  private readonly maxMessage: Statement<[], { id: number | null }>;
  private readonly keptAbove: Statement<[number], { id: number }>;
  private readonly begin: Statement;
  private readonly commit: Statement;

  constructor(private readonly db: Database) {
    this.queued = db.prepare(
      `SELECT q.id, m.kept, m.created_at, m.text, m.story_title, m.room_id, m.author_id
         FROM search_queue q LEFT JOIN messages m ON m.id = q.id ORDER BY q.id LIMIT ?`,
    );
    this.above = db.prepare(
      `SELECT id, kept, created_at, text, story_title, room_id, author_id
         FROM messages WHERE id > ? ORDER BY id LIMIT ?`,
    );
    this.current = db.prepare(
      'SELECT id, kept, created_at, text, story_title, room_id, author_id FROM messages WHERE id = ?',
    );
    this.dequeue = db.prepare('DELETE FROM search_queue WHERE id = ?');
    this.insertWords = db.prepare(
      'INSERT INTO search_words (rowid, body, grams, room, author, month) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertGrams = db.prepare(
      'INSERT INTO search_grams (rowid, body, room, author, month) VALUES (?, ?, ?, ?, ?)',
    );
    this.mark = db.prepare('SELECT indexed_to FROM search_state');
    this.setMark = db.prepare('UPDATE search_state SET indexed_to = ?');
    this.maxQueued = db.prepare('SELECT max(id) AS id FROM search_queue');
    this.minQueued = db.prepare('SELECT min(id) AS id FROM search_queue');
    this.maxMessage = db.prepare('SELECT max(id) AS id FROM messages');
    this.keptAbove = db.prepare(
      'SELECT id FROM messages WHERE id > (SELECT indexed_to FROM search_state) AND id <= ? AND kept = 1 LIMIT 1',
    );
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
  }

  private markNow(): number {
    return this.mark.get()?.indexed_to ?? 0;
  }

  /**
   * The highest message id to index now (what "everything committed so far" means), or null
   * when nothing is waiting.
   */
  lastQueued(): number | null {
    const upTo = Math.max(this.maxQueued.get()?.id ?? 0, this.maxMessage.get()?.id ?? 0);
    return upTo === 0 || this.doneUpTo(upTo) ? null : upTo;
  }

  /** Whether every message with an id up to `id` that needs indexing has been indexed. */
  doneUpTo(id: number): boolean {
    const min = this.minQueued.get()?.id ?? null;
    return (min === null || min > id) && this.keptAbove.get(id) === undefined;
  }

  /**
   * Indexes the oldest waiting messages in one short transaction. Throws SQLITE_BUSY when another
   * connection holds the write lock (the caller retries).
   */
  drainChunk(): DrainResult {
    return this.writeChunk(this.prepareChunk());
  }

  /**
   * Reads the oldest waiting messages, changed ones first, and folds and tokenises them: the work
   * done without the lock.
   */
  prepareChunk(): Prepared[] {
    const prepared: Prepared[] = this.queued
      .all(this.chunk)
      .map((row) => ({ row, entry: entryOf(row), fresh: false }));
    const room = this.chunk - prepared.length;
    if (room > 0)
      for (const row of this.above.all(this.markNow(), room))
        prepared.push({ row, entry: entryOf(row), fresh: true });
    return prepared;
  }

  /**
   * Writes a prepared chunk in one short transaction (messages changed, deleted or dequeued since
   * they were read are handled from the current row). Throws SQLITE_BUSY when another connection
   * holds the write lock; the same chunk can be written again.
   */
  writeChunk(prepared: readonly Prepared[], onLocked?: () => void): DrainResult {
    if (prepared.length === 0) return { handled: 0, holdMs: 0 };
    const started = performance.now();
    this.begin.run();
    onLocked?.();
    try {
      const mark = this.markNow();
      let passed = mark;
      for (const { row, entry, fresh } of prepared) {
        if (fresh) {
          // Passed already (this chunk written before): nothing to do.
          if (row.id <= mark) continue;
          passed = Math.max(passed, row.id);
        } else if (this.dequeue.run(row.id).changes === 0) continue; // dequeued by a deletion meanwhile
        const now = this.current.get(row.id);
        const e = same(row, now) ? entry : now && entryOf(now);
        if (!e) continue;
        this.insertWords.run(row.id, e.words, e.grams, e.room, e.author, e.month);
        this.insertGrams.run(row.id, e.substrings, e.room, e.author, e.month);
      }
      if (passed > mark) this.setMark.run(passed);
      this.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
    const holdMs = performance.now() - started;
    if (holdMs > 2 * TARGET_HOLD_MS) this.chunk = Math.max(MIN_CHUNK, this.chunk >> 1);
    else if (holdMs < TARGET_HOLD_MS / 2 && prepared.length === this.chunk)
      this.chunk = Math.min(MAX_CHUNK, this.chunk * 2);
    return { handled: prepared.length, holdMs };
  }
}
