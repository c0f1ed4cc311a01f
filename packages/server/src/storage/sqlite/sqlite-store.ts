/**
 * The embedded default store: one SQLite file in WAL mode, one writer connection with group
 * commit, one reader connection. Every `write` queued during one event-loop turn is committed in
 * a single transaction, each inside its own savepoint so that one failing write does not undo the
 * others. A write's promise settles only once its commit is on disk, so an acknowledgement sent
 * after it is durable.
 *
 * The disk is never waited for on the event loop: the connection commits with
 * `synchronous=NORMAL` (the frames reach the operating system's page cache) and the store then
 * syncs the WAL file with `fdatasync` on libuv's thread pool, one sync at a time; the writes of
 * every commit that sync covers settle when it returns, and the next batch is built and committed
 * meanwhile (docs/decisions/0010). `synchronous: 'normal'` settles writes at COMMIT instead.
 *
 * The writer never blocks the event loop waiting for another connection (the search indexer's
 * worker thread, a second process): `BEGIN IMMEDIATE` fails at once when the database is locked
 * and the batch is retried a moment later, growing meanwhile, for up to `BUSY_RETRY_MS`.
 *
 * A `durability: 'deferred'` write (records of reads: a join's JOIN and BACKCHAT) settles at
 * COMMIT: it survives a crash of the process at once (the page cache holds it), and it is on disk
 * with the next sync, which comes with the next durable write or at the latest `DEFERRED_SYNC_MS`
 * later (docs/decisions/0009).
 */
import BetterSqlite3 from 'better-sqlite3';
import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest } from '../migrate.ts';
import type { DB } from '../schema.ts';
import { appendPost } from '../append-post.ts';
import type { NewPost, Store, StoreWriter, WriteOptions } from '../types.ts';
import { PostLane } from './post-lane.ts';
import { SqliteStoreOps } from './sqlite-store-ops.ts';
import { SeqCounter } from './seq-counter.ts';
import type { WriteTurns } from './write-turns.ts';

export interface SqliteStoreOptions {
  /** Path of the database file, or ':memory:' is refused (the reader needs a shared file). */
  readonly file: string;
  /** `full` (default) syncs every commit to disk: acknowledged means durable even on power loss. */
  readonly synchronous?: 'full' | 'normal';
  /**
   * WAL size (pages) at which the writer checkpoints by itself, inside a commit (on the event
   * loop; the post lane's store, in its thread, sets 16,384: docs/decisions/0016). The server's
   * search indexer checkpoints in its worker thread at a quarter of the default
   * (search/sqlite/search-indexer-worker.ts), so this is the safety net for when it does not run
   * (the command line, another search adapter). Default 4,000 (16 MB).
   */
  readonly autocheckpointPages?: number;
  /** Turns at the write lock with another thread writing the same file (write-turns.ts). */
  readonly turns?: WriteTurns;
  /**
   * Append posts in a writer thread of their own, the post lane (post-lane.ts,
   * docs/decisions/0013). The server sets it; tools and the command line do not.
   */
  readonly postLane?: boolean;
  /** This store is the post lane's own, in its thread: its jobs (appendPost) may run twice. */
  readonly asLane?: boolean;
  /** Errors of the post lane's thread. */
  readonly onError?: (error: unknown) => void;
}

/** How long the writer keeps retrying a locked database before failing the batch, ms. */
export const BUSY_RETRY_MS = 5000;
/**
 * A commit of at most this many writes, made at least `INLINE_SYNC_QUIET_MS` after the previous
 * one ended and while no sync runs (a server that is not busy), is synced on the event loop;
 * others off it (docs/decisions/0010).
 */
export const INLINE_SYNC_MAX_WRITES = 4;
export const INLINE_SYNC_QUIET_MS = 2;
/** At most this long after a deferred commit, the WAL is synced to disk, ms. */
export const DEFERRED_SYNC_MS = 100;

