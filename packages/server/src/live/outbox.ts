/**
 * Per-connection outboxes flushed after the turn that queued to them: every event serialised once,
 * queued on each connection, and written as one frame (a JSON array) per connection. One `send()`
 * per event per socket falls behind at a few hundred messages a second to a room of 1,000;
 * batching adapts by itself under load (design/stack.md §5). A flush to many connections is
 * written a slice at a time, one slice per turn.
 */
export interface OutboxTarget {
  /** Frames queued since the last flush; owned by the outbox. */
  queue: string[];
  /** Writes one frame; returns false when the connection cannot keep up and should be dropped. */
  write(frame: string): boolean;
  /** Called instead of further writes when the connection fell too far behind. */
  overflow(): void;
}

/**
 * Connections written per slice of a flush. A flush to a room of 1,000 took 26 ms (p50) in the room
 * benchmark; between slices the event loop reads sockets and the post lane's answers, so the next
 * message is numbered and queued while this one is still going out (and joins it on the
 * connections not yet written). 64 and 16 did equally well, 256 less (docs/performance.md,
 * "2026-12-02, day").
 */
export const FLUSH_SLICE = 64;

export class Outbox {
  /** Connections with something queued, in the order they were first queued to. */
  private readonly dirty = new Set<OutboxTarget>();
  private scheduled = false;

  push(target: OutboxTarget, serialized: string): void {
    target.queue.push(serialized);
    this.dirty.add(target);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Drops anything queued for a connection that is going away. */
  forget(target: OutboxTarget): void {
    this.dirty.delete(target);
    target.queue = [];
  }

  /** Writes one slice of connections; what remains, or was queued meanwhile, goes next turn. */
  private readonly flush = (): void => {
    let written = 0;
    for (const target of this.dirty) {
      this.dirty.delete(target);
      const queue = target.queue;
      target.queue = [];
      if (queue.length > 0 && !target.write(`[${queue.join(',')}]`)) target.overflow();
      if (++written === FLUSH_SLICE) break;
    }
    if (this.dirty.size > 0) setImmediate(this.flush);
    else this.scheduled = false;
  };
}
