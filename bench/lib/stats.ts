/** Percentiles, medians and the two output forms: a readable table and one JSON line. */

export interface Latency {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

/** Latency summary in milliseconds of ascending samples in microseconds. */
export function latencyMs(sortedUs: Float64Array): Latency {
  let sum = 0;
  for (const v of sortedUs) sum += v;
  const ms = (v: number) => Math.round(v) / 1000;
  return {
    count: sortedUs.length,
    p50: ms(percentile(sortedUs, 50)),
    p90: ms(percentile(sortedUs, 90)),
    p99: ms(percentile(sortedUs, 99)),
    p999: ms(percentile(sortedUs, 99.9)),
    max: ms(percentile(sortedUs, 100)),
    mean: sortedUs.length === 0 ? NaN : ms(sum / sortedUs.length),
  };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

export function fmt(value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value)) return value.toLocaleString('en-US');
    return value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) < 10 ? 3 : 1 });
  }
  return String(value);
}

/** Prints rows of [label, value] as an aligned two-column table under a title. */
export function printTable(title: string, rows: readonly (readonly [string, unknown])[]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${fmt(v)}`);
  const rule = '-'.repeat(Math.max(title.length, ...lines.map((l) => l.length)));
  console.log(`\n${title}\n${rule}\n${lines.join('\n')}\n${rule}`);
}

/** The machine-readable result: exactly one line of JSON. */
export function printJson(result: object): void {
  console.log(JSON.stringify(result));
}

/** Flattens nested result objects to dotted keys with numeric or boolean values. */
export function flatten(obj: object, prefix = '', out: Record<string, number | boolean> = {}) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number' || typeof v === 'boolean') out[key] = v;
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as object, key, out);
  }
  return out;
}
