/**
 * Indexes new and changed messages into the FTS5 tables of the search file (search-file.ts,
 * docs/decisions/0018). Runs in the search worker thread (search-indexer-worker.ts) with two
 * connections of its own: one to the messages' file, read, and one to the search file, written.
 * Indexing never runs on the server's event loop, and never takes the messages' write lock.
 *
 * What to index: every message above the mark `search_state.indexed_to` (new since the last
 * chunk; ids only grow), and the messages in `search_queue` (changed or deleted: the triggers of
 * migration 0010 queue them in the transaction that changes them). The posting transaction
 * writes nothing for the index.
 *
 * A chunk is read from the messages' file, folded and tokenised, then written to the search file
 * in one transaction that also moves the mark; each message is read again just before it is
 * written, so a change in between is caught (and queued anyway, by the trigger). Queued messages
 * lose their old entries and get new ones in the same transaction; only then are they taken off
 * the queue, in a short transaction on the messages' file, unless they changed again meanwhile.
 * Until then queries leave them out (sqlite-search.ts), so removed or replaced text is never
 * found. A crash between the two leaves them queued: they are done again, which is harmless.
 */
import type { Database, Statement } from 'better-sqlite3';
import { gramTokens, idCode, monthCode, substringBody, wordsBody } from '../text.ts';

/**
 * Messages per chunk. Small transactions cost more CPU per message (FTS5 writes a segment per
 * commit and merges them later): 106–132 µs per message at 16, 80–86 at 64 to 1,000
 * (bench/tools/search-indexer-chunks.ts, 2026-12-02). Nothing waits for the search file's lock,
 * so a chunk need not be short; a query waits for the chunk in progress (about 90 ms at 1,000).
 */
export const CHUNK = 1000;

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

/** A queued message whose entries a chunk replaced: taken off the queue unless it changed again. */
export interface Replaced {
  readonly id: number;
  /** The row as indexed (undefined: gone, its entries removed). */
  readonly row: MessageRow | undefined;
}

export class SearchIndexer {
  private readonly queued: Statement<[number], MessageRow>;
  private readonly above: Statement<[number, number], MessageRow>;
  private readonly current: Statement<[number], MessageRow>;
  private readonly dequeueOne: Statement<[number]>;
  private readonly maxQueued: Statement<[], { id: number | null }>;
  private readonly minQueued: Statement<[], { id: number | null }>;
  private readonly maxMessage: Statement<[], { id: number | null }>;
  private readonly keptAbove: Statement<[number, number], { id: number }>;
  private readonly insertWords: Statement<[number, string, string, string, string, string]>;
  private readonly insertGrams: Statement<[number, string, string, string, string]>;
  private readonly deleteWords: Statement<[number]>;
  private readonly deleteGrams: Statement<[number]>;
  private readonly mark: Statement<[], { indexed_to: number }>;
  private readonly setMark: Statement<[number]>;

  /** `messages`: the store's file (read; the queue written). `index`: the search file. */
  constructor(
    private readonly messages: Database,
    private readonly index: Database,
  ) {
    this.queued = messages.prepare(
      `SELECT q.id, m.kept, m.created_at, m.text, m.story_title, m.room_id, m.author_id
         FROM search_queue q LEFT JOIN messages m ON m.id = q.id ORDER BY q.id LIMIT ?`,
    );
    this.above = messages.prepare(
      `SELECT id, kept, created_at, text, story_title, room_id, author_id
         FROM messages WHERE id > ? ORDER BY id LIMIT ?`,
    );
    this.current = messages.prepare(
      'SELECT id, kept, created_at, text, story_title, room_id, author_id FROM messages WHERE id = ?',
    );
    this.dequeueOne = messages.prepare('DELETE FROM search_queue WHERE id = ?');
    this.maxQueued = messages.prepare('SELECT max(id) AS id FROM search_queue');
    this.minQueued = messages.prepare('SELECT min(id) AS id FROM search_queue');
    this.maxMessage = messages.prepare('SELECT max(id) AS id FROM messages');
    this.keptAbove = messages.prepare(
      'SELECT id FROM messages WHERE id > ? AND id <= ? AND kept = 1 LIMIT 1',
    );
    this.insertWords = index.prepare(
      'INSERT INTO search_words (rowid, body, grams, room, author, month) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertGrams = index.prepare(
      'INSERT INTO search_grams (rowid, body, room, author, month) VALUES (?, ?, ?, ?, ?)',
    );
    this.deleteWords = index.prepare('DELETE FROM search_words WHERE rowid = ?');
    this.deleteGrams = index.prepare('DELETE FROM search_grams WHERE rowid = ?');
    this.mark = index.prepare('SELECT indexed_to FROM search_state WHERE id = 1');
    this.setMark = index.prepare('UPDATE search_state SET indexed_to = ? WHERE id = 1');
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
    return (min === null || min > id) && this.keptAbove.get(this.markNow(), id) === undefined;
  }

