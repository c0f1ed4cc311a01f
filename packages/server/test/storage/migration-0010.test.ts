/**
 * Migration 0010 moves the search index out of the messages' file: on a database made by 0009,
 * the index tables, the mark and the backlog view are gone, the queue is empty (everything is
 * indexed again), the database has a link for its search file, and changes and deletions of kept
 * messages are queued whatever their id. The search adapter then builds the search file and
 * indexes every kept message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQuery } from '../../src/search/query.ts';
import { searchBacklog } from '../../src/search/sqlite/search-file.ts';
import { openSqliteSearch } from '../../src/search/sqlite/sqlite-search.ts';
import { migrateTo } from '../../src/storage/migrate.ts';
import { insertCategory, insertRoom, withMigrationDatabase } from './migration-rows.ts';

test('0010 drops the index from the messages file, queues every change, and the history is indexed again', () =>
  withMigrationDatabase(async ({ file, raw, db }) => {
    await migrateTo(db, 'sqlite', '0009-message-time-order');
    insertCategory(raw);
    insertRoom(raw, 'r1');
    const insert = raw.prepare(
      "INSERT INTO messages (room_id, seq, author_id, created_at, kept, text) VALUES ('r1', ?, 'u1', 1, ?, ?)",
    );
    for (let seq = 1; seq <= 4; seq++) insert.run(seq, seq === 4 ? 0 : 1, `pelican ${seq}`);
    raw.exec('UPDATE search_state SET indexed_to = 4'); // as if the indexer had passed them
    raw.exec("UPDATE messages SET text = 'pelican 1, changed' WHERE id = 1"); // below the mark: queued
    const ids = (sql: string) => raw.prepare(sql).pluck().all();
    assert.deepEqual(ids('SELECT id FROM search_queue'), [1]);

    assert.equal((await migrateTo(db, 'sqlite')).at(-1), '0010-search-own-file');
    const names = ids("SELECT name FROM sqlite_master WHERE name LIKE 'search%' ORDER BY name");
    assert.deepEqual(names, [
      'search_link',
      'search_message_changed',
      'search_message_removed',
      'search_queue',
    ]);
    assert.deepEqual(ids('SELECT id FROM search_queue'), [], 'everything is indexed again anyway');
    assert.match(String(ids('SELECT token FROM search_link')[0]), /^[0-9a-f]{32}$/);

    insert.run(5, 1, 'pelican 5');
    raw.exec("UPDATE messages SET text = 'pelican 5, changed' WHERE id = 5");
    raw.exec("UPDATE messages SET text = 'not kept, changed' WHERE id = 4");
    raw.exec('DELETE FROM messages WHERE id = 2');
    assert.deepEqual(
      ids('SELECT id FROM search_queue ORDER BY id'),
      [2, 5],
      'changes and deletions of kept messages are queued, new or old; never-kept ones are not',
    );
    await db.destroy();

    const search = await openSqliteSearch({ file });
    try {
      assert.equal(search.rebuilt, 'new');
      assert.equal(searchBacklog(file), 0);
      const page = await search.search({ terms: parseQuery('pelican'), rooms: ['r1'], limit: 10 });
      assert.deepEqual(
        page.messages.map((m) => m.text),
        ['pelican 5, changed', 'pelican 3', 'pelican 1, changed'],
      );
    } finally {
      await search.close();
    }
  }));
