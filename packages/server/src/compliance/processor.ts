/**
 * Compliance processing (spec §5.1 steps 4–5): one runner at a time, pool-wide, takes the lease
 * in the store, batches the pending events into conversations, hands each batch to the adapter
 * and, once the adapter has succeeded, deletes the batch's events in the same transaction that
 * advances the cursor.
 *
 * Exactly once, even across crashes and several servers:
 * - the lease is a row in the store, taken and renewed by conditional updates; every state change
 *   of the runner is fenced by it (a runner that lost its lease changes nothing);
 * - a batch is planned (number, id range, time) and recorded *before* the adapter runs; whoever
 *   runs next writes that same batch first, under the same file names, replacing any files a
 *   crashed, failed or slow runner left — so no event reaches the archive twice (a retry uses the
 *   configuration of its own time, so an administrator can fix a bad output folder);
 * - events are deleted only after the adapter returned, and only while the lease is held.
 * A failing adapter leaves everything pending; the error and its time are recorded for status.
 */
import {
  complianceConfigView,
  resolveComplianceConfig,
  type ComplianceConfigView,
} from '../domain/compliance-config.ts';
import type {
  ComplianceBacklog,
  ComplianceBatchPlan,
  ComplianceState,
  ComplianceStatePatch,
} from '../storage/types.ts';
import { buildBatch, DirectoryCache } from './batch.ts';
import { outputDirectory, type ComplianceRuntime } from './runtime.ts';

export type ComplianceRunResult =
  /** Everything pending when the run started was processed. */
  | { readonly outcome: 'done'; readonly events: number; readonly batches: number; readonly files: string[] }
  /** Another runner holds the lease. */
  | { readonly outcome: 'busy'; readonly holder: string | null; readonly leaseExpiresAt: number | null }
  /** The lease was taken over during the run (it had expired); the new holder finishes the batch. */
  | { readonly outcome: 'lost'; readonly events: number; readonly batches: number; readonly files: string[] }
  /** The adapter (or the store) failed; the batch stays pending and is retried. */
  | {
      readonly outcome: 'failed';
      readonly events: number;
      readonly batches: number;
      readonly files: string[];
      readonly error: string;
    };

/** A batch's deletion found a different number of events than were written: write it again. */
class BatchChanged extends Error {}

const MAX_BATCH_ATTEMPTS = 3;

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 2000);
}

export async function runComplianceOnce(rt: ComplianceRuntime): Promise<ComplianceRunResult> {
  const { store, owner } = rt;
  const startedAt = rt.clock();
  const taken = await store.write((tx) => tx.takeComplianceLease(owner, startedAt, startedAt + rt.leaseMs));
  if (!taken) {
    const s = await store.read.complianceState();
    return { outcome: 'busy', holder: s.leaseOwner, leaseExpiresAt: s.leaseExpiresAt };
  }

  const config = resolveComplianceConfig(await store.read.getComplianceConfig(), rt.minRunIntervalMs);
  const dir = outputDirectory(rt.dataDir, config);
  // Bound the run to what is pending now, so that a steady stream of new events cannot keep it going.
  const upTo = (await store.read.complianceBacklog()).lastId ?? 0;
  const directory = new DirectoryCache(store.read);
  const tempTag = owner.replace(/[^A-Za-z0-9_-]/g, '_');
  const files: string[] = [];
  let events = 0;
  let batches = 0;
  let attempts = 0;

  const finish = (patch: ComplianceStatePatch) =>
    store.write((tx) =>
      tx.updateComplianceState(owner, {
        lastRunAt: rt.clock(),
        lastRunBy: owner,
        lastRunEvents: events,
        leaseOwner: null,
        leaseExpiresAt: null,
        ...patch,
      }),
    );

  try {
    for (;;) {
      const plan = await store.write(async (tx): Promise<ComplianceBatchPlan | 'lost' | undefined> => {
        const now = rt.clock();
        if (!(await tx.updateComplianceState(owner, { leaseExpiresAt: now + rt.leaseMs }))) return 'lost';
        const state = await tx.complianceState();
        if (state.inFlight) return state.inFlight;
        const range = await tx.nextComplianceRange(rt.batchEvents, upTo);
        if (!range) return undefined;
        const planned = { ...range, number: state.batchNo + 1, plannedAt: now };
        await tx.updateComplianceState(owner, { inFlight: planned });
        return planned;
      });
      if (plan === 'lost') return { outcome: 'lost', events, batches, files };
      if (!plan) break;

      const records = await store.read.listComplianceRange(plan.firstId, plan.lastId);
      if (records.length > 0) {
        const batch = await buildBatch(plan, records, config, directory);
        const adapter = rt.adapterFor(config.AdapterType);
        files.push(...(await adapter.translate(batch, config, { directory: dir, tempTag })));
      }
      let done: number | 'lost';
      try {
        done = await store.write(async (tx) => {
          const now = rt.clock();
          if (!(await tx.updateComplianceState(owner, { leaseExpiresAt: now + rt.leaseMs }))) return 'lost';
          const deleted = await tx.deleteComplianceRange(plan.firstId, plan.lastId);
          if (deleted !== records.length) {
            throw new BatchChanged(
              `batch ${plan.number}: ${deleted} events to delete, ${records.length} written`,
            );
          }
          const state = await tx.complianceState();
          await tx.updateComplianceState(owner, {
            inFlight: null,
            cursor: Math.max(state.cursor, plan.lastId),
            processedTotal: state.processedTotal + deleted,
          });
          return deleted;
        });
      } catch (error) {
        // Events committed late inside the range (possible on stores without a single writer):
        // the batch stays in flight and is written again, with them, under the same names.
        if (error instanceof BatchChanged && ++attempts < MAX_BATCH_ATTEMPTS) continue;
        throw error;
      }
      if (done === 'lost') return { outcome: 'lost', events, batches, files };
      attempts = 0;
      events += done;
      batches++;
    }
    const now = rt.clock();
    await finish({ lastRunOk: true, lastSuccessAt: now });
    return { outcome: 'done', events, batches, files };
  } catch (error) {
    const message = messageOf(error);
    await finish({ lastRunOk: false, lastError: message, lastErrorAt: rt.clock() });
    return { outcome: 'failed', events, batches, files, error: message };
  }
}

