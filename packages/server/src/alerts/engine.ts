/**
 * Evaluates every user's saved filters against every new message, after commit and off the
 * posting path (spec §4.9; docs/decisions/0007).
 *
 * - The filters are matched by a FilterMatcher (matcher-thread.ts): in the server, an inverted
 *   index in a worker thread (filter-index.ts, match-worker.ts), so the cost that grows with the
 *   number of filters stays off the event loop. Loaded from storage at start, then kept in step by
 *   the `filter`/`filterDeleted` user events the actions publish, and by directory changes (a
 *   renamed user's mentions).
 * - A `message` bus event only queues the message. The queue is evaluated in batches (20 ms):
 *   the matcher says which filters each message matches; then the owners' right to read the room
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
import type { AlertFilter, AlertMatch } from '../domain/alerts.ts';
import type { Message } from '../domain/model.ts';
import { roomRights } from '../domain/permissions.ts';
import { messageToWire } from '../live/wire.ts';
import type { Store } from '../storage/types.ts';
import { InProcessMatcher, type FilterMatcher } from './matcher-thread.ts';

export interface AlertEngineDeps {
  readonly store: Store;
  readonly access: AccessState;
  readonly bus: Bus;
  readonly onError: (error: unknown) => void;
  /** How long messages wait to be evaluated together (default 20 ms). */
  readonly batchMs?: number;
  /** Where filters are matched (default: in process; the server passes a ThreadMatcher). */
  readonly matcher?: FilterMatcher;
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

export class AlertEngine {
  /** Every saved filter, by id: what a match needs (owner, name, notify). */
  private readonly entries = new Map<string, AlertFilter>();
  private readonly matcher: FilterMatcher;
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

  constructor(private readonly deps: AlertEngineDeps) {
    this.matcher = deps.matcher ?? new InProcessMatcher();
  }

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
    await this.matcher.close();
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
        for (const filter of this.entries.values())
          if (filter.mentions) this.put(filter).catch(this.deps.onError);
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

  // ---- the filters

  private async put(filter: AlertFilter): Promise<void> {
    this.entries.set(filter.id, filter);
    this.stats.filters = this.entries.size;
    let mentions: string[] = [];
    if (filter.mentions) {
      const subject = await this.deps.access.subject(filter.userId);
      if (this.entries.get(filter.id) !== filter) return; // replaced or deleted meanwhile
      mentions = subject ? [subject.user.username, subject.user.displayName] : [];
    }
    this.matcher.put(filter, mentions);
  }

  private drop(id: string): void {
    this.entries.delete(id);
    this.stats.filters = this.entries.size;
    this.matcher.drop(id);
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

  private async drain(): Promise<void> {
    await this.start();
    const batch = this.queue;
    this.queue = [];
    const result = await this.matcher.match(batch);
    this.stats.messages += batch.length;
    this.stats.evaluateMs += result.evaluateMs;
    this.stats.candidates += result.candidates;
    /** Per message, per owner who may read the room: the filters that matched. */
    const found: { message: Message; view: RoomView; userId: string; entries: AlertFilter[] }[] = [];
    for (const [index, ids] of result.hits) {
      const message = batch[index];
      // A filter deleted since the batch was sent is gone from `entries`.
      const entries = ids.flatMap((id) => this.entries.get(id) ?? []);
      if (!message || entries.length === 0) continue;
      const view = await this.deps.access.room(message.roomId);
      if (!view) continue;
      const rules = rulesOf(view);
      const byUser = new Map<string, AlertFilter[]>();
      for (const e of entries) {
        const list = byUser.get(e.userId);
        if (list) list.push(e);
        else byUser.set(e.userId, [e]);
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
          filterId: e.id,
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
      const notify = f.entries.filter((e) => e.notify);
      if (notify.length === 0) continue;
      const id = ids.get(`${f.userId}\n${f.message.roomId}\n${f.message.seq}`);
      if (f.view.category.chatHistory && id === undefined) continue; // filter or room gone meanwhile
      const alert: WireAlert = {
        id: id ?? null,
        filters: notify.map((e) => ({ id: e.id, name: e.name })),
        room: { id: f.view.room.id, name: f.view.room.name },
        message: messageToWire(f.message),
      };
      this.deps.bus.publish({ kind: 'user.event', userId: f.userId, event: { type: 'alert', alert } });
    }
  }
}
