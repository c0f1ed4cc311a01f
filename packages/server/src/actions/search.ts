/**
 * History search (spec §4.8): within rooms or across every room the user may read, by words,
 * phrases, prefixes and substrings (search/query.ts), authors and dates, newest first, in pages.
 * A search that returns messages is a history retrieval: it records one BACKCHAT compliance event
 * (spec §5.2), in its own transaction, before the results are handed out.
 */
import type { RoomAccess } from '../access/access-room.ts';
import { fail } from '../domain/errors.ts';
import type { Actor, Message } from '../domain/model.ts';
import { SearchScope } from '../queries/search.ts';
import { parseQuery } from '../search/query.ts';
import type { SearchIndex } from '../search/types.ts';
import { resolvePrincipal } from './principals.ts';
import { subjectOf, transact, type ActionContext } from './context.ts';

export const DEFAULT_SEARCH_PAGE = 50;
export const MAX_SEARCH_PAGE = 200;
/** At most this many rooms or authors named in one search. */
export const MAX_SEARCH_FILTER = 100;

export interface SearchInput {
  /** The search text (docs/search.md); may be empty when a filter is given. */
  readonly q?: string;
  /** Room ids to search in; all readable rooms when absent. */
  readonly rooms?: readonly string[];
  /** Authors (username, SIP URI, `user:` or `u:` reference). */
  readonly authors?: readonly string[];
  /** Posted at or after, epoch ms. */
  readonly since?: number;
  /** Posted at or before, epoch ms. */
  readonly until?: number;
  /** Paging: the `next` value of the previous page. */
  readonly before?: number;
  readonly limit?: number;
}

export interface SearchResult {
  /** Newest first. */
  readonly messages: Message[];
  /** The `before` of the next page, or null. */
  readonly next: number | null;
  /** The rooms the messages are in. */
  readonly rooms: RoomAccess[];
}

interface Wiring {
  readonly index: SearchIndex;
  readonly scope: SearchScope;
}

const wired = new WeakMap<ActionContext, Wiring>();

/**
 * Wires the search index into an action context (the composition root does this), with the cache
 * of searchable rooms kept fresh by the context's bus.
 */
export function provideSearchIndex(ctx: ActionContext, index: SearchIndex): void {
  const scope = new SearchScope(ctx.access);
  ctx.bus.subscribe(scope.onBusEvent);
  wired.set(ctx, { index, scope });
}

function wiringOf(ctx: ActionContext): Wiring {
  const wiring = wired.get(ctx);
  if (!wiring) fail('unavailable', 'history search is not available on this server');
  return wiring;
}

async function resolveAuthors(ctx: ActionContext, names: readonly string[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const name of names) {
    const ref = await resolvePrincipal(ctx.store.read, name);
    if (!ref.startsWith('u:')) fail('validation_failed', `author must be a user: ${name}`);
    ids.add(ref.slice(2));
  }
  return [...ids];
}

export async function doSearch(ctx: ActionContext, actor: Actor, input: SearchInput): Promise<SearchResult> {
  const subject = await subjectOf(ctx, actor);
  if (!subject) fail('forbidden', 'history search is for signed-in users');
  const q = input.q ?? '';
  const terms = parseQuery(q);
  if ((input.rooms?.length ?? 0) > MAX_SEARCH_FILTER || (input.authors?.length ?? 0) > MAX_SEARCH_FILTER)
    fail('validation_failed', `at most ${MAX_SEARCH_FILTER} rooms and ${MAX_SEARCH_FILTER} authors`);
  const authors = input.authors === undefined ? [] : await resolveAuthors(ctx, input.authors);
  if (
    terms.length === 0 &&
    authors.length === 0 &&
    input.rooms === undefined &&
    input.since === undefined &&
    input.until === undefined
  )
    fail('validation_failed', 'nothing to search for: give words or a filter');
  const limit = Math.min(Math.max(1, input.limit ?? DEFAULT_SEARCH_PAGE), MAX_SEARCH_PAGE);

  const { index, scope } = wiringOf(ctx);
  const rooms = await scope.rooms(subject, input.rooms);
  const page = await index.search({
    terms,
    rooms: rooms.map((r) => r.room.id),
    ...(authors.length > 0 ? { authors } : {}),
    ...(input.since !== undefined ? { since: input.since } : {}),
    ...(input.until !== undefined ? { until: input.until } : {}),
    ...(input.before !== undefined ? { before: input.before } : {}),
    limit,
  });

  const hitRooms = new Set(page.messages.map((m) => m.roomId));
  const result: SearchResult = {
    messages: page.messages,
    next: page.next,
    rooms: rooms.filter((r) => hitRooms.has(r.room.id)),
  };
  if (page.messages.length > 0) {
    const at = ctx.clock();
    const only = hitRooms.size === 1 ? (page.messages[0]?.roomId ?? null) : null;
    await transact(ctx, (tx) =>
      tx.recordCompliance({
        kind: 'BACKCHAT',
        at,
        roomId: only,
        userId: subject.userId,
        messageSeq: null,
        content: '',
        details: {
          search: q,
          ...(input.rooms !== undefined ? { inRooms: [...input.rooms] } : {}),
          ...(authors.length > 0 ? { authors } : {}),
          ...(input.since !== undefined ? { since: input.since } : {}),
          ...(input.until !== undefined ? { until: input.until } : {}),
          ...(input.before !== undefined ? { before: input.before } : {}),
          count: page.messages.length,
          rooms: [...hitRooms],
          messages: page.messages.map((m) => ({ room: m.roomId, seq: m.seq })),
        },
      }),
    );
  }
  return result;
}
