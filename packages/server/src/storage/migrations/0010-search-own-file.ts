/**
 * The search index moves out of the messages' file into a file of its own (docs/decisions/0018,
 * docs/search.md). SQLite only, like 0003 and 0008.
 *
 * Before, the FTS5 tables and the indexer's mark lived here: every commit of the indexer took the
 * write lock the post lane needs, and emptied the lane's page cache. Now the search adapter keeps
 * them in `<name>.search.db` next to this file, and builds that file again from the messages
 * whenever it is missing or does not belong to this database (`search_link`); so this step drops
 * them, and the first start after it indexes every kept message again, in the background.
 *
 * What stays here is what must be written in the same transaction as a message: the queue of
 * changed and deleted messages. The triggers no longer remove index entries (they are in another
 * file); they queue the message, and queries leave queued messages out until the indexer has
 * replaced their entries, so removed or replaced text is still never found.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../types.ts';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'sqlite') return;
  const run = (statement: string) => sql.raw(statement).execute(db);

  await run('DROP VIEW search_backlog');
  await run('DROP TRIGGER search_message_removed');
  await run('DROP TRIGGER search_message_changed');
  await run('DROP TABLE search_words');
  await run('DROP TABLE search_grams');
  await run('DROP TABLE search_state');
  // Everything is indexed again from the messages themselves.
  await run('DELETE FROM search_queue');
  await run('CREATE TABLE search_link (id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL)');
  await run('INSERT INTO search_link (id, token) VALUES (1, lower(hex(randomblob(16))))');
  await run(
    `CREATE TRIGGER search_message_removed AFTER DELETE ON messages WHEN old.kept = 1 BEGIN
       INSERT OR IGNORE INTO search_queue (id) VALUES (old.id);
     END`,
  );
  await run(
    `CREATE TRIGGER search_message_changed
       AFTER UPDATE OF text, story_title, kept, room_id, author_id ON messages
       WHEN old.kept = 1 OR new.kept = 1 BEGIN
       INSERT OR IGNORE INTO search_queue (id) VALUES (new.id);
     END`,
  );
}
