/**
 * Migration 0008 replaces the queue row of every new message by a mark: on a database made by
 * 0007, what was queued stays queued, the mark starts at the highest id ever given out, new
 * messages are no longer queued but are in the backlog, and only changes below the mark queue.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrateTo } from '../../src/storage/migrate.ts';
import { insertCategory, insertRoom, withMigrationDatabase } from './migration-rows.ts';

test('0008 keeps the queue, starts the mark at the last id given out, and stops queueing new messages', () =>
  withMigrationDatabase(async ({ raw, db }) => {
    assert.deepEqual(
      (await migrateTo(db, 'sqlite', '0007-alert-matches-lean')).at(-1),
      '0007-alert-matches-lean',
    );
    insertCategory(raw);
    insertRoom(raw, 'r1');
    const insert = raw.prepare(
      "INSERT INTO messages (room_id, seq, author_id, created_at, kept, text) VALUES ('r1', ?, 'u1', 1, ?, ?)",
    );
    for (let seq = 1; seq <= 5; seq++) insert.run(seq, seq === 4 ? 0 : 1, `message ${seq}`);
    raw.exec('DELETE FROM search_queue WHERE id = 1'); // indexed already
    raw.exec('DELETE FROM messages WHERE id = 5'); // the id counter stays at 5
    const ids = (sql: string) => raw.prepare(sql).pluck().all();
    assert.deepEqual(ids('SELECT id FROM search_queue ORDER BY id'), [2, 3]);

    await migrateTo(db, 'sqlite', '0008-search-mark');

    assert.deepEqual(ids('SELECT indexed_to FROM search_state'), [5]);
    assert.deepEqual(ids('SELECT id FROM search_queue ORDER BY id'), [2, 3], 'what was queued stays queued');
    assert.deepEqual(ids('SELECT id FROM search_backlog ORDER BY id'), [2, 3]);

    insert.run(6, 1, 'message 6');
    insert.run(7, 0, 'message 7, not kept');
    assert.deepEqual(ids('SELECT id FROM search_queue ORDER BY id'), [2, 3], 'new messages are not queued');
    assert.deepEqual(ids('SELECT id FROM search_backlog ORDER BY id'), [2, 3, 6]);

    raw.exec("UPDATE messages SET text = 'changed' WHERE id IN (1, 6)");
    assert.deepEqual(
      ids('SELECT id FROM search_queue ORDER BY id'),
      [1, 2, 3],
      'a change below the mark queues the message again; above it, the mark will reach it',
    );
    raw.exec('DELETE FROM messages WHERE id = 2');
    assert.deepEqual(ids('SELECT id FROM search_backlog ORDER BY id'), [1, 3, 6]);
  }));
