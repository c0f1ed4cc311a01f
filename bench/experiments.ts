/**
 * Opt-in experiments (`--experiment a,b`) that patch the server at run time inside the bench
 * server process only, to measure the effect of a proposed fix before anyone changes the server.
 * They reach into private fields on purpose; none of this is used by the default runs.
 *
 *   outbox-buffer  encode each outgoing frame to a Buffer once, not once per socket
 *   outbox-raw     also build the WebSocket frame once and write it straight to each TCP socket
 *   flush-<n>ms    flush the outboxes <n> ms after the first queued event instead of next turn
 *   flush-gap-<n>ms  flush at once, but never sooner than <n> ms after the last flush ended
 *   flush-duty-<k>   flush at once, but never sooner than k times the last flush's duration
 *                  after it ended (flushing then takes at most 1/(1+k) of the event loop)
 *                  (the three flush-* were measured before flushes went out in slices,
 *                  live/outbox.ts; now they pace, and flush-duty times, the first slice only)
 *   no-search      no history-search indexing at all (messages are still queued for it)
 *   alerts-no-store  alert matches are evaluated and pushed but not written (ids invented)
 *   alerts-no-push   alert matches are evaluated and stored but not published to connections
 *   post-sql-elsewhere  posts never reach a writer: the post lane answers each at once with a
 *                  number counted in memory (no transaction, no sync, nothing to index; the
 *                  benchmark reports the messages as lost). What the event loop alone can carry.
 *                  (Its figure in docs/performance.md, 22,500–25,000/s, was taken before the lane,
 *                  when it skipped only the post's SQL on the event loop's writer.)
 *
 * (`search-worker`, the search drain in a worker thread, became the server's own indexer:
 * packages/server/src/search/sqlite/search-indexer-worker.ts, docs/decisions/0008; `seq-select`,
 * nextSeq as UPDATE then SELECT, became the store's own, since replaced by the sequence counter,
 * decision 0012; `no-savepoint`, group commit without a savepoint per job, is how the post lane
 * runs its batches, decision 0013; `no-time-index`, the messages without their (room, time)
 * index, is the schema since migration 0009, decision 0017.)
 */
import { createMemoryBus } from '../packages/server/src/bus/memory/memory-bus.ts';
import type { Bus, BusEvent } from '../packages/server/src/bus/types.ts';
import type { AlertMatch } from '../packages/server/src/domain/alerts.ts';
import { PostLane } from '../packages/server/src/storage/sqlite/post-lane.ts';
import { SqliteStoreOps } from '../packages/server/src/storage/sqlite/sqlite-store-ops.ts';
import type { NewPost, PostOutcome } from '../packages/server/src/storage/types.ts';
import { Outbox, type OutboxTarget } from '../packages/server/src/live/outbox.ts';
import type { SearchIndex } from '../packages/server/src/search/types.ts';
import { WsSession } from '../packages/server/src/transports/ws/session.ts';

export const EXPERIMENTS = [
  'outbox-buffer',
  'outbox-raw',
  'flush-<n>ms',
  'flush-gap-<n>ms',
  'flush-duty-<k>',
  'no-search',
  'alerts-no-store',
  'alerts-no-push',
  'post-sql-elsewhere',
];

/** A search index that never indexes (experiment `no-search`). */
export const noSearch: SearchIndex = {
  search: () => Promise.resolve({ messages: [], next: null }),
  catchUp: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/** A server-to-client WebSocket text frame (FIN, opcode 1, unmasked) around `payload`. */
function wsFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x81;
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(out, head);
  return out;
}

function outbox(raw: boolean): void {
  let lastFrame = '';
  let lastBuffer: Buffer = Buffer.alloc(0);
  WsSession.prototype.write = function (this: any, frame: string): boolean {
    if (this.closed) return true;
    if (this.socket.bufferedAmount > this.parts.config.maxBufferedBytes) return false;
    if (frame !== lastFrame) {
      lastFrame = frame;
      lastBuffer = raw ? wsFrame(Buffer.from(frame)) : Buffer.from(frame);
    }
    if (raw) this.socket._socket.write(lastBuffer);
    else this.socket.send(lastBuffer, { binary: false });
    return true;
  };
}

/** The outboxes queue as before, but `schedule(flush)` decides when a flush runs. */
function scheduleFlushes(schedule: (flush: () => void) => void): void {
  Outbox.prototype.push = function (this: any, target: OutboxTarget, serialized: string): void {
    target.queue.push(serialized);
    this.dirty.add(target);
    if (!this.scheduled) {
      this.scheduled = true;
      schedule(this.flush as () => void);
    }
  };
}

function flushDelay(ms: number): void {
  scheduleFlushes((flush) => setTimeout(flush, ms));
}

/** The next flush waits until `gapMs` plus `duty` times the last flush's duration after it ended. */
function flushPaced(gapMs: number, duty: number): void {
  let lastEnd = 0;
  let lastDur = 0;
  scheduleFlushes((flush) => {
    const wait = lastEnd + gapMs + duty * lastDur - performance.now();
    const run = () => {
      const t0 = performance.now();
      flush();
      lastEnd = performance.now();
      lastDur = lastEnd - t0;
    };
    if (wait <= 0) setImmediate(run);
    else setTimeout(run, wait);
  });
}

function alertsNoStore(): void {
  let next = 1;
  const proto = SqliteStoreOps.prototype as unknown as {
    insertAlertMatches: (rows: readonly Omit<AlertMatch, 'id'>[]) => Promise<AlertMatch[]>;
  };
  proto.insertAlertMatches = (rows) => Promise.resolve(rows.map((r) => ({ ...r, id: next++ })));
}

/** The server's bus, dropping alert events (experiment `alerts-no-push`; server-process.ts). */
export function busWithoutAlerts(): Bus {
  const bus = createMemoryBus();
  return {
    ...bus,
    publish(e: BusEvent) {
      if (e.kind === 'user.event' && e.event.type === 'alert') return;
      bus.publish(e);
    },
  };
}

function postSqlElsewhere(): void {
  const seqs = new Map<string, number>();
  let id = 1e9;
  PostLane.prototype.append = (post: NewPost): Promise<PostOutcome> => {
    const seq = (seqs.get(post.message.roomId) ?? 1e6) + 1;
    seqs.set(post.message.roomId, seq);
    return Promise.resolve({ duplicate: false, id: id++, seq });
  };
}

export function applyExperiments(names: readonly string[]): void {
  for (const name of names) {
    const flush = /^flush-(\d+)ms$/.exec(name);
    const gap = /^flush-gap-(\d+)ms$/.exec(name);
    const duty = /^flush-duty-([\d.]+)$/.exec(name);
    if (name === 'outbox-buffer') outbox(false);
    else if (name === 'outbox-raw') outbox(true);
    else if (flush) flushDelay(Number(flush[1]));
    else if (gap) flushPaced(Number(gap[1]), 0);
    else if (duty) flushPaced(0, Number(duty[1]));
    else if (name === 'alerts-no-store') alertsNoStore();
    else if (name === 'post-sql-elsewhere') postSqlElsewhere();
    else if (name === 'no-search' || name === 'alerts-no-push')
      continue; // wired in server-process.ts
    else throw new Error(`unknown experiment ${name}; known: ${EXPERIMENTS.join(', ')}`);
  }
}
