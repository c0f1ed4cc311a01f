/**
 * Storage of saved filters and their matches (spec §4.9; migration 0006), written once with Kysely
 * for every dialect. `KyselyStoreOps` delegates here, so these queries live in one file.
 */
import type { Kysely, Selectable } from 'kysely';
import type { AlertFilter, AlertMatch } from '../domain/alerts.ts';
import type { Message } from '../domain/model.ts';
import { bool, int, num, toMessage } from './rows.ts';
import type { AlertFiltersTable, DB } from './schema.ts';

const strings = (json: string): string[] => {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
};

function toFilter(r: Selectable<AlertFiltersTable>): AlertFilter {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    keywords: strings(r.keywords),
    authors: strings(r.authors),
    mentions: bool(r.mentions),
    rooms: strings(r.rooms),
    notify: bool(r.notify),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

const fields = (f: AlertFilter) => ({
  name: f.name,
  keywords: JSON.stringify(f.keywords),
  authors: JSON.stringify(f.authors),
  mentions: int(f.mentions),
  rooms: JSON.stringify(f.rooms),
  notify: int(f.notify),
  updated_at: f.updatedAt,
});

export async function listAlertFilters(db: Kysely<DB>, userId?: string): Promise<AlertFilter[]> {
  let q = db.selectFrom('alert_filters').selectAll();
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map(toFilter);
}

export async function getAlertFilter(db: Kysely<DB>, id: string): Promise<AlertFilter | undefined> {
  const r = await db.selectFrom('alert_filters').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toFilter(r);
}

export async function insertAlertFilter(db: Kysely<DB>, f: AlertFilter): Promise<void> {
  await db
    .insertInto('alert_filters')
    .values({ id: f.id, user_id: f.userId, created_at: f.createdAt, ...fields(f) })
    .execute();
}

export async function updateAlertFilter(db: Kysely<DB>, f: AlertFilter): Promise<boolean> {
  const r = await db
    .updateTable('alert_filters')
    .set(fields(f))
    .where('id', '=', f.id)
    .where('user_id', '=', f.userId)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function deleteAlertFilter(db: Kysely<DB>, userId: string, id: string): Promise<boolean> {
  // Matches first: not every dialect's connection enforces the cascade.
  await db.deleteFrom('alert_matches').where('filter_id', '=', id).where('user_id', '=', userId).execute();
  const r = await db
    .deleteFrom('alert_filters')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return r.numDeletedRows > 0n;
}

export async function insertAlertMatches(
  db: Kysely<DB>,
  rows: readonly Omit<AlertMatch, 'id'>[],
): Promise<AlertMatch[]> {
  if (rows.length === 0) return [];
  // A filter deleted or a room deleted since the match was found: skip those rows.
  const filterIds = [...new Set(rows.map((r) => r.filterId))];
  const roomIds = [...new Set(rows.map((r) => r.roomId))];
  const liveFilters = new Set<string>();
  for (let i = 0; i < filterIds.length; i += 1000) {
    const found = await db
      .selectFrom('alert_filters')
      .select('id')
      .where('id', 'in', filterIds.slice(i, i + 1000))
      .execute();
    for (const f of found) liveFilters.add(f.id);
  }
  const liveRooms = new Set(
    (await db.selectFrom('rooms').select('id').where('id', 'in', roomIds).execute()).map((r) => r.id),
  );
  const keep = rows.filter((r) => liveFilters.has(r.filterId) && liveRooms.has(r.roomId));
  const out: AlertMatch[] = [];
  // 1,000 rows (6,000 parameters) a statement: under every dialect's limit, few round trips.
  for (let i = 0; i < keep.length; i += 1000) {
    const chunk = keep.slice(i, i + 1000);
    const ids = await db
      .insertInto('alert_matches')
      .values(
        chunk.map((r) => ({
          user_id: r.userId,
          filter_id: r.filterId,
          room_id: r.roomId,
          seq: r.seq,
          at: r.at,
        })),
      )
      .returning('id')
      .execute();
    chunk.forEach((r, j) => {
      const id = ids[j]?.id;
      if (id !== undefined) out.push({ ...r, id: num(id) });
    });
  }
  return out;
}

export async function listAlertMatches(
  db: Kysely<DB>,
  userId: string,
  page: { filterId?: string; before?: number; limit: number },
): Promise<(AlertMatch & { message: Message | undefined })[]> {
  let q = db
    .selectFrom('alert_matches as a')
    .leftJoin('messages as m', (j) =>
      j.onRef('m.room_id', '=', 'a.room_id').onRef('m.seq', '=', 'a.seq').on('m.kept', '=', 1),
    )
    .select([
      'a.id as a_id',
      'a.user_id as a_user_id',
      'a.filter_id as a_filter_id',
      'a.room_id as a_room_id',
      'a.seq as a_seq',
      'a.at as a_at',
    ])
    .selectAll('m')
    .where('a.user_id', '=', userId);
  if (page.filterId !== undefined) q = q.where('a.filter_id', '=', page.filterId);
  if (page.before !== undefined) q = q.where('a.id', '<', page.before);
  const rows = await q.orderBy('a.id', 'desc').limit(page.limit).execute();
  return rows.map((r) => {
    const { a_id, a_user_id, a_filter_id, a_room_id, a_seq, a_at, ...m } = r;
    return {
      id: num(a_id),
      userId: a_user_id,
      filterId: a_filter_id,
      roomId: a_room_id,
      seq: num(a_seq),
      at: num(a_at),
      message: m.id === null ? undefined : toMessage(m as Parameters<typeof toMessage>[0]),
    };
  });
}

export async function alertCursor(db: Kysely<DB>, userId: string): Promise<number> {
  const r = await db
    .selectFrom('alert_cursors')
    .select('last_seen')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return r ? num(r.last_seen) : 0;
}

export async function countAlertsAfter(
  db: Kysely<DB>,
  userId: string,
  afterId: number,
  cap: number,
): Promise<number> {
  const rows = await db
    .selectFrom('alert_matches')
    .select(['room_id', 'seq'])
    .distinct()
    .where('user_id', '=', userId)
    .where('id', '>', afterId)
    .limit(cap)
    .execute();
  return rows.length;
}

export async function advanceAlertCursor(
  db: Kysely<DB>,
  userId: string,
  id: number,
): Promise<{ lastSeen: number; changed: boolean }> {
  const current = await alertCursor(db, userId);
  const newest = await db
    .selectFrom('alert_matches')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('user_id', '=', userId)
    .executeTakeFirst();
  // Never past the newest alert the user has: a cursor from the future would hide new ones.
  const target = Math.min(id, newest?.id == null ? current : num(newest.id));
  if (target <= current) return { lastSeen: current, changed: false };
  await db
    .insertInto('alert_cursors')
    .values({ user_id: userId, last_seen: target })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ last_seen: target }))
    .execute();
  return { lastSeen: target, changed: true };
}
