/**
 * The SQLite search adapter: FTS5 indexes in a file of their own (search-file.ts,
 * docs/decisions/0018), maintained from a mark and a queue.
 *
 * Indexing. New messages are found above a mark (`search_state` in the search file); triggers
 * queue kept messages that change or are deleted in `search_queue`, in the messages' file, inside
 * the writing transaction (migration 0010). A worker thread (search-indexer-worker.ts,
 * search-indexer.ts) indexes both in batches, off the event loop and without the messages' write
 * lock: every `drainIntervalMs`, continuously while a backlog lasts, and always before this
 * adapter answers a query, so a query sees every message committed before it started (it waits
 * for that at most `BUSY_WAIT_MS`, then answers from what is indexed).
 *
 * Querying. One SQL statement per query, newest first by message id, driven by an FTS index and
 * streaming until the page is full (`compileSearch`). The reader attaches the search file; the
 * statement reads the messages' file first (main, then attached databases), so a queued message
 * it sees as queued is left out, and one it sees as dequeued has its new entries in the index
 * snapshot taken after. Rooms are restricted inside the FTS expression when that is cheaper
 * (`useRoomTokens`), and always checked exactly on the message row.
 */
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import type { Selectable } from 'kysely';
import { fail } from '../../domain/errors.ts';
import type { Message } from '../../domain/model.ts';
import { toMessage } from '../../storage/rows.ts';
import type { MessagesTable } from '../../storage/schema.ts';
import { idCode, monthCodes, substringBody } from '../text.ts';
import type { SearchIndex, SearchPage, SearchRequest } from '../types.ts';
import type { FromIndexer, IndexerWorkerData, ToIndexer } from './search-indexer-worker.ts';
import { SupervisedWorker } from '../../threads/supervised-worker.ts';
import type { WriteTurns } from '../../storage/sqlite/write-turns.ts';
import { prepareSearchFile, SEARCH_SCHEMA } from './search-file.ts';

export interface SqliteSearchOptions {
  /** The store's database file (the indexes live next to it, in its search file). */
  readonly file: string;
  /** How often queued messages are indexed in the background, ms (default 200). */
  readonly drainIntervalMs?: number;
  /** Unexpected background errors. */
  readonly onError?: (error: unknown) => void;
  /** Turns at the write lock with the store's writer (the server passes the store's). */
  readonly turns?: WriteTurns;
}

/**
 * Rooms are restricted inside the full-text expression (room tokens) when there are at most
 * ROOM_TOKEN_LIMIT of them, or at most ROOM_TOKEN_MAX holding less than SPARSE_SHARE of all
 * messages; otherwise by checking each candidate's room. Tokens cost about 0.05 ms per room and
 * query; checking candidates costs about 1 µs each, and there are many per hit when the rooms
 * hold a small share of the messages (bench/scenarios/search.ts, docs/search.md).
 */
export const ROOM_TOKEN_LIMIT = 64;
export const ROOM_TOKEN_MAX = 512;
export const SPARSE_SHARE = 0.1;
/** Date ranges of at most this many calendar months are restricted with month tokens. */
export const MONTH_TOKEN_LIMIT = 24;
/** How long a query waits for the indexer to catch up before answering from what is indexed. */
const BUSY_WAIT_MS = 2000;
/** The indexer checkpoints the messages' WAL once it is larger than this (the writers wait longer). */
const CHECKPOINT_BYTES = 4 * 1024 * 1024;

type MessageRow = Selectable<MessagesTable>;

/** Whole message rows, whatever columns later migrations add. */
const MESSAGE_COLUMNS = 'm.*';
/** Messages whose index entries may be stale (changed or deleted, not yet indexed again). */
const NOT_QUEUED = 'm.id NOT IN (SELECT id FROM search_queue)';

/** An FTS5 string literal. */
const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
const anyOf = (column: string, ids: readonly string[]) =>
  `${column} : (${ids.map((id) => quote(idCode(id))).join(' OR ')})`;

export interface CompiledSearch {
  readonly sql: string;
  readonly params: unknown[];
  /** Which index drives the query (for tests and the benchmark). */
  readonly driver: 'words' | 'grams' | 'messages';
}

/**
 * Builds the one statement answering `r`:
 *
 * - words, phrases, prefixes or one/two-character grams present: the word index drives, with the
 *   author, month (bounded date ranges) and — if `roomTokens` — room tokens in the same
 *   expression; substrings, if any, are checked on each candidate row (`stoa_contains`, the same
 *   folding as the trigram index), never by a correlated query into the other index, which costs
 *   milliseconds per row;
 * - only substrings: the trigram index drives, with the same tokens;
 * - only filters: the word index's tokens drive, or the messages table itself when there are no
 *   tokens (many rooms, no author, no bounded date range).
 *
 * Whatever drives, the exact room list (and author list) is checked on the message row too: the
 * tokens are an accelerator, the check is what guarantees that no other room is ever returned.
 */
