/**
 * Topic feeds and keyword alerts (spec §4.9; docs/decisions/0007):
 *
 * - `alert_filters`: each user's saved filters (they roam with the user). Lists are JSON arrays.
 * - `alert_matches`: one row per (filter, message) that matched, a reference only: the text is read
 *   from `messages` when the feed is read, so removed or replaced messages never leak through it.
 *   The id is global and increasing: the feed pages by it and it doubles as each user's cursor.
 * - `alert_cursors`: the id of the last alert each user has seen.
 *
 * Rows go with their user, filter or room (foreign keys, cascade).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../types.ts';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const serial = dialect === 'sqlite' ? 'integer' : 'bigserial';

  await db.schema
    .createTable('alert_filters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('keywords', 'text', (c) => c.notNull())
    .addColumn('authors', 'text', (c) => c.notNull())
    .addColumn('mentions', 'integer', (c) => c.notNull())
    .addColumn('rooms', 'text', (c) => c.notNull())
    .addColumn('notify', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_filters_user').on('alert_filters').column('user_id').execute();

  await db.schema
    .createTable('alert_matches')
    .addColumn('id', serial, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('filter_id', 'text', (c) => c.notNull().references('alert_filters.id').onDelete('cascade'))
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_matches_user').on('alert_matches').columns(['user_id', 'id']).execute();
  await db.schema
    .createIndex('alert_matches_filter')
    .on('alert_matches')
    .columns(['filter_id', 'id'])
    .execute();
  await db.schema.createIndex('alert_matches_room').on('alert_matches').column('room_id').execute();

  await db.schema
    .createTable('alert_cursors')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('last_seen', 'bigint', (c) => c.notNull())
    .execute();
}
