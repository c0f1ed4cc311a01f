/**
 * The search index's own database file (docs/decisions/0018): `stoa.db` → `stoa.search.db`, next
 * to it. It holds the two FTS5 indexes and the indexer's mark, and nothing that cannot be built
 * again from the messages: when it is missing, written by another version of this layout, made
 * for another database (`search_link`, migration 0010), or ahead of the messages (a database
 * restored from an older backup), it is deleted and created empty, and the indexer indexes every
 * kept message again.
 */
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { rmSync } from 'node:fs';

/** The layout of the search file (`PRAGMA user_version`). */
export const SEARCH_FILE_VERSION = 1;
/** The schema name under which connections to the messages' file attach the search file. */
export const SEARCH_SCHEMA = 'search_index';

/** The search file of a store's database file. */
export function searchFileOf(storeFile: string): string {
  return storeFile.endsWith('.db') ? `${storeFile.slice(0, -3)}.search.db` : `${storeFile}.search.db`;
}

/** What the search file must say of the messages' file to be used as it is. */
interface StoreFacts {
  readonly link: string;
  /** The highest message id ever given out. */
  readonly highestId: number;
}

function storeFacts(storeFile: string): StoreFacts {
  const store = new BetterSqlite3(storeFile, { readonly: true, fileMustExist: true });
  try {
    const link = store.prepare('SELECT token FROM search_link WHERE id = 1').pluck().get();
    const highest = store.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'messages'").pluck().get();
    if (typeof link !== 'string') throw new Error(`${storeFile} has no search link (not migrated?)`);
    return { link, highestId: Number(highest ?? 0) };
  } finally {
    store.close();
  }
}

/** Why an existing search file cannot be used, or undefined when it can. */
function unusable(db: Database, facts: StoreFacts): string | undefined {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === 0) return 'new';
  if (version !== SEARCH_FILE_VERSION) return `layout ${version}, not ${SEARCH_FILE_VERSION}`;
  const state = db.prepare('SELECT indexed_to, link FROM search_state WHERE id = 1').get() as
    { indexed_to: number; link: string } | undefined;
  if (!state) return 'no mark';
  if (state.link !== facts.link) return 'made for another database';
  if (state.indexed_to > facts.highestId) return 'ahead of the messages (restored from a backup?)';
  return undefined;
}

function create(file: string, link: string): void {
  const db = new BetterSqlite3(file);
  try {
    db.pragma('journal_mode = WAL');
    // One transaction: a file with a layout version always has its mark.
    db.transaction(() => {
      db.exec(
        `CREATE VIRTUAL TABLE search_words USING fts5(body, grams, room, author, month,
           content='', contentless_delete=1, prefix='2',
           tokenize="unicode61 remove_diacritics 2 categories 'L* N* Co M*'");
         CREATE VIRTUAL TABLE search_grams USING fts5(body, room, author, month,
           content='', contentless_delete=1, tokenize='trigram case_sensitive 1');
         CREATE TABLE search_state (
           id INTEGER PRIMARY KEY CHECK (id = 1), indexed_to INTEGER NOT NULL, link TEXT NOT NULL);
         PRAGMA user_version = ${SEARCH_FILE_VERSION};`,
      );
      db.prepare('INSERT INTO search_state (id, indexed_to, link) VALUES (1, 0, ?)').run(link);
    })();
  } finally {
    db.close();
  }
}

export interface PreparedSearchFile {
  readonly file: string;
  /** Why the file was (re)built empty, or undefined when the existing one was kept. */
  readonly rebuilt: string | undefined;
}

/**
 * Checks the search file of `storeFile` and builds it empty when it cannot be used. Runs before
 * anything else opens it (the server's search adapter, at start).
 */
export function prepareSearchFile(storeFile: string): PreparedSearchFile {
  const file = searchFileOf(storeFile);
  const facts = storeFacts(storeFile);
  let why: string | undefined;
  try {
    const db = new BetterSqlite3(file);
    try {
      why = unusable(db, facts);
    } finally {
      db.close();
    }
  } catch (error) {
    why = `unreadable: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (why === undefined) return { file, rebuilt: undefined };
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  create(file, facts.link);
  return { file, rebuilt: why };
}

/**
 * Messages still to be indexed: queued changes, and kept messages above the mark (for the
 * benchmark and tests; opens both files read-only).
 */
export function searchBacklog(storeFile: string): number {
  const db = new BetterSqlite3(storeFile, { readonly: true });
  try {
    db.prepare(`ATTACH DATABASE ? AS ${SEARCH_SCHEMA}`).run(searchFileOf(storeFile));
    return db
      .prepare(
        `SELECT (SELECT count(*) FROM search_queue)
              + (SELECT count(*) FROM messages
                  WHERE kept = 1 AND id > (SELECT indexed_to FROM ${SEARCH_SCHEMA}.search_state))`,
      )
      .pluck()
      .get() as number;
  } finally {
    db.close();
  }
}
