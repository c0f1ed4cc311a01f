/**
 * Open-loop posting and fan-out measurement for `deliver` and `room`. Message k (0-based) is due
 * at start + k/rate; it goes to room k mod R and is sent by member floor(k/R) mod perRoom of that
 * room. Its text starts with the send time (microseconds on the machine-wide monotonic clock), so
 * every receiver, in any process, measures send-to-receive latency. Each receiver also records
 * which sequence numbers it got, to prove nothing was lost or duplicated.
 */
import { connectAll, type BenchConn, type ClientLib } from '../lib/conn.ts';
import { nowUs, sleep } from '../lib/clock.ts';
import { cpuMark, cpuPercent } from '../lib/cpu.ts';
import { Samples } from '../lib/samples.ts';
import { filler } from '../lib/text.ts';
import type { Role } from './role.ts';

export interface FanoutConn {
  readonly token: string;
  readonly room: string;
  readonly roomIdx: number;
  readonly member: number;
}

export interface FanoutTask {
  readonly kind: 'fanout';
  readonly wsUrl: string;
  readonly clientLib: ClientLib;
  readonly rooms: readonly string[];
  readonly perRoom: number;
  readonly conns: readonly FanoutConn[];
  readonly rate: number;
  readonly durationMs: number;
  readonly textBytes: number;
  readonly drainMs: number;
}

/** What one receiver saw of its room. */
export interface ReceiverCheck {
  readonly roomIdx: number;
  readonly count: number;
  readonly distinct: number;
  readonly duplicates: number;
  readonly outOfRange: number;
  readonly maxSeq: number;
}

/** The first part of a run left out of the steady delivery rate (connections warming up). */
export function steadyWarmupMs(durationMs: number): number {
  return Math.min(1000, durationMs / 5);
}

const ANY_EVENT = '{"type":"';
const MESSAGE_EVENT = '{"type":"message",';
const SEQ = '"seq":';
const TEXT = '"text":"';

function countOf(haystack: string, needle: string): number {
  let n = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) n++;
  return n;
}

export function messagesPerRoom(total: number, rooms: number, roomIdx: number): number {
  return Math.floor(total / rooms) + (roomIdx < total % rooms ? 1 : 0);
}

export async function fanoutRole(task: FanoutTask): Promise<Role> {
  const conns = await connectAll(task.wsUrl, task.conns, task.clientLib);
  return {
    close: () => conns.forEach((c) => c.close()),
    run: (startUs) => runFanout(task, conns, startUs),
  };
}

