/**
 * Compliance processing (spec §5.1): the configuration (one row per §5.3 parameter) and the
 * pool-wide processing state — one row holding the lease (owner, expiry), the cursor (last
 * processed event id), the batch in flight and the outcome of the last run. Pending events stay
 * in `compliance_events` (0001) until an adapter has processed them.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../types.ts';

/** The typed shape of the tables this step creates (used with `db.withTables`). */
// A type alias, not an interface: `withTables` needs an index-signature-compatible type.
export type ComplianceTables = {
  compliance_config: { key: string; value: string };
  compliance_state: {
    id: number;
    cursor: number;
    batch_no: number;
    batch_first_id: number | null;
    batch_last_id: number | null;
    batch_count: number | null;
    batch_planned_at: number | null;
    lease_owner: string | null;
    lease_expires_at: number | null;
    last_run_at: number | null;
    last_run_ok: number | null;
    last_run_by: string | null;
    last_run_events: number;
    last_success_at: number | null;
    last_error: string | null;
    last_error_at: number | null;
    processed_total: number;
  };
};

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('compliance_config')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('compliance_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('cursor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('batch_no', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('batch_first_id', 'bigint')
    .addColumn('batch_last_id', 'bigint')
    .addColumn('batch_count', 'bigint')
    .addColumn('batch_planned_at', 'bigint')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('last_run_at', 'bigint')
    .addColumn('last_run_ok', 'integer')
    .addColumn('last_run_by', 'text')
    .addColumn('last_run_events', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_success_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'bigint')
    .addColumn('processed_total', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();

  await (db as Kysely<ComplianceTables>)
    .insertInto('compliance_state')
    .values({ id: 1, cursor: 0, batch_no: 0, last_run_events: 0, processed_total: 0 })
    .execute();
}
