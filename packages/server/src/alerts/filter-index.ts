/**
 * The saved filters of every user as an inverted index, and the question it answers: which
 * filters does this message match, before access checks (spec §4.9; docs/decisions/0007).
 *
 * - The first word of each keyword phrase (and of the owner's names, for "mentions of me") →
 *   filters; filters without words by author or by room; keywords in scripts without spaces in a
 *   short list checked by substring.
 * - A message is split into words once; candidate filters are found by lookups, then checked
 *   (phrases, authors, rooms, not the owner's own message).
 *
 * Pure and synchronous: it runs in the alert matcher's thread (match-worker.ts), or in process.
 */
import { filterScopeHolds, type AlertFilter } from '../domain/alerts.ts';
import { AnalysedText, compileKeyword, type CompiledKeyword } from './matcher.ts';

/** What matching needs of a message. */
export interface MatchInput {
  readonly text: string;
  readonly storyTitle: string | null;
  readonly roomId: string;
  readonly authorId: string;
}

interface Entry {
  readonly filter: AlertFilter;
  readonly keywords: readonly CompiledKeyword[];
  /** The owner's username and display name, for "mentions of me". */
  readonly mentions: readonly CompiledKeyword[];
  /** Where this entry is indexed, to take it out again. */
  readonly keys: { words: Set<string>; substring: boolean; authors: string[]; rooms: string[] };
}

const add = <K, V>(map: Map<K, Set<V>>, key: K, value: V) => {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
};
const remove = <K, V>(map: Map<K, Set<V>>, key: K, value: V) => {
  const set = map.get(key);
  set?.delete(value);
  if (set?.size === 0) map.delete(key);
};

export class FilterIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly byWord = new Map<string, Set<Entry>>();
  private readonly bySubstring = new Set<Entry>();
  private readonly byAuthor = new Map<string, Set<Entry>>();
  private readonly byRoom = new Map<string, Set<Entry>>();
  /** Candidates looked at so far (before phrase and scope checks). */
  candidatesSeen = 0;

  get size(): number {
    return this.entries.size;
  }

  /** Adds or replaces a filter; `mentionNames` are its owner's names when it has "mentions of me". */
  put(filter: AlertFilter, mentionNames: readonly string[] = []): void {
    this.drop(filter.id);
    const keywords = filter.keywords.flatMap((k) => compileKeyword(k) ?? []);
    const mentions = filter.mentions ? mentionNames.flatMap((n) => compileKeyword(n) ?? []) : [];
    const entry: Entry = {
      filter,
      keywords,
      mentions,
      keys: { words: new Set(), substring: false, authors: [], rooms: [] },
    };
    this.entries.set(filter.id, entry);
    this.indexKeywords(entry, keywords);
    this.indexKeywords(entry, mentions);
    if (keywords.length === 0 && !filter.mentions) {
      // No words: the filter selects by author (or, with no authors, by room) alone.
      if (filter.authors.length > 0) {
        for (const a of filter.authors) add(this.byAuthor, a, entry);
        entry.keys.authors.push(...filter.authors);
      } else {
        for (const r of filter.rooms) add(this.byRoom, r, entry);
        entry.keys.rooms.push(...filter.rooms);
      }
    }
  }

  drop(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    for (const w of entry.keys.words) remove(this.byWord, w, entry);
    if (entry.keys.substring) this.bySubstring.delete(entry);
    for (const a of entry.keys.authors) remove(this.byAuthor, a, entry);
    for (const r of entry.keys.rooms) remove(this.byRoom, r, entry);
  }

  /** A batch: [index of the message, ids of the filters it matched], matches only; time and candidates. */
  matchAll(messages: readonly MatchInput[]): {
    hits: [number, string[]][];
    evaluateMs: number;
    candidates: number;
  } {
    const started = performance.now();
    const seen = this.candidatesSeen;
    const hits: [number, string[]][] = [];
    messages.forEach((m, i) => {
      const ids = this.match(m);
      if (ids.length > 0) hits.push([i, ids]);
    });
    return { hits, evaluateMs: performance.now() - started, candidates: this.candidatesSeen - seen };
  }

  /** The ids of the filters the message matches, before access checks. */
  match(message: MatchInput): string[] {
    const text = new AnalysedText(message.text, message.storyTitle);
    const found = new Set<Entry>();
    for (const w of text.words) {
      const set = this.byWord.get(w);
      if (set) for (const e of set) found.add(e);
    }
    if (text.noSpaceScript) for (const e of this.bySubstring) found.add(e);
    for (const e of this.byAuthor.get(message.authorId) ?? []) found.add(e);
    for (const e of this.byRoom.get(message.roomId) ?? []) found.add(e);
    this.candidatesSeen += found.size;
    const out: string[] = [];
    for (const e of found) {
      if (!filterScopeHolds(e.filter, message.roomId, message.authorId)) continue;
      const textual = e.keywords.length > 0 || e.filter.mentions;
      if (textual && !e.keywords.some((k) => text.matches(k)) && !e.mentions.some((k) => text.matches(k)))
        continue;
      out.push(e.filter.id);
    }
    return out;
  }

  private indexKeywords(entry: Entry, keywords: readonly CompiledKeyword[]): void {
    for (const k of keywords) {
      if (k.kind === 'substring') {
        this.bySubstring.add(entry);
        entry.keys.substring = true;
      } else {
        const first = k.words[0];
        if (first === undefined) continue;
        add(this.byWord, first, entry);
        entry.keys.words.add(first);
      }
    }
  }
}
