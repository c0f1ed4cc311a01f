/**
 * Compliance throughput on the real SQLite store (synchronous=full, as in production):
 *
 *   node --import tsx packages/server/test/compliance/bench-compliance.ts [--events 200000] [--seconds 10]
 *
 * 1. Drain: a backlog of N events (CHAT with ~80-character texts, JOIN, PART, BACKCHAT; 500 users,
 *    50 rooms) processed by one `runComplianceOnce` per adapter configuration; events per second
 *    of processing (read, resolve, render, write + fsync, delete).
 * 2. Sustained: events recorded at 10,000/s (in transactions of 500) for S seconds while a run
 *    starts every second; the largest backlog seen and the backlog at the end show whether
 *    processing keeps up.
 * Not a test (no *.test.ts): run it by hand; it prints a table and one JSON line.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runComplianceOnce } from '../../src/compliance/processor.ts';
import { complianceRuntime } from '../../src/compliance/runtime.ts';
import { testCategory, testRoom } from '../../src/storage/test-fixtures.ts';
import type { ComplianceKind, ComplianceRecord } from '../../src/domain/model.ts';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import type { Store } from '../../src/storage/types.ts';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '200000' }, seconds: { type: 'string', default: '10' } },
});
const EVENTS = Number(values.events);
const SECONDS = Number(values.seconds);
const USERS = 500;
const ROOMS = 50;
const now = Date.now();

async function setUp(store: Store, outDir: string) {
  const userIds = Array.from({ length: USERS }, (_, i) => `user-${i}`);
  const roomIds = Array.from({ length: ROOMS }, (_, i) => `room-${i}`);
  await store.write(async (tx) => {
    for (const [i, id] of userIds.entries()) {
      await tx.insertUser(
        {
          id,
          username: `u${i}`,
          displayName: `User ${i}`,
          email: `u${i}@example.com`,
          sipUri: `sip:u${i}@example.com`,
          isAdmin: false,
          disabled: false,
          createdAt: now,
        },
        null,
      );
    }
    await tx.insertCategory(testCategory('cat', { name: 'Bench', createdAt: now, updatedAt: now }));
    for (const [i, id] of roomIds.entries())
      await tx.insertRoom(
        testRoom(id, 'cat', { name: `room ${i}`, createdAt: now, createdBy: 'bench', updatedAt: now }),
      );
    await tx.setComplianceConfig('AdapterOutputDirectory', outDir);
  });
  let n = 0;
  const kinds: ComplianceKind[] = [
    'CHAT',
    'CHAT',
    'CHAT',
    'CHAT',
    'CHAT',
    'CHAT',
    'JOIN',
    'PART',
    'BACKCHAT',
  ];
  const event = (): ComplianceRecord => {
    n++;
    const kind = kinds[n % kinds.length] ?? 'CHAT';
    return {
      kind,
      at: now + n,
      roomId: roomIds[n % ROOMS] ?? null,
      userId: userIds[(n * 7) % USERS] ?? null,
      messageSeq: kind === 'CHAT' ? n : null,
      content:
        kind === 'CHAT' ? `message ${n}: the quick brown fox jumps over the lazy dog <&> "quoted"` : '',
      ...(kind === 'BACKCHAT' ? { details: { fromSeq: 1, toSeq: 30, count: 30 } } : {}),
    };
  };
  const record = (count: number) =>
    store.write(async (tx) => {
      for (let i = 0; i < count; i++) await tx.recordCompliance(event());
    });
  return { record };
}

async function drain(label: string, settings: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'stoa-bench-compliance-'));
  const store = await openSqliteStore({ file: join(dataDir, 'stoa.db') });
  try {
    const { record } = await setUp(store, join(dataDir, 'out'));
    await store.write(async (tx) => {
      for (const [k, v] of Object.entries(settings)) await tx.setComplianceConfig(k, v);
    });
    for (let left = EVENTS; left > 0; left -= 5000) await record(Math.min(5000, left));
    const rt = complianceRuntime({ store, clock: Date.now, newId: randomUUID }, { dataDir });
    const t0 = performance.now();
    const result = await runComplianceOnce(rt);
    const seconds = (performance.now() - t0) / 1000;
    if (result.outcome !== 'done' || result.events !== EVENTS) throw new Error(JSON.stringify(result));
    return {
      label,
      events: result.events,
      batches: result.batches,
      seconds,
      perSecond: Math.round(EVENTS / seconds),
    };
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function sustained() {
  const dataDir = mkdtempSync(join(tmpdir(), 'stoa-bench-compliance-'));
  const store = await openSqliteStore({ file: join(dataDir, 'stoa.db') });
  try {
    const { record } = await setUp(store, join(dataDir, 'out'));
    const rt = complianceRuntime({ store, clock: Date.now, newId: randomUUID }, { dataDir });
    const rate = 10_000;
    const chunk = 500;
    let produced = 0;
    let maxBacklog = 0;
    let runs = 0;
    let processed = 0;
    const start = performance.now();
    let stop = false;
    const producer = (async () => {
      while (!stop) {
        const due = Math.floor(((performance.now() - start) / 1000) * rate);
        if (produced + chunk <= due) {
          await record(chunk);
          produced += chunk;
        } else {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    })();
    const runner = (async () => {
      while (!stop) {
        const t = performance.now();
        const r = await runComplianceOnce(rt);
        if (r.outcome === 'done') processed += r.events;
        runs++;
        maxBacklog = Math.max(maxBacklog, (await store.read.complianceBacklog()).count);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (performance.now() - t))));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    stop = true;
    await Promise.all([producer, runner]);
    const elapsed = (performance.now() - start) / 1000;
    const backlogAtEnd = (await store.read.complianceBacklog()).count;
    return {
      label: `sustained ${rate}/s for ${SECONDS}s, a run every second`,
      produced,
      producedPerSecond: Math.round(produced / elapsed),
      processed,
      runs,
      maxBacklog,
      backlogAtEnd,
    };
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const drains = [
  await drain('xml', {}),
  await drain('xml, one room per file, user+room details, manifests', {
    OneChatRoomPerOutputFile: 'true',
    AddUserDetails: 'true',
    AddChatRoomDetails: 'true',
    CreateFileAttachmentsManifest: 'true',
  }),
  await drain('jsonl', { AdapterType: 'jsonl' }),
];
const steady = await sustained();
for (const d of drains) {
  console.log(
    `${d.label.padEnd(56)} ${String(d.events).padStart(8)} events ${String(d.batches).padStart(3)} batches ${d.seconds.toFixed(2).padStart(6)} s ${String(d.perSecond).padStart(8)} events/s`,
  );
}
console.log(
  `${steady.label}: produced ${steady.produced} (${steady.producedPerSecond}/s), processed ${steady.processed} in ${steady.runs} runs, largest backlog ${steady.maxBacklog}, backlog at end ${steady.backlogAtEnd}`,
);
console.log(JSON.stringify({ scenario: 'compliance', drains, sustained: steady }));
