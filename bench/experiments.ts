/**
 * Opt-in experiments (`--experiment a,b`) that patch the server at run time inside the bench
 * server process only, to measure the effect of a proposed fix before anyone changes the server.
 * They reach into private fields on purpose; none of this is used by the default runs.
 *
 *   no-savepoint   group commit without a SAVEPOINT per job (as if savepoints were only used to
 *                  retry a batch after a failure; no job fails in these benchmarks)
 *   outbox-buffer  encode each outgoing frame to a Buffer once, not once per socket
 *   outbox-raw     also build the WebSocket frame once and write it straight to each TCP socket
 *   flush-<n>ms    flush the outboxes <n> ms after the first queued event instead of next turn
 *   no-search      no history-search indexing at all (messages are still queued for it)
 *   alerts-no-store  alert matches are evaluated and pushed but not written (ids invented)
 *   alerts-no-push   alert matches are evaluated and stored but not published to connections
 *   post-sql-elsewhere  a post's own SQL (next sequence number, message row, CHAT row) is not run:
 *                  numbers are counted in memory and nothing is stored (the benchmark reports
 *                  the messages as lost). The ceiling of moving that SQL off the event loop, to a
 *                  writer thread with room to spare; transactions and syncs still run.
 *
 * (`search-worker`, the search drain in a worker thread, became the server's own indexer:
 * packages/server/src/search/sqlite/search-indexer-worker.ts, docs/decisions/0008; `seq-select`,
 * nextSeq as UPDATE then SELECT, became the store's own.)
 */
import BetterSqlite3 from 'better-sqlite3';
import { createMemoryBus } from '../packages/server/src/bus/memory/memory-bus.ts';
import type { Bus, BusEvent } from '../packages/server/src/bus/types.ts';
import type { AlertMatch } from '../packages/server/src/domain/alerts.ts';
import { SqliteStoreOps } from '../packages/server/src/storage/sqlite/sqlite-store-ops.ts';
import { Outbox, type OutboxTarget } from '../packages/server/src/live/outbox.ts';
import type { SearchIndex } from '../packages/server/src/search/types.ts';
import { WsSession } from '../packages/server/src/transports/ws/session.ts';

export const EXPERIMENTS = [
  'no-savepoint',
  'outbox-buffer',
  'outbox-raw',
  'flush-<n>ms',
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

function noSavepoint(): void {
  const proto = BetterSqlite3.prototype as { exec: (this: BetterSqlite3.Database, sql: string) => unknown };
  const exec = proto.exec;
  proto.exec = function (sql) {
    if (sql === 'SAVEPOINT job' || sql === 'RELEASE job') return this;
    return exec.call(this, sql);
  };
}

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

function flushDelay(ms: number): void {
  Outbox.prototype.push = function (this: any, target: OutboxTarget, serialized: string): void {
    target.queue.push(serialized);
    this.dirty.add(target);
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(this.flush as () => void, ms);
    }
  };
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
  const proto = SqliteStoreOps.prototype as unknown as Record<string, (...args: never[]) => Promise<unknown>>;
  proto.nextSeq = (roomId: string) => {
    const seq = (seqs.get(roomId) ?? 1e6) + 1;
    seqs.set(roomId, seq);
    return Promise.resolve(seq);
  };
  proto.insertMessage = () => Promise.resolve(id++);
  proto.recordCompliance = () => Promise.resolve();
}

export function applyExperiments(names: readonly string[]): void {
  for (const name of names) {
    const flush = /^flush-(\d+)ms$/.exec(name);
    if (name === 'no-savepoint') noSavepoint();
    else if (name === 'outbox-buffer') outbox(false);
    else if (name === 'outbox-raw') outbox(true);
    else if (flush) flushDelay(Number(flush[1]));
    else if (name === 'alerts-no-store') alertsNoStore();
    else if (name === 'post-sql-elsewhere') postSqlElsewhere();
    else if (name === 'no-search' || name === 'alerts-no-push')
      continue; // wired in server-process.ts
    else throw new Error(`unknown experiment ${name}; known: ${EXPERIMENTS.join(', ')}`);
  }
}
