/**
 * Evaluates every user's saved filters against every new message, after commit and off the
 * posting path (spec §4.9; docs/decisions/0007).
 *
 * - The filters live in memory as an inverted index: the first word of each keyword phrase (and of
 *   the owner's names for "mentions of me") → filters; filters without words by author or by room;
 *   keywords in scripts without spaces in a short list checked by substring. Loaded from storage at
 *   start, then kept in step by the `filter`/`filterDeleted` user events the actions publish, and
 *   by directory changes (a renamed user's mentions).
 * - A `message` bus event only queues the message. The queue is evaluated in batches (20 ms):
 *   each message is split into words once, candidate filters are found by lookups, then checked
 *   (phrases, authors, rooms, not the owner's own message) and their owners' right to read the room
 *   *now* is checked with the same rule as history and search (`roomRights(...).read`: scope,
 *   membership, policy, disabled rooms).
 * - Matches of kept messages are stored in one write per batch (a reference to the message, never
 *   its text), then pushed to all the owner's connections as one `alert` user event per message.
 *   A category without history keeps nothing: its matches are pushed live (id null) and not stored.
 *
 * One engine per deployment evaluates (today the single node); with several nodes this becomes a
 * leased job like compliance processing, while any node delivers the user events.
 */
import type { WireAlert, WireFilter } from '@stoa/protocol';
import type { AccessState, RoomView } from '../access/access-state.ts';
import { rulesOf } from '../access/access-room.ts';
import type { Bus, BusEvent } from '../bus/types.ts';
import { filterScopeHolds, type AlertFilter, type AlertMatch } from '../domain/alerts.ts';
import type { Message } from '../domain/model.ts';
import { roomRights } from '../domain/permissions.ts';
import { messageToWire } from '../live/wire.ts';
import type { Store } from '../storage/types.ts';
import { AnalysedText, compileKeyword, type CompiledKeyword } from './matcher.ts';

interface Entry {
  readonly filter: AlertFilter;
  readonly keywords: readonly CompiledKeyword[];
  /** The owner's username and display name, for "mentions of me". */
  mentions: readonly CompiledKeyword[];
  /** Where this entry is indexed, to take it out again. */
  readonly keys: { words: Set<string>; substring: boolean; authors: string[]; rooms: string[] };
}

export interface AlertEngineDeps {
  readonly store: Store;
  readonly access: AccessState;
  readonly bus: Bus;
  readonly onError: (error: unknown) => void;
  /** How long messages wait to be evaluated together (default 20 ms). */
  readonly batchMs?: number;
}

const DEFAULT_BATCH_MS = 20;

export interface AlertStats {
  filters: number;
  messages: number;
  candidates: number;
  matches: number;
  stored: number;
  /** Time spent matching (words, index lookups, phrase and scope checks; not access), ms. */
  evaluateMs: number;
}

