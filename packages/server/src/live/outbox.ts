/**
 * Per-connection outboxes flushed once per event-loop turn: every event serialised once, queued
 * on each connection, and written as one frame (a JSON array) per connection per turn. One
 * `send()` per event per socket falls behind at a few hundred messages a second to a room of
 * 1,000; batching adapts by itself under load (design/stack.md §5).
 */
export interface OutboxTarget {
  /** Frames queued since the last flush; owned by the outbox. */
  queue: string[];
  /** Writes one frame; returns false when the connection cannot keep up and should be dropped. */
  write(frame: string): boolean;
  /** Called instead of further writes when the connection fell too far behind. */
  overflow(): void;
}

export class Outbox {
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

  private readonly flush = (): void => {
    this.scheduled = false;
    const targets = [...this.dirty];
    this.dirty.clear();
    for (const target of targets) {
      const queue = target.queue;
      target.queue = [];
      if (queue.length === 0) continue;
      if (!target.write(`[${queue.join(',')}]`)) target.overflow();
    }
  };
}
