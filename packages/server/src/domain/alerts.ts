/**
 * Saved filters ("topic feeds") and keyword alerts (spec §4.9; docs/decisions/0007): what a filter
 * is, its limits, and when it applies to a message. Pure: the matching of words is in
 * alerts/matcher.ts, access checks in alerts/engine.ts.
 */

/** A user's saved filter as stored. */
export interface AlertFilter {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  /** Words or phrases, as typed (folded when compiled). Any one of them matching is enough. */
  readonly keywords: readonly string[];
  /** User ids; empty = any author. */
  readonly authors: readonly string[];
  /** Also match messages that mention the owner (display name, username, @username). */
  readonly mentions: boolean;
  /** Room ids; empty = every room the owner may read. */
  readonly rooms: readonly string[];
  /** Push a live alert for each match; the feed keeps matches either way. */
  readonly notify: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One match of a filter, as stored: a reference to the message, never its text. */
export interface AlertMatch {
  readonly id: number;
  readonly userId: string;
  readonly filterId: string;
  readonly roomId: string;
  readonly seq: number;
  readonly at: number;
}

export const ALERT_LIMITS = {
  /** Saved filters per user. */
  filtersPerUser: 100,
  keywordsPerFilter: 50,
  keywordChars: 100,
  authorsPerFilter: 50,
  roomsPerFilter: 100,
  nameChars: 100,
  /** Feed page size: default and largest. */
  pageDefault: 50,
  pageMax: 200,
} as const;

/**
 * Whether the filter's non-textual conditions hold: room restriction and authors. Keywords and
 * mentions are checked by the matcher; a filter with neither matches on these conditions alone.
 */
export function filterScopeHolds(filter: AlertFilter, roomId: string, authorId: string): boolean {
  if (filter.userId === authorId) return false; // nobody is alerted about their own messages
  if (filter.rooms.length > 0 && !filter.rooms.includes(roomId)) return false;
  if (filter.authors.length > 0 && !filter.authors.includes(authorId)) return false;
  return true;
}
