/**
 * New messages reach the search index through a mark instead of a queue row (docs/search.md,
 * "Indexing"). SQLite only, like 0003.
 *
 * Before, a trigger queued every new kept message in `search_queue` inside the posting
 * transaction: a second B-tree insert, and a trigger program, on every post (about a quarter of
 * the message insert's cost; bench/tools/sqlite-insert-variants.ts). Message ids only grow
 * (AUTOINCREMENT, one writer at a time), so "every message above `search_state.indexed_to`" says
 * the same without any write: the indexer reads them, indexes the kept ones and moves the mark in
 * the same transaction.
 *
 * `search_queue` stays for messages changed once the mark has passed them (their index entries
 * are removed by the trigger at once, and they are indexed again from the queue). A change to a
 * message above the mark needs nothing: the indexer reads its current row when the mark reaches
 * it. `search_backlog` lists what is still to be indexed, either way.
 *
 * The mark starts at the highest id ever given out: every kept message up to it is either indexed
 * or still in the queue, where the old trigger put it.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../types.ts';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'sqlite') return;
  const run = (statement: string) => sql.raw(statement).execute(db);

  await run('CREATE TABLE search_state (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_to INTEGER NOT NULL)');
  await run(
    `INSERT INTO search_state (id, indexed_to)
       VALUES (1, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0))`,
  );
  await run('DROP TRIGGER search_message_added');
  await run('DROP TRIGGER search_message_changed');
  await run(
    `CREATE TRIGGER search_message_changed
       AFTER UPDATE OF text, story_title, kept, room_id, author_id ON messages BEGIN
       DELETE FROM search_words WHERE old.kept = 1 AND rowid = old.id;
       DELETE FROM search_grams WHERE old.kept = 1 AND rowid = old.id;
       DELETE FROM search_queue WHERE new.kept = 0 AND id = old.id;
       INSERT OR IGNORE INTO search_queue (id)
         SELECT new.id WHERE new.kept = 1 AND new.id <= (SELECT indexed_to FROM search_state);
     END`,
  );
  await run(
    `CREATE VIEW search_backlog AS
       SELECT id FROM search_queue
       UNION ALL
       SELECT id FROM messages WHERE kept = 1 AND id > (SELECT indexed_to FROM search_state)`,
  );
}
