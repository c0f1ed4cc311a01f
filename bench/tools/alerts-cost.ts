/**
 * The CPU the alert engine adds per posted message, measured in one process without the noise of
 * load generators and sockets: a real server core (real SQLite store, access cache, bus) with
 * N saved filters (bench/lib/filters.ts, as `post --filters N`), fed the `message` bus events that
 * posting would publish, in bursts of `--burst` per event-loop turn, until the engine is idle.
 * Everything the engine does counts: word matching, access checks, storing matches (one write per
 * turn), publishing `alert` events.
 *
 *   node --import tsx bench/tools/alerts-cost.ts [--filters 10000] [--messages 50000] [--burst 500]
 *
 * With ALERTS_PROFILE=<file>, writes a CPU profile of the measured part (bench/tools/cpuprofile-top.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { doSaveFilter } from '../../packages/server/src/actions/alerts.ts';
import { doCreateCategory } from '../../packages/server/src/actions/categories.ts';
import { doCreateUser } from '../../packages/server/src/actions/directory.ts';
import { doCreateRoom } from '../../packages/server/src/actions/rooms.ts';
import { buildServer } from '../../packages/server/src/compose.ts';
import { DEFAULTS } from '../../packages/server/src/config/config.ts';
import type { Actor, Message, Room, User } from '../../packages/server/src/domain/model.ts';
import { benchFilters } from '../lib/filters.ts';
import { filler } from '../lib/text.ts';

const { values } = parseArgs({
  options: {
    filters: { type: 'string', default: '10000' },
    messages: { type: 'string', default: '50000' },
    burst: { type: 'string', default: '500' },
    users: { type: 'string', default: '200' },
  },
});
const filterCount = Number(values.filters);
const messageCount = Number(values.messages);
const burst = Number(values.burst);
const userCount = Number(values.users);
const CLI: Actor = { kind: 'cli', osUser: 'bench' };

const dataDir = mkdtempSync(join(tmpdir(), 'stoa-alerts-cost-'));
try {
  const server = await buildServer({ ...DEFAULTS, logLevel: 'silent', dataDir, host: '127.0.0.1', port: 0 });
  const ctx = server.ctx;
  const users: User[] = [];
  for (let i = 0; i < userCount; i++)
    users.push(await doCreateUser(ctx, CLI, { username: `bench-u${String(i).padStart(5, '0')}` }));
  await doCreateCategory(ctx, CLI, { name: 'Bench', allowed: ['domain:stoa.local'] });
  const rooms: Room[] = [];
  for (let i = 0; i < 20; i++)
    rooms.push(await doCreateRoom(ctx, CLI, { name: `bench-r${i}`, category: 'Bench', privacy: 'open' }));
  const planned = benchFilters(
    filterCount,
    users.map((u) => u.username),
  );
  for (let i = 0; i < planned.length; i += 200)
    await Promise.all(
      planned
        .slice(i, i + 200)
        .map((f) => doSaveFilter(ctx, { kind: 'user', userId: users[f.owner]?.id ?? '' }, f.input)),
    );
  await server.alerts.idle();

  // Messages as the post benchmark writes them: "post <conn>:<n> <filler>", conn = author.
  const pad = filler(100);
  const seqs = new Map<string, number>();
  const messages: Message[] = [];
  for (let k = 0; k < messageCount; k++) {
    const c = k % userCount;
    const room = rooms[c % rooms.length];
    const author = users[c];
    if (!room || !author) throw new Error('no rooms or users');
    const seq = (seqs.get(room.id) ?? 0) + 1;
    seqs.set(room.id, seq);
    messages.push({
      id: k + 1,
      roomId: room.id,
      seq,
      authorId: author.id,
      at: Date.now(),
      clientMsgId: null,
      text: `post ${c}:${Math.floor(k / userCount) + 1} ${pad}`,
      alert: false,
      storyTitle: null,
      rtf: null,
    });
  }
  const profile = process.env.ALERTS_PROFILE;
  const session = profile === undefined ? undefined : new Session();
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < messages.length; i += burst) {
    for (const message of messages.slice(i, i + burst))
      ctx.bus.publish({ kind: 'message', roomId: message.roomId, message });
    await new Promise((resolve) => setImmediate(resolve));
  }
  await server.alerts.idle();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const stats = { ...server.alerts.stats };
  if (session && profile !== undefined) {
    const { profile: result } = await session.post('Profiler.stop');
    writeFileSync(profile, JSON.stringify(result));
    session.disconnect();
  }
  await server.close();
  const usPerMessage = Math.round(((cpu.user + cpu.system) / messageCount) * 10) / 10;
  console.log(
    JSON.stringify({
      tool: 'alerts-cost',
      filters: filterCount,
      messages: messageCount,
      burst,
      cpuUsPerMessage: usPerMessage,
      matchingUsPerMessage: Math.round((stats.evaluateMs * 10000) / Math.max(1, stats.messages)) / 10,
      alertsPerMessage: Math.round((stats.matches / messageCount) * 1000) / 1000,
      storedPerMessage: Math.round((stats.stored / messageCount) * 1000) / 1000,
      wallMs: Math.round(wallMs),
    }),
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
