/**
 * `alert_matches` becomes one table with one index (docs/decisions/0007, "Storage cost").
 *
 * A busy server stores about one match for every two posts (issue #4's benchmark). Each match
 * went into four B-trees (the table, and indexes by user, by filter and by room) and was checked
 * against three foreign keys. The filter index is the costly one: matches of 10,000 filters land
 * on as many different index pages, so a 20 ms batch of a hundred matches dirtied a hundred more
 * pages, each written to the WAL and synced. Now: the table, and `(user_id, id)` for the feed.
 *
 * - Matches of a deleted filter are deleted by the action that deletes it (by user, then filter:
 *   the user index serves it), of a deleted room by `deleteRoom` (a scan: rooms are rarely
 *   deleted). Users are never deleted (they are disabled).
 * - Paging one filter's matches walks the user's matches (the feed is per user).
 * - No foreign keys: the store checks, in the transaction that inserts them, that the filter and
 *   the room still exist (alert-ops.ts).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../types.ts';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'sqlite') {
    // Other dialects can drop constraints in place.
    await db.schema.dropIndex('alert_matches_filter').ifExists().execute();
    await db.schema.dropIndex('alert_matches_room').ifExists().execute();
    for (const c of [
      'alert_matches_user_id_fkey',
      'alert_matches_filter_id_fkey',
      'alert_matches_room_id_fkey',
    ])
      await sql`ALTER TABLE alert_matches DROP CONSTRAINT IF EXISTS ${sql.id(c)}`.execute(db);
    return;
  }
  // SQLite cannot drop a foreign key: rebuild the table, keeping ids (and so every cursor).
  await sql`CREATE TABLE alert_matches_lean (
    id integer PRIMARY KEY AUTOINCREMENT,
    user_id text NOT NULL,
    filter_id text NOT NULL,
    room_id text NOT NULL,
    seq bigint NOT NULL,
    at bigint NOT NULL
  )`.execute(db);
  await sql`INSERT INTO alert_matches_lean (id, user_id, filter_id, room_id, seq, at)
    SELECT id, user_id, filter_id, room_id, seq, at FROM alert_matches ORDER BY id`.execute(db);
  // Ids are never reused, even those of matches deleted at the top: carry the counter over.
  await sql`DELETE FROM sqlite_sequence WHERE name = 'alert_matches_lean'`.execute(db);
  await sql`INSERT INTO sqlite_sequence (name, seq)
    SELECT 'alert_matches_lean', seq FROM sqlite_sequence WHERE name = 'alert_matches'`.execute(db);
  await db.schema.dropTable('alert_matches').execute();
  await sql`ALTER TABLE alert_matches_lean RENAME TO alert_matches`.execute(db);
  await db.schema.createIndex('alert_matches_user').on('alert_matches').columns(['user_id', 'id']).execute();
}
