/**
 * A microsecond clock shared by every process on the machine (CLOCK_MONOTONIC through libuv), so a
 * timestamp taken by a sender in one process can be compared with a receive time in another.
 */
export function nowUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + ns / 1e3;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
