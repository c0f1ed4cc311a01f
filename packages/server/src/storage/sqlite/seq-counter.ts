/**
 * Sequence numbers handed out by the store's writer within one transaction (docs/decisions/0012),
 * and the order of message times that goes with them (decision 0017).
 *
 * `rooms.last_seq` is the last number a room gave out. Bumping it with an UPDATE and reading it
 * back cost two statements per post; here the first post of a room in a transaction reads it once,
 * later posts count in memory, and each room's number is written once: before COMMIT, and before
 * any other query of the transaction, which might read or change it (`beforeQuery`, called for
 * every query the shared Kysely code runs on the writer connection). So no statement ever sees a
 * stale `last_seq`.
 *
 * The same row holds `last_message_at` (the latest time of any message of the room) and
 * `times_in_order` (no message's time is earlier than one before it): every message appended
 * notes its time here (`noteTime`), counted in memory and written with the number, in the UPDATE
 * the number needs anyway.
 *
 * Savepoints. Each job of a group commit runs in its own savepoint. A job rolled back gives its
 * numbers out again, and anything written to `rooms` since its savepoint is undone with it: the
 * values as they were when the job began are restored here and written again at the next flush.
 */
import type { Statement } from 'better-sqlite3';

/** A room's last number, the latest time of its messages, and whether their times are in order. */
interface Tail {
  readonly seq: number;
  readonly at: number;
  readonly ordered: boolean;
}

interface TailRow {
  last_seq: number;
  last_message_at: number;
  times_in_order: number;
}

export class SeqCounter {
  /** Room → its tail as this transaction left it so far. */
  private readonly values = new Map<string, Tail>();
  /** Rooms whose tail `rooms` does not hold yet. */
  private readonly dirty = new Set<string>();
  /** Room → its tail when the current job began (undefined: not read yet), for a rollback. */
  private readonly undo = new Map<string, Tail | undefined>();

  constructor(
    private readonly read: Statement<[string], TailRow>,
    private readonly write: Statement<[number, number, number, string]>,
  ) {}

  /** The room's tail, read once per transaction; undefined when there is no such room. */
  private tail(roomId: string): Tail | undefined {
    const known = this.values.get(roomId);
    if (known) return known;
    const row = this.read.get(roomId);
    return row && { seq: row.last_seq, at: row.last_message_at, ordered: row.times_in_order === 1 };
  }

  private set(roomId: string, tail: Tail): void {
    if (!this.undo.has(roomId)) this.undo.set(roomId, this.values.get(roomId));
    this.values.set(roomId, tail);
    this.dirty.add(roomId);
  }

  /** The room's next number, or undefined when there is no such room. */
  next(roomId: string): number | undefined {
    const t = this.tail(roomId);
    if (!t) return undefined;
    this.set(roomId, { seq: t.seq + 1, at: t.at, ordered: t.ordered });
    return t.seq + 1;
  }

  /** A message of the room was appended with this time (nothing when there is no such room). */
  noteTime(roomId: string, at: number): void {
    const t = this.tail(roomId);
    if (!t) return;
    if (at > t.at) this.set(roomId, { seq: t.seq, at, ordered: t.ordered });
    else if (at < t.at && t.ordered) this.set(roomId, { seq: t.seq, at: t.at, ordered: false });
  }

  /** Writes every tail changed to `rooms` (before COMMIT). */
  flush(): void {
    for (const roomId of this.dirty) {
      const t = this.values.get(roomId);
      if (t !== undefined) this.write.run(t.seq, t.at, t.ordered ? 1 : 0, roomId);
    }
    this.dirty.clear();
  }

  /** Another query is about to run: it sees every number, and may change them. */
  beforeQuery(): void {
    if (this.values.size === 0) return;
    this.flush();
    for (const [roomId, t] of this.values) if (!this.undo.has(roomId)) this.undo.set(roomId, t);
    this.values.clear();
  }

  /** The current job's savepoint was released: its numbers stay. */
  keep(): void {
    this.undo.clear();
  }

  /** The current job's savepoint was rolled back: back to the values it began with. */
  rollBack(): void {
    for (const [roomId, t] of this.undo) {
      if (t === undefined) this.values.delete(roomId);
      else this.values.set(roomId, t);
    }
    this.undo.clear();
    // What was flushed during the job was rolled back with it.
    for (const roomId of this.values.keys()) this.dirty.add(roomId);
  }

  /** The transaction ended (committed after `flush`, or rolled back): read afresh next time. */
  reset(): void {
    this.values.clear();
    this.dirty.clear();
    this.undo.clear();
  }
}
