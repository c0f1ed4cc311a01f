/**
 * History search (docs/search.md), SQLite: two contentless FTS5 indexes over kept messages and a
 * queue that keeps them in step with the messages table.
 *
 * - `search_words` (unicode61, accents removed, combining marks kept inside words, 2-letter
 *   prefix index): words, phrases and prefixes in `body`; one- and two-character grams of scripts
 *   without spaces in `grams`.
 * - `search_grams` (trigram, over text already folded to lower case without accents): substrings
 *   of three characters or more, in any script.
 * Both carry the room, the author and the month posted as one token each (`room`, `author`,
 * `month`; search/text.ts), so that the index itself can restrict a query to some rooms, people
 * or months.
 *
 * (Since 0008, new messages are no longer queued: the indexer finds them above a mark.)
 *
 * Triggers on `messages` run inside the writing transaction. Deleting or changing a message
 * removes it from both indexes at once, so removed or replaced text can never be found; a new or
 * changed kept message is queued in `search_queue`, and the search adapter indexes the queue in
 * batches (FTS5 writes cost several times more one row at a time, because every savepoint flushes
 * its buffer) and always before it answers a query. Messages of categories without history
 * (`kept = 0`) are never indexed. Existing messages are queued here and indexed at start-up.
 *
 * PostgreSQL: nothing yet. Its search adapter will bring its own migration (tsvector + GIN for
 * words, pg_trgm GIN for substrings) when the PostgreSQL store arrives.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../types.ts';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'sqlite') return;
  const run = (statement: string) => sql.raw(statement).execute(db);

  await run('CREATE TABLE search_queue (id INTEGER PRIMARY KEY)');
  await run(
    `CREATE VIRTUAL TABLE search_words USING fts5(body, grams, room, author, month,
       content='', contentless_delete=1, prefix='2',
       tokenize="unicode61 remove_diacritics 2 categories 'L* N* Co M*'")`,
  );
  await run(
    `CREATE VIRTUAL TABLE search_grams USING fts5(body, room, author, month,
       content='', contentless_delete=1, tokenize='trigram case_sensitive 1')`,
  );
  await run(
    `CREATE TRIGGER search_message_added AFTER INSERT ON messages WHEN new.kept = 1 BEGIN
       INSERT OR IGNORE INTO search_queue (id) VALUES (new.id);
     END`,
  );
  await run(
    `CREATE TRIGGER search_message_removed AFTER DELETE ON messages WHEN old.kept = 1 BEGIN
       DELETE FROM search_words WHERE rowid = old.id;
       DELETE FROM search_grams WHERE rowid = old.id;
       DELETE FROM search_queue WHERE id = old.id;
     END`,
  );
  await run(
    `CREATE TRIGGER search_message_changed
       AFTER UPDATE OF text, story_title, kept, room_id, author_id ON messages BEGIN
       DELETE FROM search_words WHERE old.kept = 1 AND rowid = old.id;
       DELETE FROM search_grams WHERE old.kept = 1 AND rowid = old.id;
       DELETE FROM search_queue WHERE new.kept = 0 AND id = old.id;
       INSERT OR IGNORE INTO search_queue (id) SELECT new.id WHERE new.kept = 1;
     END`,
  );
  await run('INSERT INTO search_queue (id) SELECT id FROM messages WHERE kept = 1');
}