async function runFanout(task: FanoutTask, conns: readonly BenchConn[], startUs: number): Promise<object> {
  const R = task.rooms.length;
  const total = Math.round((task.rate * task.durationMs) / 1000);
  const endUs = startUs + task.durationMs * 1000;
  // Deliveries counted for the steady rate: from `warmUs` after the start to the end of posting.
  const steadyFromUs = startUs + steadyWarmupMs(task.durationMs) * 1000;
  const pad = filler(task.textBytes);
  const expected = task.conns.reduce((n, c) => n + messagesPerRoom(total, R, c.roomIdx), 0);
  const latency = new Samples(expected);
  const ackLatency = new Samples(1024);
  const sentAt = new Float64Array(total);
  const acked: number[] = [];
  const owner = new Map<number, BenchConn>();
  task.conns.forEach((c, i) => {
    const conn = conns[i];
    if (conn) owner.set(c.roomIdx * task.perRoom + c.member, conn);
  });
  let sentOwned = 0;
  let replies = 0;
  let errors = 0;
  let firstError: string | undefined;
  let received = 0;
  let steady = 0;
  let lastUs = 0;
  let sendingDone = false;
  let finish: (() => void) | undefined;
  const complete = () => sendingDone && received >= expected && replies >= sentOwned;

  const seen = task.conns.map((c) => new Uint8Array(messagesPerRoom(total, R, c.roomIdx) + 1));
  const outOfRange = new Uint32Array(task.conns.length);
  conns.forEach((conn, i) => {
    const marks = seen[i] ?? new Uint8Array(1);
    const onMessage = (seq: number, sentUs: number, atUs: number) => {
      latency.push(atUs - sentUs);
      received++;
      if (atUs <= endUs && atUs >= steadyFromUs) steady++;
      lastUs = atUs;
      if (seq >= 1 && seq < marks.length) marks[seq] = Math.min(255, (marks[seq] ?? 0) + 1);
      else outOfRange[i] = (outOfRange[i] ?? 0) + 1;
    };
    conn.onFrame = (raw, atUs) => {
      // Fast path: a frame of message events only is scanned, not parsed (the load generator
      // shares the machine with the server; parsing a million frames would cost it a core).
      if (countOf(raw, ANY_EVENT) === countOf(raw, MESSAGE_EVENT)) {
        for (let at = raw.indexOf(MESSAGE_EVENT); at >= 0; at = raw.indexOf(MESSAGE_EVENT, at + 1)) {
          const seqAt = raw.indexOf(SEQ, at) + SEQ.length;
          const textAt = raw.indexOf(TEXT, at) + TEXT.length;
          onMessage(
            parseInt(raw.slice(seqAt, seqAt + 16), 10),
            parseFloat(raw.slice(textAt, textAt + 24)),
            atUs,
          );
        }
      } else {
        for (const ev of JSON.parse(raw) as any[]) {
          if (ev.type === 'message') {
            onMessage(ev.message.seq as number, parseFloat(ev.message.text as string), atUs);
          } else if (ev.type === 'result' && typeof ev.id === 'number' && ev.id < total) {
            replies++;
            if (ev.ok) {
              ackLatency.push(atUs - (sentAt[ev.id] ?? atUs));
              acked.push(ev.id % R, ev.data.seq);
            } else {
              errors++;
              firstError ??= JSON.stringify(ev.error);
            }
          }
        }
      }
      if (finish && complete()) finish();
    };
  });

  await sleep(Math.max(0, (startUs - nowUs()) / 1000));
  const cpu0 = cpuMark(nowUs());
  await new Promise<void>((resolve) => {
    let k = 0;
    const tick = () => {
      const due = Math.min(total, Math.floor(((nowUs() - startUs) / 1e6) * task.rate) + 1);
      for (; k < due; k++) {
        const roomIdx = k % R;
        const conn = owner.get(roomIdx * task.perRoom + (Math.floor(k / R) % task.perRoom));
        if (!conn) continue;
        const t = nowUs();
        sentAt[k] = t;
        conn.socket.send(
          `{"type":"post","id":${k},"room":"${task.rooms[roomIdx] ?? ''}","text":"${t.toFixed(1)}|${k}|${pad}"}`,
        );
        sentOwned++;
      }
      if (k < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const sendEndUs = nowUs();
  await sleep(Math.max(0, (endUs - nowUs()) / 1000));
  const cpu1 = cpuMark(nowUs());
  sendingDone = true;
  const drained = await new Promise<boolean>((resolve) => {
    if (complete()) return resolve(true);
    const timer = setTimeout(() => resolve(false), task.drainMs);
    finish = () => {
      clearTimeout(timer);
      resolve(true);
    };
  });
  const checks: ReceiverCheck[] = task.conns.map((c, i) => {
    const marks = seen[i] ?? new Uint8Array(1);
    let count = 0;
    let distinct = 0;
    let maxSeq = 0;
    for (let s = 1; s < marks.length; s++) {
      const n = marks[s] ?? 0;
      if (n === 0) continue;
      count += n;
      distinct++;
      maxSeq = s;
    }
    const extra = outOfRange[i] ?? 0;
    return {
      roomIdx: c.roomIdx,
      count: count + extra,
      distinct,
      duplicates: count - distinct,
      outOfRange: extra,
      maxSeq,
    };
  });
  return {
    total,
    sentOwned,
    replies,
    errors,
    firstError,
    expected,
    received,
    steady,
    drained,
    lastUs,
    sendEndUs,
    latencyUs: latency.toArray(),
    ackLatencyUs: ackLatency.toArray(),
    acked: Int32Array.from(acked),
    checks,
    cpu: cpuPercent(cpu0, cpu1),
  };
}
