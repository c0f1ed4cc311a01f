/**
 * The embedded default store: one SQLite file in WAL mode, one writer connection with group
 * commit, one reader connection. Every `write` queued during one event-loop turn is committed in
 * a single transaction (one fsync), each inside its own savepoint so that one failing write does
 * not undo the others. A write's promise settles only after COMMIT returned, so an
 * acknowledgement sent after it is durable.
 *
 * The writer never blocks the event loop waiting for another connection (the search indexer's
 * worker thread, a second process): `BEGIN IMMEDIATE` fails at once when the database is locked
 * and the batch is retried a moment later, growing meanwhile, for up to `BUSY_RETRY_MS`.
 *
 * A batch made only of `durability: 'deferred'` writes (records of reads: a join's JOIN and
 * BACKCHAT) commits with `synchronous=NORMAL`: in WAL mode that commit survives a crash of the
 * process at once (it is in the operating system's page cache), and it is on disk once the next
 * full commit that writes synced the WAL (which holds it, frames being sequential) or, at the
 * latest, `DEFERRED_SYNC_MS` later, when the store syncs the WAL file itself (docs/decisions/0009).
 */
import BetterSqlite3 from 'better-sqlite3';
import { closeSync, fdatasync, openSync } from 'node:fs';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest } from '../migrate.ts';
import type { DB } from '../schema.ts';
import type { Store, StoreWriter, WriteOptions } from '../types.ts';
import { SqliteStoreOps } from './sqlite-store-ops.ts';

export interface SqliteStoreOptions {
  /** Path of the database file, or ':memory:' is refused (the reader needs a shared file). */
  readonly file: string;
  /** `full` (default) syncs every commit to disk: acknowledged means durable even on power loss. */
  readonly synchronous?: 'full' | 'normal';
  /**
   * WAL size (pages) at which the writer checkpoints by itself, inside a commit, on the event
   * loop. The server's search indexer checkpoints in its worker thread at a quarter of the
   * default (search/sqlite/search-indexer-worker.ts), so this is the safety net for when it does
   * not run (the command line, another search adapter). Default 4,000 (16 MB).
   */
  readonly autocheckpointPages?: number;
}

/** How long the writer keeps retrying a locked database before failing the batch, ms. */
export const BUSY_RETRY_MS = 5000;
/** At most this long after a deferred commit, the WAL is synced to disk, ms. */
export const DEFERRED_SYNC_MS = 100;

