/**
 * Migration 0007 rebuilds `alert_matches` on SQLite: a database that already holds matches keeps
 * every row and id, never reuses an id, and loses the foreign keys and the filter and room indexes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withMigrationDatabase } from './migration-rows.ts';
import { migrateTo, migrateToLatest } from '../../src/storage/migrate.ts';

test('0007 keeps every alert match and its id, and the id counter, on a database made by 0006', () =>
  withMigrationDatabase(async ({ raw, db }) => {
    assert.deepEqual((await migrateTo(db, 'sqlite', '0006-alerts')).at(-1), '0006-alerts');
    raw.pragma('foreign_keys = ON');
    raw.exec(`
      INSERT INTO users (id, username, display_name, email, sip_uri, is_admin, disabled, created_at, password_hash)
        VALUES ('u1', 'ann', 'Ann', NULL, 'sip:ann@x', 0, 0, 1, NULL);
      INSERT INTO categories (id, name, description, invitations, file_upload, chat_history, created_at, updated_at)
        VALUES ('c1', 'C', '', 0, 0, 1, 1, 1);
      INSERT INTO rooms (id, name, description, category_id, privacy, type, invitations, addin_id, disabled, last_seq, created_at, created_by, updated_at)
        VALUES ('r1', 'R', '', 'c1', 'open', 'normal', 'inherit', NULL, 0, 0, 1, 'ann', 1);
      INSERT INTO alert_filters (id, user_id, name, keywords, authors, mentions, rooms, notify, created_at, updated_at)
        VALUES ('f1', 'u1', 'F', '[]', '[]', 1, '[]', 1, 1, 1);
    `);
    const insert = raw.prepare(
      "INSERT INTO alert_matches (user_id, filter_id, room_id, seq, at) VALUES ('u1', 'f1', 'r1', ?, ?)",
    );
    for (let seq = 1; seq <= 5; seq++) insert.run(seq, 1000 + seq);
    raw.exec('DELETE FROM alert_matches WHERE id = 5'); // the counter stays at 5
    const before = raw.prepare('SELECT * FROM alert_matches ORDER BY id').all();

    await migrateToLatest(db, 'sqlite');

    assert.deepEqual(raw.prepare('SELECT * FROM alert_matches ORDER BY id').all(), before);
    const indexes = raw
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'alert_matches' ORDER BY name",
      )
      .pluck()
      .all();
    assert.deepEqual(indexes, ['alert_matches_user']);
    assert.deepEqual(raw.prepare('PRAGMA foreign_key_list(alert_matches)').all(), []);
    const next = raw
      .prepare(
        "INSERT INTO alert_matches (user_id, filter_id, room_id, seq, at) VALUES ('u1', 'f1', 'r1', 9, 9)",
      )
      .run();
    assert.equal(Number(next.lastInsertRowid), 6, 'id 5 is not given out again');
    assert.equal(
      raw.prepare("SELECT count(*) FROM sqlite_sequence WHERE name LIKE 'alert_matches%'").pluck().get(),
      1,
    );
  }));