export function compileSearch(
  r: SearchRequest,
  roomTokens = r.rooms.length <= ROOM_TOKEN_LIMIT,
): CompiledSearch {
  const words: string[] = [];
  const needles: string[] = [];
  for (const t of r.terms) {
    switch (t.kind) {
      case 'words':
        words.push(`body : ${quote(t.text)}${t.prefix ? '*' : ''}`);
        break;
      case 'gram':
        words.push(`grams : ${quote(t.text)}`);
        break;
      case 'substring':
        needles.push(t.text);
        break;
    }
  }
  const authors = r.authors ?? [];
  const tokens: string[] = [];
  if (authors.length > 0) tokens.push(anyOf('author', authors));
  if (roomTokens) tokens.push(anyOf('room', r.rooms));
  const months =
    r.since !== undefined && r.until !== undefined
      ? monthCodes(r.since, r.until, MONTH_TOKEN_LIMIT)
      : undefined;
  if (months) tokens.push(`month : (${months.map(quote).join(' OR ')})`);

  const where: string[] = [];
  const params: unknown[] = [];
  let driver: CompiledSearch['driver'];
  let from = 'messages m';
  let key = 'm.id';
  if (words.length > 0 || (needles.length === 0 && tokens.length > 0)) {
    driver = 'words';
    from = `${SEARCH_SCHEMA}.search_words f CROSS JOIN messages m ON m.id = f.rowid`;
    key = 'f.rowid';
    where.push('f.search_words MATCH ?', NOT_QUEUED);
    params.push([...words, ...tokens].join(' AND '));
    if (needles.length > 0) {
      where.push('stoa_contains(m.text, m.story_title, ?)');
      params.push(JSON.stringify(needles));
    }
  } else if (needles.length > 0) {
    driver = 'grams';
    from = `${SEARCH_SCHEMA}.search_grams g CROSS JOIN messages m ON m.id = g.rowid`;
    key = 'g.rowid';
    where.push('g.search_grams MATCH ?', NOT_QUEUED);
    params.push([...needles.map((n) => `body : ${quote(n)}`), ...tokens].join(' AND '));
  } else {
    driver = 'messages';
  }
  where.push('m.kept = 1', 'm.room_id IN (SELECT value FROM json_each(?))');
  params.push(JSON.stringify(r.rooms));
  if (authors.length > 0) {
    where.push('m.author_id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(authors));
  }
  if (r.since !== undefined) {
    where.push('m.created_at >= ?');
    params.push(r.since);
  }
  if (r.until !== undefined) {
    where.push('m.created_at <= ?');
    params.push(r.until);
  }
  if (r.before !== undefined) {
    where.push(`${key} < ?`);
    params.push(r.before);
  }
  params.push(r.limit + 1);
  return {
    sql: `SELECT ${MESSAGE_COLUMNS} FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${key} DESC LIMIT ?`,
    params,
    driver,
  };
}

/** Whether every needle occurs in the message (text or story title), folded as the index is. */
export function containsAll(text: string, storyTitle: string | null, needles: readonly string[]): boolean {
  const body = substringBody(text, storyTitle);
  return needles.every((n) => body.includes(n));
}

export class SqliteSearch implements SearchIndex {
  private readonly reader: Database;
  private readonly statements = new Map<string, Statement<unknown[], MessageRow>>();
  private readonly roomShare: Statement<[string], { rooms: number | null; all: number | null }>;
  /** The indexer thread (search-indexer-worker.ts), restarted a second after it dies. */
  private readonly indexer: SupervisedWorker<ToIndexer, FromIndexer>;
  private readonly drains = new Map<number, (ok: boolean) => void>();
  private nextDrain = 0;
  private closed = false;

  /** Why the search file was built again at this start (it is then indexed from scratch), if it was. */
  readonly rebuilt: string | undefined;

  constructor(private readonly options: SqliteSearchOptions) {
    const searchFile = prepareSearchFile(options.file);
    this.rebuilt = searchFile.rebuilt;
    this.reader = new BetterSqlite3(options.file, { readonly: true });
    this.reader.pragma('busy_timeout = 5000');
    this.reader.prepare(`ATTACH DATABASE ? AS ${SEARCH_SCHEMA}`).run(searchFile.file);
    let parsed: { json: string; needles: string[] } = { json: '', needles: [] };
    this.reader.function('stoa_contains', { deterministic: true }, (text, title, json) => {
      if (typeof text !== 'string' || typeof json !== 'string') return 0;
      if (parsed.json !== json) parsed = { json, needles: JSON.parse(json) as string[] };
      return containsAll(text, typeof title === 'string' ? title : null, parsed.needles) ? 1 : 0;
    });
    this.roomShare = this.reader.prepare(
      `SELECT (SELECT sum(last_seq) FROM rooms WHERE id IN (SELECT value FROM json_each(?))) AS rooms,
              (SELECT sum(last_seq) FROM rooms) AS "all"`,
    );
    const data: IndexerWorkerData = {
      file: options.file,
      searchFile: searchFile.file,
      drainIntervalMs: options.drainIntervalMs ?? 200,
      checkpointBytes: CHECKPOINT_BYTES,
      ...(options.turns ? { turns: options.turns.cells } : {}),
    };
    this.indexer = new SupervisedWorker({
      entry: new URL('./search-indexer-worker.ts', import.meta.url),
      workerData: data,
      onMessage: (m) => {
        if (m.type === 'drained') {
          this.drains.get(m.id)?.(m.ok);
          this.drains.delete(m.id);
        } else {
          options.onError?.(Object.assign(new Error(`search indexer: ${m.message}`), { stack: m.stack }));
        }
      },
      onError: (error) => options.onError?.(error),
      // The queue is durable: a new thread repeats the drain requests that were waiting.
      onRestart: () => {
        for (const id of this.drains.keys()) this.indexer.post({ type: 'drain', id });
      },
    });
  }

  /** Rejects if the first indexer thread fails before answering anything (e.g. it cannot load). */
  get started(): Promise<void> {
    return this.indexer.started;
  }

  /**
   * Asks the indexer to index everything queued now and waits for it, at most `waitMs`: past
   * that (the database locked by a long transaction, a large backlog) the caller answers from
   * what is indexed.
   */
  private drainSoon(waitMs: number): Promise<void> {
    const id = ++this.nextDrain;
    return new Promise<void>((resolve) => {
      let timeout: NodeJS.Timeout | undefined;
      this.drains.set(id, () => {
        if (timeout) clearTimeout(timeout);
        resolve();
      });
      if (Number.isFinite(waitMs))
        timeout = setTimeout(() => {
          this.drains.delete(id);
          resolve();
        }, waitMs);
      this.indexer.post({ type: 'drain', id });
    });
  }

  /** Indexes everything queued (start-up, tests), waiting for the database as long as it takes. */
  async catchUp(): Promise<void> {
    if (!this.closed) await this.drainSoon(Infinity);
  }

  async search(r: SearchRequest): Promise<SearchPage> {
    this.ensureOpen();
    if (r.rooms.length === 0) return { messages: [], next: null };
    await this.drainSoon(BUSY_WAIT_MS);
    this.ensureOpen();
    const { sql, params } = compileSearch(r, this.useRoomTokens(r.rooms));
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.reader.prepare<unknown[], MessageRow>(sql);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, statement);
    }
    const rows = statement.all(...params);
    const more = rows.length > r.limit;
    const messages: Message[] = (more ? rows.slice(0, r.limit) : rows).map(toMessage);
    return { messages, next: more ? (messages[messages.length - 1]?.id ?? null) : null };
  }

  /**
   * An upper bound of the backlog without reading the messages: queued changes, and every id
   * above the mark (some of them not kept, or deleted).
   */
  backlogAtMost(): number {
    const n = this.reader
      .prepare(
        `SELECT (SELECT count(*) FROM search_queue)
              + coalesce((SELECT max(id) FROM messages), 0)
              - (SELECT indexed_to FROM ${SEARCH_SCHEMA}.search_state)`,
      )
      .pluck()
      .get();
    return Math.max(0, Number(n));
  }

  /** Room tokens for few rooms, or for rooms that hold a small share of the messages. */
  private useRoomTokens(rooms: readonly string[]): boolean {
    if (rooms.length <= ROOM_TOKEN_LIMIT) return true;
    if (rooms.length > ROOM_TOKEN_MAX) return false;
    const share = this.roomShare.get(JSON.stringify(rooms));
    return (share?.rooms ?? 0) < SPARSE_SHARE * (share?.all ?? 0);
  }

  private ensureOpen(): void {
    if (this.closed) fail('unavailable', 'history search is shutting down');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const done of this.drains.values()) done(false);
    this.drains.clear();
    // The reader first: the indexer's connection is then the search file's last, and closing it
    // checkpoints and removes the file's WAL (a read-only connection closing last cannot).
    this.reader.close();
    await this.indexer.close({ type: 'stop' });
  }
}

/**
 * At start the server waits until the backlog is indexed when it is at most this many messages
 * (a few seconds); a larger one (the first start after migration 0010 of a big history, a search
 * file deleted) is indexed in the background while the server runs, and queries answer from what
 * is indexed so far.
 */
export const WAIT_AT_START_MAX = 50_000;

/** Opens the search index of a store's database file and indexes whatever is queued. */
export async function openSqliteSearch(options: SqliteSearchOptions): Promise<SqliteSearch> {
  const search = new SqliteSearch(options);
  try {
    if (search.backlogAtMost() > WAIT_AT_START_MAX) await search.started;
    else await Promise.race([search.catchUp(), search.started.then(() => search.catchUp())]);
  } catch (error) {
    await search.close();
    throw error;
  }
  return search;
}
