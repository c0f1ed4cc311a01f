/**
 * Saved filters ("topic feeds") and keyword alerts (spec §4.9; docs/decisions/0007). Filters are
 * stored on the server so they roam; every change is published to all the user's connections and
 * to the alert engine (alerts/engine.ts), which evaluates them against new messages.
 *
 * Reading the feed returns message text from history: like a search, it records one BACKCHAT
 * compliance event when it returns anything.
 */
import type { WireAlert, WireFilter } from '@stoa/protocol';
import type { RoomView, UserSubject } from '../access/access-state.ts';
import { rulesOf } from '../access/access-room.ts';
import { compileKeyword } from '../alerts/matcher.ts';
import { ALERT_LIMITS, type AlertFilter } from '../domain/alerts.ts';
import { fail, notFound } from '../domain/errors.ts';
import type { Actor } from '../domain/model.ts';
import { roomRights } from '../domain/permissions.ts';
import { messageToWire } from '../live/wire.ts';
import { resolvePrincipal } from './principals.ts';
import { subjectOf, transact, type ActionContext } from './context.ts';

export interface FilterInput {
  readonly name: string;
  readonly keywords?: readonly string[];
  /** Usernames, SIP URIs, `user:` or `u:` references. */
  readonly authors?: readonly string[];
  readonly mentions?: boolean;
  readonly rooms?: readonly string[];
  readonly notify?: boolean;
}

export function filterToWire(f: AlertFilter): WireFilter {
  return {
    id: f.id,
    name: f.name,
    keywords: [...f.keywords],
    authors: f.authors.map((a) => `u:${a}`),
    mentions: f.mentions,
    rooms: [...f.rooms],
    notify: f.notify,
    createdAt: f.createdAt,
    updatedAt: f.updatedAt,
  };
}

async function userSubject(ctx: ActionContext, actor: Actor): Promise<UserSubject> {
  const subject = await subjectOf(ctx, actor);
  if (!subject) fail('forbidden', 'filters belong to signed-in users');
  return subject;
}

const limit = (what: string, n: number, max: number) => {
  if (n > max) fail('limit_exceeded', `at most ${max} ${what}`, { limit: max });
};

/** Checks and normalises a filter: keywords folded to something matchable, authors and rooms resolved. */
async function prepare(
  ctx: ActionContext,
  subject: UserSubject,
  input: FilterInput,
): Promise<Omit<AlertFilter, 'id' | 'userId' | 'createdAt' | 'updatedAt'>> {
  const name = input.name.trim();
  if (name === '' || name.length > ALERT_LIMITS.nameChars)
    fail('validation_failed', `name: 1 to ${ALERT_LIMITS.nameChars} characters`);
  const keywords = [...new Set((input.keywords ?? []).map((k) => k.trim().replace(/\s+/gu, ' ')))];
  limit('keywords in a filter', keywords.length, ALERT_LIMITS.keywordsPerFilter);
  for (const k of keywords) {
    if (k.length > ALERT_LIMITS.keywordChars)
      fail('validation_failed', `keywords are limited to ${ALERT_LIMITS.keywordChars} characters`);
    if (!compileKeyword(k))
      fail('validation_failed', `keyword has no letters or digits: ${JSON.stringify(k)}`);
  }
  limit('authors in a filter', input.authors?.length ?? 0, ALERT_LIMITS.authorsPerFilter);
  const authors = new Set<string>();
  for (const a of input.authors ?? []) {
    const ref = await resolvePrincipal(ctx.store.read, a);
    if (!ref.startsWith('u:')) fail('validation_failed', `author must be a user: ${a}`);
    authors.add(ref.slice(2));
  }
  const rooms = [...new Set(input.rooms ?? [])];
  limit('rooms in a filter', rooms.length, ALERT_LIMITS.roomsPerFilter);
  for (const roomId of rooms) {
    // A room the user may not read looks missing: filters cannot probe for rooms.
    const view = await ctx.access.room(roomId);
    if (!view || !roomRights(subject, rulesOf(view)).read) notFound('room');
  }
  const mentions = input.mentions ?? false;
  if (keywords.length === 0 && !mentions && authors.size === 0 && rooms.length === 0)
    fail('validation_failed', 'a filter needs keywords, mentions, authors or rooms');
  return { name, keywords, authors: [...authors], mentions, rooms, notify: input.notify ?? true };
}

/** Creates a filter (`id` undefined) or replaces one of the user's filters. */
export async function doSaveFilter(
  ctx: ActionContext,
  actor: Actor,
  input: FilterInput,
  id?: string,
): Promise<WireFilter> {
  const subject = await userSubject(ctx, actor);
  const fields = await prepare(ctx, subject, input);
  const at = ctx.clock();
  return transact(ctx, async (tx, emit) => {
    let filter: AlertFilter;
    if (id === undefined) {
      const count = (await tx.listAlertFilters(subject.userId)).length;
      limit('filters per user', count + 1, ALERT_LIMITS.filtersPerUser);
      filter = { id: ctx.newId(), userId: subject.userId, createdAt: at, updatedAt: at, ...fields };
      await tx.insertAlertFilter(filter);
    } else {
      const existing = await tx.getAlertFilter(id);
      if (existing?.userId !== subject.userId) notFound('filter');
      filter = { ...existing, ...fields, updatedAt: at };
      await tx.updateAlertFilter(filter);
    }
    const wire = filterToWire(filter);
    emit({ kind: 'user.event', userId: subject.userId, event: { type: 'filter', filter: wire } });
    return wire;
  });
}

