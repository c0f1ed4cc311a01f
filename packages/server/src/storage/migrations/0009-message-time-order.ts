/**
 * Time bounds on history become bounds on sequence numbers, and the messages' (room, time) index
 * goes (docs/decisions/0017).
 *
 * That index cost about 40 % of the pages a commit of posts writes: posts spread over many rooms
 * touch one of its leaves per room in every commit, as they do one of the (room, seq) index
 * (bench/tools/wal-frames.ts: 733 pages for 900 posts in 200 rooms, 415 without it). In a room
 * whose message times never go backwards as sequence numbers rise, which is every room unless the
 * server's clock was set back or an archive brought older messages after newer ones, the first
 * message at or after a time is found by bisecting the sequence numbers on the (room, seq) index.
 * `rooms.times_in_order` says whether that holds (0: a time query reads the room's messages in
 * order instead), `rooms.last_message_at` is the latest time of any message the room had; each
 * message appended keeps both.
 *
 * Existing rooms get both from their messages, before the index is dropped.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../types.ts';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('rooms')
    .addColumn('last_message_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('rooms')
    .addColumn('times_in_order', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await sql`
    UPDATE rooms SET
      last_message_at = coalesce((SELECT max(m.created_at) FROM messages m WHERE m.room_id = rooms.id), 0),
      times_in_order = CASE WHEN EXISTS (
        SELECT 1 FROM (
          SELECT m.created_at < lag(m.created_at) OVER (ORDER BY m.seq) AS back
          FROM messages m WHERE m.room_id = rooms.id
        ) AS pairs WHERE pairs.back
      ) THEN 0 ELSE 1 END
  `.execute(db);
  await db.schema.dropIndex('messages_room_time').execute();
}