interface Job {
  work: (tx: StoreWriter) => Promise<unknown>;
  deferred: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED');
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const writerDb = new BetterSqlite3(options.file);
  writerDb.pragma('journal_mode = WAL');
  writerDb.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  writerDb.pragma('foreign_keys = ON');
  writerDb.pragma('busy_timeout = 5000');
  const writerKysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: writerDb }) });
  await migrateToLatest(writerKysely as Kysely<unknown>, 'sqlite');
  // From now on a locked database is retried asynchronously (flush), never waited for in place.
  writerDb.pragma('busy_timeout = 0');
  writerDb.pragma(`wal_autocheckpoint = ${options.autocheckpointPages ?? 4000}`);
  const full = options.synchronous !== 'normal';
  const tx = {
    begin: writerDb.prepare('BEGIN IMMEDIATE'),
    commit: writerDb.prepare('COMMIT'),
    savepoint: writerDb.prepare('SAVEPOINT job'),
    release: writerDb.prepare('RELEASE job'),
    rollbackTo: writerDb.prepare('ROLLBACK TO job'),
    syncNormal: writerDb.prepare('PRAGMA synchronous = NORMAL'),
    syncFull: writerDb.prepare('PRAGMA synchronous = FULL'),
  };

  const readerDb = new BetterSqlite3(options.file, { readonly: true });
  readerDb.pragma('busy_timeout = 5000');
  // Joins read the tail of any room: keep the hot pages of large histories in the reader's cache
  // (64 MB instead of SQLite's 2 MB) rather than read them again from the operating system.
  readerDb.pragma('cache_size = -65536');
  const readerKysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: readerDb }) });

  const writer = new SqliteStoreOps(writerKysely, writerDb);
  const reader = new SqliteStoreOps(readerKysely, readerDb);

  let queue: Job[] = [];
  let scheduled = false;
  let running = false;
  let closed = false;
  /** When the first attempt of the waiting batch found the database locked (0: not waiting). */
  let busySince = 0;
  let busyTimer: NodeJS.Timeout | undefined;

  // Deferred commits: the WAL is synced by the next full commit that writes, and by this timer.
  let unsynced = false;
  let syncTimer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> | undefined;
  let walFd: number | undefined;
  const syncWal = (): Promise<void> => {
    syncTimer = undefined;
    if (!unsynced) return Promise.resolve();
    try {
      walFd ??= openSync(`${options.file}-wal`, 'r');
    } catch {
      return Promise.resolve(); // no WAL file: nothing deferred is left to sync
    }
    unsynced = false; // commits after this point set it again
    const fd = walFd;
    const done = new Promise<void>((resolve) =>
      fdatasync(fd, (error) => {
        if (error) unsynced = true; // retried by the next deferred commit or at close
        resolve();
      }),
    );
    syncing = done.then(() => (syncing = undefined));
    return done;
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

  const flush = async () => {
    running = true;
    const batch = queue;
    queue = [];
    const deferred = full && batch.every((job) => job.deferred);
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      if (deferred) tx.syncNormal.run();
      try {
        tx.begin.run();
      } catch (error) {
        if (!isBusy(error)) throw error;
        // Another connection writes: retry shortly with everything queued meanwhile.
        if (deferred) tx.syncFull.run();
        const now = Date.now();
        busySince ||= now;
        if (now - busySince > BUSY_RETRY_MS) throw error;
        queue = batch.concat(queue);
        running = false;
        busyTimer = setTimeout(() => {
          busyTimer = undefined;
          schedule();
        }, 1);
        return;
      }
      busySince = 0;
      for (const job of batch) {
        tx.savepoint.run();
        try {
          outcomes.push({ ok: true, value: await job.work(writer) });
          tx.release.run();
        } catch (error) {
          tx.rollbackTo.run();
          tx.release.run();
          outcomes.push({ ok: false, value: error });
        }
      }
      tx.commit.run();
      if (deferred) {
        tx.syncFull.run();
        unsynced = true;
        // Synced even if a full commit comes first: one that wrote nothing (a duplicate post, a
        // rolled-back job) does not sync the WAL, and this costs one fdatasync off the event loop.
        syncTimer ??= setTimeout(() => void syncWal(), DEFERRED_SYNC_MS);
      }
    } catch (error) {
      busySince = 0;
      if (writerDb.inTransaction) writerDb.exec('ROLLBACK');
      if (deferred) tx.syncFull.run();
      settleAll(batch, error);
      running = false;
      if (queue.length > 0) schedule();
      return;
    }
    running = false;
    batch.forEach((job, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) job.resolve(outcome.value);
      else job.reject(outcome?.value);
    });
    if (queue.length > 0) schedule();
  };

  return {
    dialect: 'sqlite',
    read: reader,
    write<T>(work: (tx: StoreWriter) => Promise<T>, options?: WriteOptions): Promise<T> {
      if (closed) return Promise.reject(new Error('store closed'));
      return new Promise<T>((resolve, reject) => {
        queue.push({
          work,
          deferred: options?.durability === 'deferred',
          resolve: resolve as (v: unknown) => void,
          reject,
        });
        schedule();
      });
    },
    async close() {
      closed = true;
      while (running || scheduled || busyTimer || queue.length > 0)
        await new Promise((r) => setTimeout(r, 5));
      if (syncTimer) clearTimeout(syncTimer);
      await syncing;
      await syncWal();
      if (walFd !== undefined) closeSync(walFd);
      await readerKysely.destroy();
      await writerKysely.destroy();
    },
  };
}
