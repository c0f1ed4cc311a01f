/**
 * Join latency for the `join` scenario: each connection repeatedly joins a room (the result
 * carries the recent history), then leaves it. Latency is from just before the join frame is
 * written to the arrival of the frame holding its result.
 */
import { connectAll, type BenchConn, type ClientLib } from '../lib/conn.ts';
import { nowUs, sleep } from '../lib/clock.ts';
import { cpuMark, cpuPercent } from '../lib/cpu.ts';
import { Samples } from '../lib/samples.ts';
import type { Role } from './role.ts';

export interface JoinerTask {
  readonly kind: 'joiner';
  readonly wsUrl: string;
  readonly clientLib: ClientLib;
  readonly conns: readonly { token: string }[];
  readonly rooms: readonly string[];
  readonly joins: number;
  readonly warmup: number;
  readonly expectHistory: number;
}

export async function joinerRole(task: JoinerTask): Promise<Role> {
  const conns = await connectAll(task.wsUrl, task.conns, task.clientLib);
  return {
    close: () => conns.forEach((c) => c.close()),
    run: (startUs) => runJoins(task, conns, startUs),
  };
}

function requester(conn: BenchConn) {
  const pending = new Map<number, (r: { event: any; atUs: number }) => void>();
  let nextId = 1;
  conn.onFrame = (raw, atUs) => {
    for (const event of JSON.parse(raw) as any[]) {
      if (event.type !== 'result') continue;
      const resolve = pending.get(event.id);
      if (resolve) {
        pending.delete(event.id);
        resolve({ event, atUs });
      }
    }
  };
  return (frame: string): Promise<{ event: any; atUs: number; sentUs: number }> => {
    const id = nextId++;
    return new Promise((resolve) => {
      const sentUs = nowUs();
      pending.set(id, (r) => resolve({ ...r, sentUs }));
      conn.socket.send(`{"id":${id},${frame}`);
    });
  };
}

async function runJoins(task: JoinerTask, conns: readonly BenchConn[], startUs: number): Promise<object> {
  const joinLatency = new Samples(task.joins);
  const leaveLatency = new Samples(task.joins);
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  let badHistory = 0;
  let historyMessages = 0;
  const limit = task.warmup + task.joins;
  let cpu0 = cpuMark(nowUs());
  let measuredFromUs = 0;

  const lane = async (conn: BenchConn) => {
    const request = requester(conn);
    while (next < limit) {
      const i = next++;
      if (i === task.warmup) {
        cpu0 = cpuMark(nowUs());
        measuredFromUs = nowUs();
      }
      const room = task.rooms[i % task.rooms.length] ?? '';
      const join = await request(`"type":"join","room":"${room}"}`);
      if (!join.event.ok) {
        errors++;
        firstError ??= JSON.stringify(join.event.error);
        continue;
      }
      const history = join.event.data.history as { seq: number }[];
      const last = history[history.length - 1];
      if (history.length !== task.expectHistory || last?.seq !== join.event.data.room.lastSeq) badHistory++;
      const leave = await request(`"type":"leave","room":"${room}"}`);
      if (!leave.event.ok) {
        errors++;
        firstError ??= JSON.stringify(leave.event.error);
      }
      if (i < task.warmup) continue;
      historyMessages += history.length;
      joinLatency.push(join.atUs - join.sentUs);
      leaveLatency.push(leave.atUs - leave.sentUs);
    }
  };
  await sleep(Math.max(0, (startUs - nowUs()) / 1000));
  await Promise.all(conns.map(lane));
  const endUs = nowUs();
  return {
    joins: joinLatency.length,
    errors,
    firstError,
    badHistory,
    historyMessages,
    seconds: (endUs - measuredFromUs) / 1e6,
    joinLatencyUs: joinLatency.toArray(),
    leaveLatencyUs: leaveLatency.toArray(),
    cpu: cpuPercent(cpu0, cpuMark(endUs)),
  };
}
