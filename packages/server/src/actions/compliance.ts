/**
 * Compliance administration (spec §5.3): change the configuration, run the adapter now, read the
 * processing status. Administrators and the command line only; configuration changes and manual
 * runs are audited. Processing itself lives in compliance/ (it runs as a system job).
 */
import {
  runComplianceOnce,
  complianceStatus,
  type ComplianceRunResult,
  type ComplianceStatus,
} from '../compliance/processor.ts';
import type { ComplianceRuntime } from '../compliance/runtime.ts';
import {
  checkComplianceChanges,
  complianceConfigView,
  resolveComplianceConfig,
  type ComplianceConfigView,
} from '../domain/compliance-config.ts';
import type { Actor } from '../domain/model.ts';
import { requireAdmin, transact, type ActionContext } from './context.ts';

export async function getComplianceConfig(
  ctx: ActionContext,
  actor: Actor,
  rt: Pick<ComplianceRuntime, 'minRunIntervalMs'>,
): Promise<ComplianceConfigView> {
  await requireAdmin(ctx, actor);
  return complianceConfigView(
    resolveComplianceConfig(await ctx.store.read.getComplianceConfig(), rt.minRunIntervalMs),
  );
}

/**
 * Changes some compliance parameters (names as in spec §5.3; RunInterval as a TimeSpan such as
 * `00:15:00`). Every value is checked before anything is stored; returns the new configuration.
 */
export async function doSetComplianceConfig(
  ctx: ActionContext,
  actor: Actor,
  changes: Readonly<Record<string, unknown>>,
  rt: Pick<ComplianceRuntime, 'minRunIntervalMs'>,
): Promise<ComplianceConfigView> {
  await requireAdmin(ctx, actor);
  const checked = checkComplianceChanges(changes, rt.minRunIntervalMs);
  if (Object.keys(checked).length > 0) {
    await transact(ctx, async (tx) => {
      for (const [key, value] of Object.entries(checked)) await tx.setComplianceConfig(key, value);
      await tx.recordAudit({
        at: ctx.clock(),
        actor,
        action: 'compliance.config',
        target: 'compliance',
        details: checked,
      });
    });
  }
  return getComplianceConfig(ctx, actor, rt);
}

/** Runs the adapter now on this node (if no other node holds the lease); audited. */
export async function doRunCompliance(
  ctx: ActionContext,
  actor: Actor,
  rt: ComplianceRuntime,
): Promise<ComplianceRunResult> {
  await requireAdmin(ctx, actor);
  const result = await runComplianceOnce(rt);
  await transact(ctx, (tx) =>
    tx.recordAudit({
      at: ctx.clock(),
      actor,
      action: 'compliance.run',
      target: 'compliance',
      details: {
        outcome: result.outcome,
        ...('events' in result ? { events: result.events, batches: result.batches } : {}),
        ...(result.outcome === 'failed' ? { error: result.error } : {}),
      },
    }),
  );
  return result;
}

export async function getComplianceStatus(
  ctx: ActionContext,
  actor: Actor,
  rt: ComplianceRuntime,
): Promise<ComplianceStatus> {
  await requireAdmin(ctx, actor);
  return complianceStatus(rt);
}
