/**
 * Which messages an administrator's removal filter selects (spec §4.13, Remove-CsPersistentChatMessage):
 * author, date range and keywords matched All (every keyword), Or (any keyword) or Exact (the
 * phrase, in order), case-insensitive unless asked.
 */
import { fail } from './errors.ts';

export type MatchClause = 'all' | 'or' | 'exact';

/** The text left in place of a replaced message when no replacement text is given. */
export const DEFAULT_REPLACEMENT = 'This message was replaced by the Persistent Chat administrator.';

export interface KeywordFilter {
  readonly keywords: string;
  readonly match: MatchClause;
  readonly caseSensitive: boolean;
}

export function matchesKeywords(text: string, filter: KeywordFilter): boolean {
  const fold = (s: string) => (filter.caseSensitive ? s : s.toLocaleLowerCase());
  const haystack = fold(text);
  const words = filter.keywords.split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return true;
  switch (filter.match) {
    case 'all':
      return words.every((w) => haystack.includes(fold(w)));
    case 'or':
      return words.some((w) => haystack.includes(fold(w)));
    case 'exact':
      return haystack.includes(fold(words.join(' ')));
  }
}

/** Parses a date given on the command line or the API: ISO 8601, or epoch milliseconds. */
export function parseDate(what: string, value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms))
    fail('validation_failed', `${what}: not a date (use ISO 8601, e.g. 2026-11-25 or 2026-11-25T14:00:00Z)`);
  return ms;
}
