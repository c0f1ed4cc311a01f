/**
 * Lowers the scheduling priority of the calling thread (Linux: each thread has its own nice
 * value; `/proc/thread-self` names it). For threads whose work can wait — the search indexer —
 * so that, when both cores are busy, the event loop and the post lane run first and the
 * background thread takes what is left. Raising a priority again needs privileges, so this is
 * only ever done to threads that hold no lock others wait for (docs/decisions/0018).
 *
 * Returns whether it took effect; anywhere else (other systems, no /proc) it does nothing.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value of background threads: a tenth of a normal thread's share of a busy core. */
export const BACKGROUND_NICE = 10;

export function lowerThreadPriority(nice = BACKGROUND_NICE): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
