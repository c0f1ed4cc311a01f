/**
 * The search port: full-text search over stored chat history (spec §4.8), its own subsystem.
 * The SQLite adapter (sqlite/sqlite-search.ts) uses FTS5; a PostgreSQL adapter can implement the
 * same interface with tsvector and pg_trgm. Access control is not the index's business: callers
 * (queries/search.ts) pass the exact set of rooms the user may read, and the index returns
 * nothing outside it.
 */
import type { Message } from '../domain/model.ts';
import type { SearchTerm } from './query.ts';

export interface SearchRequest {
  /** Every term must match; none means "filters only". */
  readonly terms: readonly SearchTerm[];
  /** The rooms to search: already restricted to rooms the user may read. Never empty. */
  readonly rooms: readonly string[];
  /** Only messages by these user ids. */
  readonly authors?: readonly string[];
  /** Posted at or after (epoch ms). */
  readonly since?: number;
  /** Posted at or before (epoch ms). */
  readonly until?: number;
  /** Paging cursor: only messages with an id below this one. */
  readonly before?: number;
  readonly limit: number;
}

export interface SearchPage {
  /** Newest first (descending message id). */
  readonly messages: Message[];
  /** Pass as `before` to get the next page; null when there is nothing more. */
  readonly next: number | null;
}

export interface SearchIndex {
  search(request: SearchRequest): Promise<SearchPage>;
  /** Indexes everything stored so far (the index may lag writes by a moment; search does this itself). */
  catchUp(): Promise<void>;
  close(): Promise<void>;
}