interface Job {
  work: (tx: StoreWriter) => Promise<unknown>;
  deferred: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** A job whose transaction committed, waiting for the WAL to reach the disk. */
interface Committed {
  readonly job: Job;
  readonly value: unknown;
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED');
}

/** The SQLite store; `postLane` is there for the server (which starts it) and for tests. */
export interface SqliteStore extends Store {
  readonly postLane: PostLane | undefined;
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const writerDb = new BetterSqlite3(options.file);
  writerDb.pragma('journal_mode = WAL');
  writerDb.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  writerDb.pragma('foreign_keys = ON');
  writerDb.pragma('busy_timeout = 5000');
  // Every query of the shared Kysely code on the writer first writes the sequence numbers given
  // out so far (seq-counter.ts), so that none reads a stale `rooms.last_seq`.
  const queryHook: { beforeQuery?: () => void } = {};
  const writerKysely = new Kysely<DB>({
    dialect: new SqliteDialect({
      database: {
        close: () => writerDb.close(),
        prepare: (statement: string) => {
          queryHook.beforeQuery?.();
          return writerDb.prepare(statement);
        },
      },
    }),
  });
  await migrateToLatest(writerKysely as Kysely<unknown>, 'sqlite');
  // From now on a locked database is retried asynchronously (flush), never waited for in place.
  writerDb.pragma('busy_timeout = 0');
  writerDb.pragma(`wal_autocheckpoint = ${options.autocheckpointPages ?? 4000}`);
  // Durable (`full`) commits are synced by this store, off the event loop (below), not by SQLite
  // inside COMMIT: the connection itself never waits for the disk.
  const full = options.synchronous !== 'normal';
  writerDb.pragma('synchronous = NORMAL');
  const tx = {
    begin: writerDb.prepare('BEGIN IMMEDIATE'),
    commit: writerDb.prepare('COMMIT'),
    savepoint: writerDb.prepare('SAVEPOINT job'),
    release: writerDb.prepare('RELEASE job'),
    rollbackTo: writerDb.prepare('ROLLBACK TO job'),
  };

