/**
 * The server process's threads over the measured window, from /proc (Linux; elsewhere the list
 * is empty): the share of a core each ran and waited for one (schedstat), and what it read and
 * wrote through system calls (io: rchar and wchar, files and sockets alike, page cache included).
 * The event loop is the thread whose id is the process's; the post lane, the search indexer and
 * the alert matcher are worker threads without names of their own, usually the next busiest.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ThreadSample {
  readonly runNs: number;
  readonly waitNs: number;
  readonly rchar: number;
  readonly wchar: number;
}

export interface ThreadUse {
  readonly tid: number;
  /** The process's main thread (the event loop). */
  readonly main: boolean;
  /** % of one core spent running, and waiting to run. */
  readonly cpu: number;
  readonly wait: number;
  readonly readMBs: number;
  readonly writeMBs: number;
}

const NONE: ThreadSample = { runNs: 0, waitNs: 0, rchar: 0, wchar: 0 };

function field(text: string, name: string): number {
  const m = new RegExp(`^${name}: (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

export function sampleThreads(pid: number | undefined): Map<number, ThreadSample> {
  const out = new Map<number, ThreadSample>();
  if (pid === undefined) return out;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const [run = 0, wait = 0] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')
        .trim()
        .split(/\s+/)
        .map(Number);
      const io = readFileSync(`/proc/${pid}/task/${tid}/io`, 'utf8');
      out.set(Number(tid), {
        runNs: run,
        waitNs: wait,
        rchar: field(io, 'rchar'),
        wchar: field(io, 'wchar'),
      });
    } catch {
      // the thread ended meanwhile, or /proc/<pid>/task/<tid>/io is not readable here
    }
  }
  return out;
}

/** Threads that ran at least 1 % of a core between the samples, busiest first. */
export function threadUse(
  pid: number | undefined,
  a: Map<number, ThreadSample>,
  b: Map<number, ThreadSample>,
  seconds: number,
): ThreadUse[] {
  if (seconds <= 0) return [];
  const round = (x: number) => Math.round(x * 10) / 10;
  const use: ThreadUse[] = [];
  for (const [tid, end] of b) {
    // A thread started during the window (the post lane starts at the first post) counts from zero.
    const start = a.get(tid) ?? NONE;
    const cpu = (end.runNs - start.runNs) / 1e7 / seconds;
    if (cpu < 1) continue;
    use.push({
      tid,
      main: tid === pid,
      cpu: round(cpu),
      wait: round((end.waitNs - start.waitNs) / 1e7 / seconds),
      readMBs: round((end.rchar - start.rchar) / 1e6 / seconds),
      writeMBs: round((end.wchar - start.wchar) / 1e6 / seconds),
    });
  }
  return use.sort((x, y) => y.cpu - x.cpu);
}

/** One line per thread, for a result table: `loop 51.9 % (wait 14.9) r 3.4 w 8.2 MB/s`. */
export function describeThreads(use: readonly ThreadUse[], count = 4): string {
  return use
    .slice(0, count)
    .map((t) => `${t.main ? 'loop' : t.tid} ${t.cpu}% (wait ${t.wait}) r ${t.readMBs} w ${t.writeMBs} MB/s`)
    .join('; ');
}