  /**
   * Reads the oldest waiting messages, changed ones first, and folds and tokenises them: the work
   * done before the search file's transaction.
   */
  prepareChunk(size = CHUNK): Prepared[] {
    const prepared: Prepared[] = this.queued
      .all(size)
      .map((row) => ({ row, entry: entryOf(row), fresh: false }));
    const room = size - prepared.length;
    if (room > 0)
      for (const row of this.above.all(this.markNow(), room))
        prepared.push({ row, entry: entryOf(row), fresh: true });
    return prepared;
  }

  /**
   * Writes a prepared chunk into the search file in one transaction, from each message's current
   * row, and moves the mark past the new ones. Returns the queued messages it replaced, to be
   * taken off the queue (`dequeue`). Writing the same chunk twice is harmless.
   */
  writeChunk(prepared: readonly Prepared[]): Replaced[] {
    const replaced: Replaced[] = [];
    if (prepared.length === 0) return replaced;
    this.index.exec('BEGIN IMMEDIATE');
    try {
      const mark = this.markNow();
      let passed = mark;
      for (const { row, entry, fresh } of prepared) {
        if (fresh) {
          // Passed already (this chunk written before, or queued and done above): nothing to do.
          if (row.id <= passed) continue;
          passed = row.id;
        }
        const now = this.current.get(row.id);
        if (!fresh) {
          this.deleteWords.run(row.id);
          this.deleteGrams.run(row.id);
          replaced.push({ id: row.id, row: now });
          // Above the mark: the mark indexes it when it gets there (from its row then).
          if (row.id > mark) continue;
        }
        const e = same(row, now) ? entry : now && entryOf(now);
        if (!e) continue;
        this.insertWords.run(row.id, e.words, e.grams, e.room, e.author, e.month);
        this.insertGrams.run(row.id, e.substrings, e.room, e.author, e.month);
      }
      if (passed > mark) this.setMark.run(passed);
      this.index.exec('COMMIT');
    } catch (error) {
      if (this.index.inTransaction) this.index.exec('ROLLBACK');
      throw error;
    }
    return replaced;
  }

  /**
   * Takes replaced messages off the queue, in one transaction on the messages' file, except those
   * that changed again since (they stay queued and are done again). Throws SQLITE_BUSY when
   * another connection holds the write lock (the caller retries, or leaves them for later).
   */
  dequeue(replaced: readonly Replaced[], onLocked?: () => void): void {
    if (replaced.length === 0) return;
    this.messages.exec('BEGIN IMMEDIATE');
    onLocked?.();
    try {
      for (const r of replaced) {
        const now = this.current.get(r.id);
        if (r.row === undefined ? now === undefined : same(r.row, now)) this.dequeueOne.run(r.id);
      }
      this.messages.exec('COMMIT');
    } catch (error) {
      if (this.messages.inTransaction) this.messages.exec('ROLLBACK');
      throw error;
    }
  }
}
