/**
 * Whole-machine CPU use from /proc/stat, to tell whether something outside the benchmark competed
 * for the two cores during a run (other engineers' test runs share this machine).
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { sleep } from './clock.ts';

export interface Ticks {
  readonly busy: number;
  readonly total: number;
}

export function ticks(): Ticks {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** Machine CPU use between two samples, in % of one core (200 = both cores busy). */
export function machinePercent(a: Ticks, b: Ticks): number {
  const total = b.total - a.total;
  return total <= 0 ? NaN : Math.round((1000 * cpus().length * (b.busy - a.busy)) / total) / 10;
}

/** Waits (up to `maxMs`) until the machine is quiet: under `limit` % of one core busy over a second. */
export async function waitQuiet(limit = 15, maxMs = 600_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const a = ticks();
    await sleep(1000);
    const busy = machinePercent(a, ticks());
    if (!(busy > limit) || Date.now() - started > maxMs) return busy;
    process.stderr.write(`\r  waiting for a quiet machine: ${busy} % busy   `);
  }
}
