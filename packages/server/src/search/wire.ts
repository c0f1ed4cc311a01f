/** Search requests and results on the wire (HTTP query string and the `search` frame alike). */
import type { SearchFields, WireSearchResult } from '@stoa/protocol';
import type { Static, TObject } from 'typebox';
import type { SearchInput, SearchResult } from '../actions/search.ts';
import { messageToWire } from '../live/wire.ts';

type Fields = Static<TObject<typeof SearchFields>>;

const list = (value: string | undefined): string[] | undefined => {
  const items = value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items && items.length > 0 ? items : undefined;
};

export function searchInputFromWire(f: Fields): SearchInput {
  const rooms = list(f.room);
  const authors = list(f.author);
  return {
    ...(f.q !== undefined ? { q: f.q } : {}),
    ...(rooms ? { rooms } : {}),
    ...(authors ? { authors } : {}),
    ...(f.since !== undefined ? { since: f.since } : {}),
    ...(f.until !== undefined ? { until: f.until } : {}),
    ...(f.before !== undefined ? { before: f.before } : {}),
    ...(f.limit !== undefined ? { limit: f.limit } : {}),
  };
}

export function searchResultToWire(r: SearchResult): WireSearchResult {
  return {
    messages: r.messages.map(messageToWire),
    next: r.next,
    rooms: r.rooms.map((a) => ({ id: a.room.id, name: a.room.name })),
  };
}
