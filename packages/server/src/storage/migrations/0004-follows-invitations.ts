/**
 * Following and invitations (spec §4.7, §4.12, §2.13; docs/decisions/0005):
 *
 * - `follows`: one row per (user, room) the user follows, with the sequence number of the last
 *   message they have read. Unread counts are computed from `messages` through its (room_id, seq)
 *   index, so nothing is updated when a message is posted.
 * - `invitations`: one row per (user, room) whose access was newly granted while the room's
 *   invitations were in effect. The id is global and increasing, so it doubles as each user's
 *   cursor ("new since the last seen invitation").
 * - `invitation_cursors`: the id of the last invitation each user has seen (set by the client).
 *
 * Rows of a deleted room go with it (foreign keys, cascade).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../types.ts';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const serial = dialect === 'sqlite' ? 'integer' : 'bigserial';

  await db.schema
    .createTable('follows')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('last_read_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('follows_pk', ['user_id', 'room_id'])
    .execute();
  await db.schema.createIndex('follows_room').on('follows').column('room_id').execute();

  await db.schema
    .createTable('invitations')
    .addColumn('id', serial, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('invitations_user_room')
    .unique()
    .on('invitations')
    .columns(['user_id', 'room_id'])
    .execute();
  await db.schema.createIndex('invitations_user_id').on('invitations').columns(['user_id', 'id']).execute();
  await db.schema.createIndex('invitations_room').on('invitations').column('room_id').execute();

  await db.schema
    .createTable('invitation_cursors')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('last_seen', 'bigint', (c) => c.notNull())
    .execute();
}