// ---- status

export interface ComplianceStatus {
  readonly config: ComplianceConfigView;
  readonly outputDirectory: string;
  /** The highest event id processed so far. */
  readonly cursor: number;
  readonly backlog: ComplianceBacklog;
  readonly lastRun: {
    readonly at: number;
    readonly ok: boolean;
    readonly by: string | null;
    readonly events: number;
  } | null;
  readonly lastSuccessAt: number | null;
  readonly lastError: { readonly at: number | null; readonly message: string } | null;
  /** The current lease, when one is held and not expired. */
  readonly lease: { readonly owner: string; readonly expiresAt: number | null } | null;
  readonly inFlight: Omit<ComplianceBatchPlan, 'config'> | null;
  /** Batches planned so far. */
  readonly batches: number;
  readonly processedTotal: number;
  /** When the next scheduled run is due (null before the first run: RunInterval after start). */
  readonly nextRunAt: number | null;
}

/** When a scheduler should run next: RunInterval after the last success; a failure retries sooner. */
export const RETRY_AFTER_FAILURE_MS = 60_000;

export function nextRunDue(
  state: Pick<ComplianceState, 'lastRunAt' | 'lastSuccessAt'>,
  intervalMs: number,
  startedAt: number | null,
): number | null {
  const base = state.lastSuccessAt ?? startedAt;
  if (base === null) return null;
  const due = base + intervalMs;
  if (state.lastRunAt === null) return due;
  return Math.max(due, state.lastRunAt + Math.min(intervalMs, RETRY_AFTER_FAILURE_MS));
}

export async function complianceStatus(rt: ComplianceRuntime): Promise<ComplianceStatus> {
  const [state, stored, backlog] = await Promise.all([
    rt.store.read.complianceState(),
    rt.store.read.getComplianceConfig(),
    rt.store.read.complianceBacklog(),
  ]);
  const config = resolveComplianceConfig(stored, rt.minRunIntervalMs);
  const now = rt.clock();
  const leaseHeld =
    state.leaseOwner !== null && (state.leaseExpiresAt === null || state.leaseExpiresAt > now);
  const inFlight = state.inFlight
    ? {
        number: state.inFlight.number,
        firstId: state.inFlight.firstId,
        lastId: state.inFlight.lastId,
        count: state.inFlight.count,
        plannedAt: state.inFlight.plannedAt,
      }
    : null;
  return {
    config: complianceConfigView(config),
    outputDirectory: outputDirectory(rt.dataDir, config),
    cursor: state.cursor,
    backlog,
    lastRun:
      state.lastRunAt === null
        ? null
        : {
            at: state.lastRunAt,
            ok: state.lastRunOk === true,
            by: state.lastRunBy,
            events: state.lastRunEvents,
          },
    lastSuccessAt: state.lastSuccessAt,
    lastError: state.lastError === null ? null : { at: state.lastErrorAt, message: state.lastError },
    lease: leaseHeld ? { owner: state.leaseOwner, expiresAt: state.leaseExpiresAt } : null,
    inFlight,
    batches: state.batchNo,
    processedTotal: state.processedTotal,
    nextRunAt: nextRunDue(state, config.RunInterval, null),
  };
}
