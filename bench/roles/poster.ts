/**
 * Closed-loop posting for the `post` scenario: every connection keeps `window` posts in flight and
 * sends a new one for each acknowledgement until the end of the run, then waits for the rest.
 * The first `warmupMs` of posting are not measured (the server's code is not yet optimised): the
 * window is the `durationMs` after them.
 * Frames are scanned, not parsed: a result is found by its fixed prefix.
 */
import { connectAll, type BenchConn, type ClientLib } from '../lib/conn.ts';
import { nowUs, sleep } from '../lib/clock.ts';
import { cpuMark, cpuPercent } from '../lib/cpu.ts';
import { Samples } from '../lib/samples.ts';
import { filler } from '../lib/text.ts';
import type { Role } from './role.ts';

export interface PosterTask {
  readonly kind: 'poster';
  readonly wsUrl: string;
  readonly clientLib: ClientLib;
  readonly conns: readonly { token: string; room: string }[];
  readonly window: number;
  readonly durationMs: number;
  /** Posting before the measured window, ms. */
  readonly warmupMs: number;
  readonly textBytes: number;
  readonly clientMsgId: boolean;
  readonly drainMs: number;
}

const RESULT = /\{"type":"result","id":(\d+),"ok":(true|false)/g;
const MESSAGE = '{"type":"message"';
const RING = 4096;

export async function posterRole(task: PosterTask): Promise<Role> {
  const conns = await connectAll(task.wsUrl, task.conns, task.clientLib);
  return {
    close: () => conns.forEach((c) => c.close()),
    run: (startUs) => runPosters(task, conns, startUs),
  };
}

async function runPosters(task: PosterTask, conns: readonly BenchConn[], startUs: number): Promise<object> {
  const windowUs = startUs + task.warmupMs * 1000;
  const endUs = windowUs + task.durationMs * 1000;
  const inWindow = (atUs: number) => atUs >= windowUs && atUs <= endUs;
  const pad = filler(task.textBytes);
  const ackLatency = new Samples(1 << 16);
  let sending = true;
  let inflight = 0;
  let sent = 0;
  let acks = 0;
  let acksInWindow = 0;
  let errors = 0;
  let firstError: string | undefined;
  let deliveries = 0;
  let deliveriesInWindow = 0;
  let finish: (() => void) | undefined;

  const states = conns.map((conn, c) => {
    const room = task.conns[c]?.room ?? '';
    const sentAt = new Float64Array(RING);
    let nextId = 1;
    const post = () => {
      const id = nextId++;
      const cid = task.clientMsgId ? `,"clientMsgId":"b${c}-${id}"` : '';
      sentAt[id % RING] = nowUs();
      conn.socket.send(`{"type":"post","id":${id},"room":"${room}","text":"post ${c}:${id} ${pad}"${cid}}`);
      inflight++;
      sent++;
    };
    conn.onFrame = (raw, atUs) => {
      let m: RegExpExecArray | null;
      RESULT.lastIndex = 0;
      let replies = 0;
      while ((m = RESULT.exec(raw)) !== null) {
        const id = Number(m[1]);
        inflight--;
        replies++;
        if (m[2] === 'true') {
          acks++;
          if (inWindow(atUs)) {
            acksInWindow++;
            ackLatency.push(atUs - (sentAt[id % RING] ?? atUs));
          }
        } else {
          errors++;
          firstError ??= raw.slice(m.index, m.index + 300);
        }
      }
      let at = raw.indexOf(MESSAGE);
      while (at >= 0) {
        deliveries++;
        if (inWindow(atUs)) deliveriesInWindow++;
        at = raw.indexOf(MESSAGE, at + MESSAGE.length);
      }
      if (sending && atUs > endUs) sending = false;
      if (sending) for (let i = 0; i < replies; i++) post();
      else if (inflight === 0) finish?.();
    };
    return { post };
  });

  await sleep(Math.max(0, (startUs - nowUs()) / 1000));
  for (const s of states) for (let i = 0; i < task.window; i++) s.post();
  await sleep(Math.max(0, (windowUs - nowUs()) / 1000));
  const cpu0 = cpuMark(nowUs());
  await sleep(Math.max(0, (endUs - nowUs()) / 1000));
  sending = false;
  const cpu1 = cpuMark(nowUs());
  const drained = await new Promise<boolean>((resolve) => {
    if (inflight === 0) return resolve(true);
    const timer = setTimeout(() => resolve(false), task.drainMs);
    finish = () => {
      clearTimeout(timer);
      resolve(true);
    };
  });
  return {
    sent,
    acks,
    acksInWindow,
    errors,
    firstError,
    deliveries,
    deliveriesInWindow,
    outstanding: inflight,
    drained,
    ackLatencyUs: ackLatency.toArray(),
    cpu: cpuPercent(cpu0, cpu1),
  };
}