/** The stored form of a filter from its wire shape (user events carry the wire shape). */
export function filterFromWire(userId: string, w: WireFilter): AlertFilter {
  return {
    id: w.id,
    userId,
    name: w.name,
    keywords: w.keywords,
    authors: w.authors.map((a) => a.replace(/^u:/, '')),
    mentions: w.mentions,
    rooms: w.rooms,
    notify: w.notify,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
  };
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

export class AlertEngine {
  private readonly entries = new Map<string, Entry>();
  private readonly byWord = new Map<string, Set<Entry>>();
  private readonly bySubstring = new Set<Entry>();
  private readonly byAuthor = new Map<string, Set<Entry>>();
  private readonly byRoom = new Map<string, Set<Entry>>();
  /** Filters touched by events while the initial load runs: the load must not overwrite them. */
  private touched: Set<string> | undefined = new Set();
  private loaded: Promise<void> | undefined;
  private queue: Message[] = [];
  private running: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  readonly stats: AlertStats = {
    filters: 0,
    messages: 0,
    candidates: 0,
    matches: 0,
    stored: 0,
    evaluateMs: 0,
  };

  constructor(private readonly deps: AlertEngineDeps) {}

  /** Loads every saved filter. Messages posted meanwhile wait in the queue. */
  start(): Promise<void> {
    this.loaded ??= (async () => {
      const filters = await this.deps.store.read.listAlertFilters();
      for (const filter of filters) if (!this.touched?.has(filter.id)) await this.put(filter);
      this.touched = undefined;
    })();
    return this.loaded;
  }

  /** Waits for the queue to be evaluated and stored; later messages are ignored. */
  async close(): Promise<void> {
    await this.idle();
    this.closed = true;
  }

  /** Resolves once everything queued so far is evaluated, stored and pushed. */
  async idle(): Promise<void> {
    while (this.running || this.scheduled || this.queue.length > 0) {
      if (this.running) await this.running;
      else await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Subscribe this to the bus. */
  readonly onBusEvent = (event: BusEvent): void => {
    switch (event.kind) {
      case 'message':
        if (this.closed || (this.entries.size === 0 && this.touched === undefined)) return;
        this.queue.push(event.message);
        this.schedule();
        return;
      case 'user.event': {
        const e = event.event;
        if (e.type === 'filter') {
          this.touched?.add(e.filter.id);
          this.put(filterFromWire(event.userId, e.filter)).catch(this.deps.onError);
        } else if (e.type === 'filterDeleted') {
          this.touched?.add(e.filter);
          this.drop(e.filter);
        }
        return;
      }
      case 'directory.changed':
        // A user renamed: their "mentions of me" follow (cheap: only filters with mentions).
        for (const entry of this.entries.values())
          if (entry.filter.mentions) this.resolveMentions(entry).catch(this.deps.onError);
        return;
      case 'room.changed':
      case 'room.disabled':
      case 'room.deleted':
      case 'category.changed':
      case 'settings.changed':
      case 'messages.removed':
      case 'invitations':
        return;
    }
  };

  // ---- the index

  private async put(filter: AlertFilter): Promise<void> {
    this.drop(filter.id);
    const keywords = filter.keywords.flatMap((k) => compileKeyword(k) ?? []);
    const entry: Entry = {
      filter,
      keywords,
      mentions: [],
      keys: { words: new Set(), substring: false, authors: [], rooms: [] },
    };
    this.entries.set(filter.id, entry);
    this.stats.filters = this.entries.size;
    this.indexKeywords(entry, keywords);
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
    if (filter.mentions) await this.resolveMentions(entry);
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

  private async resolveMentions(entry: Entry): Promise<void> {
    const subject = await this.deps.access.subject(entry.filter.userId);
    if (this.entries.get(entry.filter.id) !== entry) return; // replaced or deleted meanwhile
    const names = subject ? [subject.user.username, subject.user.displayName] : [];
    const mentions = names.flatMap((n) => compileKeyword(n) ?? []);
    entry.mentions = mentions;
    this.indexKeywords(entry, mentions);
  }

  private drop(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.stats.filters = this.entries.size;
    for (const w of entry.keys.words) remove(this.byWord, w, entry);
    if (entry.keys.substring) this.bySubstring.delete(entry);
    for (const a of entry.keys.authors) remove(this.byAuthor, a, entry);
    for (const r of entry.keys.rooms) remove(this.byRoom, r, entry);
  }

  // ---- evaluation

  /**
   * Evaluates the queue `batchMs` after its first message: a busy server then evaluates, stores
   * (one write) and pushes hundreds of messages at once instead of a few per event-loop turn, which
   * is what keeps the cost per message low (docs/performance.md). Alerts arrive that much later.
   */
  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    const timer = setTimeout(() => {
      this.scheduled = false;
      const run = this.drain().catch(this.deps.onError);
      this.running = run.finally(() => {
        this.running = undefined;
        if (this.queue.length > 0) this.schedule();
      });
    }, this.deps.batchMs ?? DEFAULT_BATCH_MS);
    timer.unref();
  }

  /** The filters a message matches, before access checks: pure lookups and word checks. */
  candidates(message: Message): Entry[] {
    const text = new AnalysedText(message.text, message.storyTitle);
    const found = new Set<Entry>();
    for (const w of text.words) {
      const set = this.byWord.get(w);
      if (set) for (const e of set) found.add(e);
    }
    if (text.noSpaceScript) for (const e of this.bySubstring) found.add(e);
    for (const e of this.byAuthor.get(message.authorId) ?? []) found.add(e);
    for (const e of this.byRoom.get(message.roomId) ?? []) found.add(e);
    this.stats.candidates += found.size;
    const out: Entry[] = [];
    for (const e of found) {
      if (!filterScopeHolds(e.filter, message.roomId, message.authorId)) continue;
      const textual = e.keywords.length > 0 || e.filter.mentions;
      if (textual && !e.keywords.some((k) => text.matches(k)) && !e.mentions.some((k) => text.matches(k)))
        continue;
      out.push(e);
    }
    return out;
  }

  private async drain(): Promise<void> {
    await this.start();
    const batch = this.queue;
    this.queue = [];
    /** Per message, per owner who may read the room: the filters that matched. */
    const found: { message: Message; view: RoomView; userId: string; entries: Entry[] }[] = [];
    for (const message of batch) {
      this.stats.messages++;
      const started = performance.now();
      const entries = this.candidates(message);
      this.stats.evaluateMs += performance.now() - started;
      if (entries.length === 0) continue;
      const view = await this.deps.access.room(message.roomId);
      if (!view) continue;
      const rules = rulesOf(view);
      const byUser = new Map<string, Entry[]>();
      for (const e of entries) {
        const list = byUser.get(e.filter.userId);
        if (list) list.push(e);
        else byUser.set(e.filter.userId, [e]);
      }
      for (const [userId, list] of byUser) {
        const subject = await this.deps.access.subject(userId);
        // Read rights now, as for history and search: disabled rooms, walls, membership, policy.
        if (!subject || !roomRights(subject, rules).read) continue;
        found.push({ message, view, userId, entries: list });
      }
    }
    if (found.length === 0) return;

    const rows: Omit<AlertMatch, 'id'>[] = [];
    for (const f of found) {
      if (!f.view.category.chatHistory) continue; // nothing kept: live only
      for (const e of f.entries)
        rows.push({
          userId: f.userId,
          filterId: e.filter.id,
          roomId: f.message.roomId,
          seq: f.message.seq,
          at: f.message.at,
        });
    }
    this.stats.matches += found.length;
    const stored = rows.length === 0 ? [] : await this.deps.store.write((tx) => tx.insertAlertMatches(rows));
    this.stats.stored += stored.length;
    const ids = new Map<string, number>();
    for (const m of stored) {
      const key = `${m.userId}\n${m.roomId}\n${m.seq}`;
      ids.set(key, Math.max(ids.get(key) ?? 0, m.id));
    }
    for (const f of found) {
      const notify = f.entries.filter((e) => e.filter.notify);
      if (notify.length === 0) continue;
      const id = ids.get(`${f.userId}\n${f.message.roomId}\n${f.message.seq}`);
      if (f.view.category.chatHistory && id === undefined) continue; // filter or room gone meanwhile
      const alert: WireAlert = {
        id: id ?? null,
        filters: notify.map((e) => ({ id: e.filter.id, name: e.filter.name })),
        room: { id: f.view.room.id, name: f.view.room.name },
        message: messageToWire(f.message),
      };
      this.deps.bus.publish({ kind: 'user.event', userId: f.userId, event: { type: 'alert', alert } });
    }
  }
}
