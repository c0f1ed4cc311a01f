/**
 * Migration 0009 drops the messages' (room, time) index and gives every room the latest time of
 * its messages and whether their times are in order (docs/decisions/0017), read from the messages
 * a database made by 0008 holds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrateTo, migrateToLatest } from '../../src/storage/migrate.ts';
import { insertCategory, insertRoom, withMigrationDatabase } from './migration-rows.ts';

test('0009 reads each room’s latest time and time order from its messages, then drops the time index', () =>
  withMigrationDatabase(async ({ raw, db }) => {
    assert.equal((await migrateTo(db, 'sqlite', '0008-search-mark')).at(-1), '0008-search-mark');
    insertCategory(raw);
    const message = raw.prepare(
      "INSERT INTO messages (room_id, seq, author_id, created_at, kept, text) VALUES (?, ?, 'u1', ?, 1, 'x')",
    );
    // In order (equal times allowed), with a gap; out of order once; no messages at all.
    const room = (id: string, messages: readonly (readonly [seq: number, at: number])[]) => {
      insertRoom(raw, id, messages.at(-1)?.[0] ?? 0);
      for (const [seq, at] of messages) message.run(id, seq, at);
    };
    room('ordered', [
      [1, 100],
      [2, 200],
      [3, 200],
      [5, 400],
    ]);
    room('backwards', [
      [1, 100],
      [2, 300],
      [3, 250],
      [4, 500],
    ]);
    room('empty', []);
    const index = () =>
      raw.prepare("SELECT name FROM sqlite_master WHERE name = 'messages_room_time'").pluck().all();
    assert.deepEqual(index(), ['messages_room_time']);

    await migrateToLatest(db, 'sqlite');

    assert.deepEqual(
      raw.prepare('SELECT id, last_seq, last_message_at, times_in_order FROM rooms ORDER BY id').all(),
      [
        { id: 'backwards', last_seq: 4, last_message_at: 500, times_in_order: 0 },
        { id: 'empty', last_seq: 0, last_message_at: 0, times_in_order: 1 },
        { id: 'ordered', last_seq: 5, last_message_at: 400, times_in_order: 1 },
      ],
    );
    assert.deepEqual(index(), [], 'the time index is gone');
  }));