export async function doDeleteFilter(ctx: ActionContext, actor: Actor, id: string): Promise<void> {
  const subject = await userSubject(ctx, actor);
  await transact(ctx, async (tx, emit) => {
    if (!(await tx.deleteAlertFilter(subject.userId, id))) notFound('filter');
    emit({ kind: 'user.event', userId: subject.userId, event: { type: 'filterDeleted', filter: id } });
  });
}

export async function listFilters(ctx: ActionContext, actor: Actor): Promise<WireFilter[]> {
  const subject = await userSubject(ctx, actor);
  return (await ctx.store.read.listAlertFilters(subject.userId)).map(filterToWire);
}

export async function getFilter(ctx: ActionContext, actor: Actor, id: string): Promise<WireFilter> {
  const subject = await userSubject(ctx, actor);
  const filter = await ctx.store.read.getAlertFilter(id);
  if (filter?.userId !== subject.userId) notFound('filter');
  return filterToWire(filter);
}

export interface AlertPage {
  /** Newest first; one entry per message, with every filter of the user that matched it. */
  readonly alerts: WireAlert[];
  /** The `before` of the next page, or null. */
  readonly next: number | null;
  /** The last alert id the user has seen. */
  readonly lastSeen: number;
}

/**
 * A page of the user's past matches (all filters, or one), newest first. Only messages still kept,
 * in rooms the user may read now, are shown, with their text as stored now: a removed message
 * drops out, a replaced one shows its replacement.
 */
export async function doReadAlerts(
  ctx: ActionContext,
  actor: Actor,
  input: { filter?: string; before?: number; limit?: number },
): Promise<AlertPage> {
  const subject = await userSubject(ctx, actor);
  const read = ctx.store.read;
  const filters = new Map((await read.listAlertFilters(subject.userId)).map((f) => [f.id, f]));
  if (input.filter !== undefined && !filters.has(input.filter)) notFound('filter');
  const size = Math.min(Math.max(1, input.limit ?? ALERT_LIMITS.pageDefault), ALERT_LIMITS.pageMax);
  const lastSeen = await read.alertCursor(subject.userId);

  const views = new Map<string, RoomView | undefined>();
  const readable = async (roomId: string) => {
    if (!views.has(roomId)) views.set(roomId, await ctx.access.room(roomId));
    const view = views.get(roomId);
    return view && view.category.chatHistory && roomRights(subject, rulesOf(view)).read ? view : undefined;
  };
  const out: (WireAlert & { firstId: number })[] = [];
  let before = input.before;
  let exhausted = false;
  let full = false;
  for (let round = 0; round < 5 && !full && !exhausted; round++) {
    const want = size * 2 + 10;
    const rows = await read.listAlertMatches(subject.userId, {
      ...(input.filter !== undefined ? { filterId: input.filter } : {}),
      ...(before !== undefined ? { before } : {}),
      limit: want,
    });
    exhausted = rows.length < want;
    for (const row of rows) {
      const last = out[out.length - 1];
      const filter = filters.get(row.filterId);
      if (last && last.room.id === row.roomId && last.message.seq === row.seq) {
        // The same message matched several filters (rows stored together, adjacent ids).
        if (filter) last.filters.push({ id: filter.id, name: filter.name });
        last.firstId = row.id;
        before = row.id;
        continue;
      }
      if (out.length === size) {
        full = true;
        exhausted = false;
        break;
      }
      before = row.id;
      const view = row.message && filter ? await readable(row.roomId) : undefined;
      if (!view || !row.message || !filter) continue;
      out.push({
        id: row.id,
        firstId: row.id,
        filters: [{ id: filter.id, name: filter.name }],
        room: { id: view.room.id, name: view.room.name },
        message: messageToWire(row.message),
      });
    }
  }
  const alerts: WireAlert[] = out.map(({ firstId: _f, ...a }) => ({ ...a, filters: a.filters.reverse() }));
  const next = exhausted ? null : (out[out.length - 1]?.firstId ?? before ?? null);

  if (alerts.length > 0) {
    const at = ctx.clock();
    const rooms = new Set(alerts.map((a) => a.room.id));
    const only = rooms.size === 1 ? [...rooms][0] : undefined;
    await transact(ctx, (tx) =>
      tx.recordCompliance({
        kind: 'BACKCHAT',
        at,
        roomId: only ?? null,
        userId: subject.userId,
        messageSeq: null,
        content: '',
        details: {
          alerts: input.filter ?? 'all',
          count: alerts.length,
          rooms: [...rooms],
          messages: alerts.map((a) => ({ room: a.room.id, seq: a.message.seq })),
        },
      }),
    );
  }
  return { alerts, next, lastSeen };
}

/** Every alert up to `id` is seen: forwards only, never past the newest; told to every connection. */
export async function doMarkAlertsSeen(
  ctx: ActionContext,
  actor: Actor,
  id: number,
): Promise<{ lastSeen: number }> {
  const subject = await userSubject(ctx, actor);
  return transact(ctx, async (tx, emit) => {
    const { lastSeen, changed } = await tx.advanceAlertCursor(subject.userId, id);
    if (changed)
      emit({ kind: 'user.event', userId: subject.userId, event: { type: 'alertsSeen', lastSeen } });
    return { lastSeen };
  });
}

/** For `hello`: distinct alerts after the cursor (up to 1000) and the cursor. */
export async function unseenAlerts(
  ctx: ActionContext,
  userId: string,
): Promise<{ unseen: number; lastSeen: number }> {
  const lastSeen = await ctx.store.read.alertCursor(userId);
  return { unseen: await ctx.store.read.countAlertsAfter(userId, lastSeen, 1000), lastSeen };
}