  const readerDb = new BetterSqlite3(options.file, { readonly: true });
  readerDb.pragma('busy_timeout = 5000');
  // Joins read the tail of any room: keep the hot pages of large histories in the reader's cache
  // (64 MB instead of SQLite's 2 MB) rather than read them again from the operating system.
  readerDb.pragma('cache_size = -65536');
  const readerKysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: readerDb }) });

  const counter = new SeqCounter(
    writerDb.prepare('SELECT last_seq, last_message_at, times_in_order FROM rooms WHERE id = ?'),
    writerDb.prepare('UPDATE rooms SET last_seq = ?, last_message_at = ?, times_in_order = ? WHERE id = ?'),
  );
  queryHook.beforeQuery = () => counter.beforeQuery();
  const writer = new SqliteStoreOps(writerKysely, writerDb, counter);
  const reader = new SqliteStoreOps(readerKysely, readerDb);

  let queue: Job[] = [];
  let scheduled = false;
  let running = false;
  let closed = false;
  /** When the first attempt of the waiting batch found the database locked (0: not waiting). */
  let busySince = 0;
  let busyTimer: NodeJS.Timeout | undefined;
  /** Stepped aside for the other writer since the last commit (one turn per commit at most). */
  let stepped = false;
  /** The post lane's next batch runs each job in a savepoint (one failed without). */
  let carefulNext = false;
  const retrySoon = () => {
    busyTimer = setTimeout(() => {
      busyTimer = undefined;
      schedule();
    }, 1);
  };

  // ---- syncing the WAL (docs/decisions/0010)
  /** Committed durable writes whose promise settles once the WAL is on disk. */
  let awaitingSync: Committed[] = [];
  /** Something was committed (deferred writes) that no sync has covered yet. */
  let unsynced = false;
  let syncing = false;
  let syncTimer: NodeJS.Timeout | undefined;
  let walFd: number | undefined;
  /**
   * One `fdatasync` of the WAL file at a time, on libuv's thread pool. It covers every frame
   * written before it started, so it settles every write committed so far; writes committed while
   * it runs wait for the next one, which starts as soon as it returns (a second group commit).
   */
  const settle = (settling: Committed[], error: Error | null): void => {
    if (error) {
      // Nothing is promised durable; what was written is tried again shortly (or at close).
      unsynced = true;
      const failed = new Error(`could not sync the database to disk: ${error.message}`);
      for (const c of settling) c.job.reject(failed);
      syncTimer ??= setTimeout(sync, DEFERRED_SYNC_MS);
      return;
    }
    for (const c of settling) c.job.resolve(c.value);
  };
  const sync = (inline = false): void => {
    if (syncTimer) clearTimeout(syncTimer);
    syncTimer = undefined;
    if (syncing || (awaitingSync.length === 0 && !unsynced)) return;
    try {
      walFd ??= openSync(`${options.file}-wal`, 'r');
    } catch (error) {
      // No WAL file although something was committed: nothing can be promised durable.
      const settling = awaitingSync;
      awaitingSync = [];
      unsynced = false;
      for (const c of settling) c.job.reject(error);
      return;
    }
    const settling = awaitingSync;
    awaitingSync = [];
    unsynced = false; // commits after this point set it again
    if (inline) {
      let failure: Error | null = null;
      try {
        fdatasyncSync(walFd);
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
      settle(settling, failure);
      return;
    }
    syncing = true;
    fdatasync(walFd, (error) => {
      syncing = false;
      settle(settling, error);
      if (!error) sync();
    });
  };

  const schedule = () => {
    if (scheduled || running || busyTimer) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  };

  const settleAll = (batch: Job[], error: unknown) => {
    for (const job of batch) job.reject(error);
  };

  /** When the previous flush ended (performance.now()). */
  let lastFlushEnd = 0;
  const flush = async () => {
    const quiet = performance.now() - lastFlushEnd >= INLINE_SYNC_QUIET_MS;
    if (!stepped && options.turns?.wanted()) {
      // The other writer (the search indexer) waits for the lock: let it take one turn now.
      stepped = true;
      options.turns.grant();
      retrySoon();
      return;
    }
    running = true;
    const batch = queue;
    queue = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      try {
        tx.begin.run();
      } catch (error) {
        if (!isBusy(error)) throw error;
        // Another connection writes: retry shortly with everything queued meanwhile.
        const now = Date.now();
        busySince ||= now;
        if (now - busySince > BUSY_RETRY_MS) throw error;
        queue = batch.concat(queue);
        running = false;
        retrySoon();
        return;
      }
      busySince = 0;
      // The post lane's jobs (appendPost) can run again: they go without a savepoint each, and a
      // batch in which one fails is rolled back and run again with savepoints.
      const careful = !options.asLane || carefulNext;
      carefulNext = false;
      for (const job of batch) {
        if (careful) tx.savepoint.run();
        try {
          outcomes.push({ ok: true, value: await job.work(writer) });
          if (careful) tx.release.run();
          counter.keep();
        } catch (error) {
          if (!careful) {
            writerDb.exec('ROLLBACK');
            counter.reset();
            carefulNext = true;
            queue = batch.concat(queue);
            running = false;
            schedule();
            return;
          }
          tx.rollbackTo.run();
          tx.release.run();
          counter.rollBack();
          outcomes.push({ ok: false, value: error });
        }
      }
      counter.flush();
      tx.commit.run();
      options.turns?.noteBatch(batch.length);
      counter.reset();
      stepped = false;
    } catch (error) {
      busySince = 0;
      if (writerDb.inTransaction) writerDb.exec('ROLLBACK');
      counter.reset();
      settleAll(batch, error);
      running = false;
      if (queue.length > 0) schedule();
      return;
    }
    running = false;
    batch.forEach((job, i) => {
      const outcome = outcomes[i];
      if (!outcome?.ok) job.reject(outcome?.value);
      else if (!full) job.resolve(outcome.value);
      else if (job.deferred) {
        // Settled now; on disk with the next sync, at the latest DEFERRED_SYNC_MS from now.
        unsynced = true;
        syncTimer ??= setTimeout(sync, DEFERRED_SYNC_MS);
        job.resolve(outcome.value);
      } else awaitingSync.push({ job, value: outcome.value });
    });
    // A small commit of a quiet server is synced in place: that answers soonest (a sync off the
    // loop settles only when the loop comes round, which a busy fan-out delays); others off it.
    if (awaitingSync.length > 0) sync(quiet && batch.length <= INLINE_SYNC_MAX_WRITES);
    lastFlushEnd = performance.now();
    if (queue.length > 0) schedule();
  };

  const write = <T>(work: (tx: StoreWriter) => Promise<T>, writeOptions?: WriteOptions): Promise<T> => {
    if (closed) return Promise.reject(new Error('store closed'));
    return new Promise<T>((resolve, reject) => {
      queue.push({
        work,
        deferred: writeOptions?.durability === 'deferred',
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      schedule();
    });
  };
  const appendHere = (post: NewPost) => write((tx) => appendPost(tx, post));
  const lane = options.postLane
    ? new PostLane(
        {
          file: options.file,
          synchronous: full ? 'full' : 'normal',
          turns: options.turns?.cells,
        },
        appendHere,
        options.onError ?? (() => undefined),
      )
    : undefined;

  return {
    dialect: 'sqlite',
    read: reader,
    write,
    appendMessage: (post) => (lane ? lane.append(post) : appendHere(post)),
    postLane: lane,
    async close() {
      await lane?.close();
      closed = true;
      const busy = () =>
        running ||
        scheduled ||
        busyTimer !== undefined ||
        queue.length > 0 ||
        syncing ||
        awaitingSync.length > 0;
      while (busy()) await new Promise((r) => setTimeout(r, 5));
      sync(); // deferred commits not yet covered
      while (busy()) await new Promise((r) => setTimeout(r, 5));
      if (syncTimer) clearTimeout(syncTimer);
      if (walFd !== undefined) closeSync(walFd);
      await readerKysely.destroy();
      await writerKysely.destroy();
    },
  };
}
