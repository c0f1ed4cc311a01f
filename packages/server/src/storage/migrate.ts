/** Versioned migrations, run at start-up by every adapter through Kysely's Migrator. */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as core from './migrations/0001-core.ts';
import * as compliance from './migrations/0002-compliance.ts';
import * as search from './migrations/0003-search.ts';
import * as followsInvitations from './migrations/0004-follows-invitations.ts';
import * as files from './migrations/0005-files.ts';
import * as alerts from './migrations/0006-alerts.ts';
import * as alertMatchesLean from './migrations/0007-alert-matches-lean.ts';
import * as searchMark from './migrations/0008-search-mark.ts';
import * as messageTimeOrder from './migrations/0009-message-time-order.ts';
import * as searchOwnFile from './migrations/0010-search-own-file.ts';
import type { Dialect } from './types.ts';

type Step = { up: (db: Kysely<unknown>, dialect: Dialect) => Promise<void> };

/** In order; never edit a released step, add a new one. */
const steps: Record<string, Step> = {
  '0001-core': core,
  '0002-compliance': compliance,
  '0003-search': search,
  '0004-follows-invitations': followsInvitations,
  '0005-files': files,
  '0006-alerts': alerts,
  '0007-alert-matches-lean': alertMatchesLean,
  '0008-search-mark': searchMark,
  '0009-message-time-order': messageTimeOrder,
  '0010-search-own-file': searchOwnFile,
};

export function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<string[]> {
  return migrateTo(db, dialect);
}

/** Up to and including the step `last` (all when absent): tests of a step start from its predecessor. */
export async function migrateTo(db: Kysely<unknown>, dialect: Dialect, last?: string): Promise<string[]> {
  const provider: MigrationProvider = {
    getMigrations: () =>
      Promise.resolve(
        Object.fromEntries(
          Object.entries(steps).map(([name, step]): [string, Migration] => [
            name,
            { up: (k) => step.up(k, dialect) },
          ]),
        ),
      ),
  };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'stoa_migrations',
    migrationLockTableName: 'stoa_migrations_lock',
  });
  const { error, results } = await (last === undefined
    ? migrator.migrateToLatest()
    : migrator.migrateTo(last));
  if (error) throw error instanceof Error ? error : new Error(JSON.stringify(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
