/** CPU use of a process over a window, as a percentage of one core. */
export interface CpuMark {
  readonly atUs: number;
  readonly user: number;
  readonly system: number;
}

export function cpuMark(atUs: number): CpuMark {
  const u = process.cpuUsage();
  return { atUs, user: u.user, system: u.system };
}

export function cpuPercent(a: CpuMark, b: CpuMark): { cpu: number; user: number; system: number } {
  const span = b.atUs - a.atUs;
  const pct = (v: number) => Math.round((1000 * v) / span) / 10;
  return {
    cpu: pct(b.user - a.user + b.system - a.system),
    user: pct(b.user - a.user),
    system: pct(b.system - a.system),
  };
}
