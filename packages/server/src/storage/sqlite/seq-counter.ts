/**
 * Sequence numbers handed out by the store's writer within one transaction (docs/decisions/0012).
 *
 * `rooms.last_seq` is the last number a room gave out. Bumping it with an UPDATE and reading it
 * back cost two statements per post; here the first post of a room in a transaction reads it once,
 * later posts count in memory, and each room's number is written once: before COMMIT, and before
 * any other query of the transaction, which might read or change it (`beforeQuery`, called for
 * every query the shared Kysely code runs on the writer connection). So no statement ever sees a
 * stale `last_seq`.
 *
 * Savepoints. Each job of a group commit runs in its own savepoint. A job rolled back gives its
 * numbers out again, and anything written to `rooms` since its savepoint is undone with it: the
 * values as they were when the job began are restored here and written again at the next flush.
 */
import type { Statement } from 'better-sqlite3';

export class SeqCounter {
  /** Room → the last number given out in this transaction. */
  private readonly values = new Map<string, number>();
  /** Rooms whose number `rooms.last_seq` does not hold yet. */
  private readonly dirty = new Set<string>();
  /** Room → its value when the current job began (undefined: not read yet), for a rollback. */
  private readonly undo = new Map<string, number | undefined>();

  constructor(
    private readonly read: Statement<[string], { last_seq: number }>,
    private readonly write: Statement<[number, string]>,
  ) {}

  /** The room's next number, or undefined when there is no such room. */
  next(roomId: string): number | undefined {
    let last = this.values.get(roomId);
    if (last === undefined) {
      const row = this.read.get(roomId);
      if (!row) return undefined;
      last = row.last_seq;
    }
    if (!this.undo.has(roomId)) this.undo.set(roomId, this.values.get(roomId));
    this.values.set(roomId, last + 1);
    this.dirty.add(roomId);
    return last + 1;
  }

  /** Writes every number given out to `rooms.last_seq` (before COMMIT). */
  flush(): void {
    for (const roomId of this.dirty) {
      const last = this.values.get(roomId);
      if (last !== undefined) this.write.run(last, roomId);
    }
    this.dirty.clear();
  }

  /** Another query is about to run: it sees every number, and may change them. */
  beforeQuery(): void {
    if (this.values.size === 0) return;
    this.flush();
    for (const [roomId, last] of this.values) if (!this.undo.has(roomId)) this.undo.set(roomId, last);
    this.values.clear();
  }

  /** The current job's savepoint was released: its numbers stay. */
  keep(): void {
    this.undo.clear();
  }

  /** The current job's savepoint was rolled back: back to the values it began with. */
  rollBack(): void {
    for (const [roomId, last] of this.undo) {
      if (last === undefined) this.values.delete(roomId);
      else this.values.set(roomId, last);
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
