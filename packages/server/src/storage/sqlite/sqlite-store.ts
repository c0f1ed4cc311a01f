/**
 * The embedded default store: one SQLite file in WAL mode, one writer connection with group
 * commit, one reader connection. Every `write` queued during one event-loop turn is committed in
 * a single transaction (one fsync), each inside its own savepoint so that one failing write does
 * not undo the others. A write's promise settles only after COMMIT returned, so an
 * acknowledgement sent after it is durable.
 */
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest } from '../migrate.ts';
import type { DB } from '../schema.ts';
import type { Store, StoreWriter } from '../types.ts';
import { SqliteStoreOps } from './sqlite-store-ops.ts';

export interface SqliteStoreOptions {
  /** Path of the database file, or ':memory:' is refused (the reader needs a shared file). */
  readonly file: string;
  /** `full` (default) syncs every commit to disk: acknowledged means durable even on power loss. */
  readonly synchronous?: 'full' | 'normal';
}

interface Job {
  work: (tx: StoreWriter) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const writerDb = new BetterSqlite3(options.file);
  writerDb.pragma('journal_mode = WAL');
  writerDb.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  writerDb.pragma('foreign_keys = ON');
  writerDb.pragma('busy_timeout = 5000');
  const writerKysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: writerDb }) });
  await migrateToLatest(writerKysely as Kysely<unknown>, 'sqlite');

  const readerDb = new BetterSqlite3(options.file, { readonly: true });
  readerDb.pragma('busy_timeout = 5000');
  const readerKysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: readerDb }) });

  const writer = new SqliteStoreOps(writerKysely, writerDb);
  const reader = new SqliteStoreOps(readerKysely, readerDb);

  let queue: Job[] = [];
  let scheduled = false;
  let running = false;
  let closed = false;

  const schedule = () => {
    if (scheduled || running) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  };

  const flush = async () => {
    running = true;
    const batch = queue;
    queue = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      writerDb.exec('BEGIN IMMEDIATE');
      for (const job of batch) {
        writerDb.exec('SAVEPOINT job');
        try {
          outcomes.push({ ok: true, value: await job.work(writer) });
          writerDb.exec('RELEASE job');
        } catch (error) {
          writerDb.exec('ROLLBACK TO job');
          writerDb.exec('RELEASE job');
          outcomes.push({ ok: false, value: error });
        }
      }
      writerDb.exec('COMMIT');
    } catch (error) {
      if (writerDb.inTransaction) writerDb.exec('ROLLBACK');
      for (const job of batch) job.reject(error);
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
    write<T>(work: (tx: StoreWriter) => Promise<T>): Promise<T> {
      if (closed) return Promise.reject(new Error('store closed'));
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
        schedule();
      });
    },
    async close() {
      closed = true;
      while (running || scheduled || queue.length > 0) await new Promise((r) => setTimeout(r, 5));
      await readerKysely.destroy();
      await writerKysely.destroy();
    },
  };
}
