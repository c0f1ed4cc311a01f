/**
 * The core schema: directory, policies, settings, categories, rooms, roles, messages, compliance,
 * audit and sessions. Written with Kysely's schema builder so that it runs on SQLite and
 * PostgreSQL; the only dialect difference is how an auto-increment key is spelt.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../types.ts';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const serial = dialect === 'sqlite' ? 'integer' : 'bigserial';
  const nocase = (col: string) =>
    dialect === 'sqlite' ? sql`${sql.ref(col)} collate nocase` : sql`lower(${sql.ref(col)})`;

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('sip_uri', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('users_username').unique().on('users').expression(nocase('username')).execute();
  await db.schema.createIndex('users_sip_uri').unique().on('users').expression(nocase('sip_uri')).execute();

  await db.schema
    .createTable('groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('groups_name').unique().on('groups').expression(nocase('name')).execute();

  await db.schema
    .createTable('group_members')
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('member', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'member'])
    .execute();
  await db.schema.createIndex('group_members_member').on('group_members').column('member').execute();

  await db.schema
    .createTable('policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('chat_enabled', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('policies_name').unique().on('policies').expression(nocase('name')).execute();

  await db.schema
    .createTable('policy_assignments')
    .addColumn('principal', 'text', (c) => c.primaryKey())
    .addColumn('policy_id', 'text', (c) => c.notNull().references('policies.id').onDelete('cascade'))
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('categories')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('invitations', 'integer', (c) => c.notNull())
    .addColumn('file_upload', 'integer', (c) => c.notNull())
    .addColumn('chat_history', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('categories_name')
    .unique()
    .on('categories')
    .expression(nocase('name'))
    .execute();

  await db.schema
    .createTable('category_principals')
    .addColumn('category_id', 'text', (c) => c.notNull().references('categories.id').onDelete('cascade'))
    .addColumn('list', 'text', (c) => c.notNull())
    .addColumn('principal', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('category_principals_pk', ['category_id', 'list', 'principal'])
    .execute();

  await db.schema
    .createTable('addins')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('addins_name').unique().on('addins').expression(nocase('name')).execute();

  await db.schema
    .createTable('rooms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('category_id', 'text', (c) => c.notNull().references('categories.id'))
    .addColumn('privacy', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('invitations', 'text', (c) => c.notNull())
    .addColumn('addin_id', 'text', (c) => c.references('addins.id').onDelete('set null'))
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('purged_at', 'bigint')
    .execute();
  await db.schema.createIndex('rooms_name').unique().on('rooms').expression(nocase('name')).execute();
  await db.schema.createIndex('rooms_category').on('rooms').column('category_id').execute();

  await db.schema
    .createTable('room_roles')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('principal', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('room_roles_pk', ['room_id', 'role', 'principal'])
    .execute();
  await db.schema.createIndex('room_roles_principal').on('room_roles').column('principal').execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', serial, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('client_msg_id', 'text')
    .addColumn('kept', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('alert', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('story_title', 'text')
    .addColumn('rtf', 'text')
    .execute();
  await db.schema
    .createIndex('messages_room_seq')
    .unique()
    .on('messages')
    .columns(['room_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('messages_room_time')
    .on('messages')
    .columns(['room_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('messages_client_id')
    .unique()
    .on('messages')
    .columns(['room_id', 'author_id', 'client_msg_id'])
    .where(sql.ref('client_msg_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('compliance_events')
    .addColumn('id', serial, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('room_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('message_seq', 'bigint')
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', serial, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
}
