/**
 * Migration 0009 drops the messages' (room, time) index and gives every room the latest time of
 * its messages and whether their times are in order (docs/decisions/0017), read from the messages
 * a database made by 0008 holds.
 */
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { migrateTo, migrateToLatest } from '../../src/storage/migrate.ts';
import { insertCategory, insertRoom } from './migration-rows.ts';

test('0009 reads each room’s latest time and time order from its messages, then drops the time index', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stoa-mig-'));
  const raw = new BetterSqlite3(join(dir, 'stoa.db'));
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
  try {
    assert.equal((await migrateTo(db, 'sqlite', '0008-search-mark')).at(-1), '0008-search-mark');
    insertCategory(raw);
    const message = raw.prepare(
      "INSERT INTO messages (room_id, seq, author_id, created_at, kept, text) VALUES (?, ?, 'u1', ?, 1, 'x')",
    );
    // In order (equal times allowed), with a gap; out of order once; no messages at all.
    insertRoom(raw, 'ordered', 5);
    for (const [seq, at] of [
      [1, 100],
      [2, 200],
      [3, 200],
      [5, 400],
    ] as const)
      message.run('ordered', seq, at);
    insertRoom(raw, 'backwards', 4);
    for (const [seq, at] of [
      [1, 100],
      [2, 300],
      [3, 250],
      [4, 500],
    ] as const)
      message.run('backwards', seq, at);
    insertRoom(raw, 'empty', 0);
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
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
