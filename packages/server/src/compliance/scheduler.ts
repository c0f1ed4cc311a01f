/**
 * The compliance scheduler, one per node: it ticks (a few times per RunInterval, at most every
 * 10 s, with jitter so that nodes do not tick in step), reads the shared state, and when a run
 * is due — RunInterval after the last successful run, or a minute after a failed one — tries to
 * take the lease and run. The lease, not the timer, decides which node runs a batch.
 */
import { DEFAULT_COMPLIANCE_CONFIG, resolveComplianceConfig } from '../domain/compliance-config.ts';
import { nextRunDue, runComplianceOnce } from './processor.ts';
import type { ComplianceRuntime } from './runtime.ts';

const MAX_TICK_MS = 10_000;
const MIN_TICK_MS = 20;
const FIRST_TICK_MS = 1000;

export class ComplianceScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly startedAt: number;

  constructor(
    private readonly rt: ComplianceRuntime,
    private readonly onError: (error: unknown) => void,
    private readonly random: () => number = Math.random,
  ) {
    this.startedAt = rt.clock();
  }

  start(): void {
    // The first tick reads the configured interval; it comes soon, at a random moment per node.
    this.schedule(Math.round(FIRST_TICK_MS * this.random()));
  }

  /** Stops ticking and waits for a run in progress to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private delay(intervalMs: number): number {
    const base = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, intervalMs / 4));
    return Math.round(base * (0.5 + this.random()));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let interval = DEFAULT_COMPLIANCE_CONFIG.RunInterval;
    try {
      const { store, owner } = this.rt;
      const [state, stored] = await Promise.all([
        store.read.complianceState(),
        store.read.getComplianceConfig(),
      ]);
      interval = resolveComplianceConfig(stored, this.rt.minRunIntervalMs).RunInterval;
      const now = this.rt.clock();
      const due = nextRunDue(state, interval, this.startedAt) ?? now;
      const leasedElsewhere =
        state.leaseOwner !== null && state.leaseOwner !== owner && (state.leaseExpiresAt ?? 0) > now;
      if (now >= due && !leasedElsewhere && !this.stopped) {
        const result = await runComplianceOnce(this.rt);
        if (result.outcome === 'failed') this.onError(new Error(`compliance run failed: ${result.error}`));
      }
    } catch (error) {
      this.onError(error);
    } finally {
      this.schedule(this.delay(interval));
    }
  }
}
