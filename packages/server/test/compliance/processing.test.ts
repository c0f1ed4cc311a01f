/**
 * Compliance processing on a real store: a failing adapter leaves its events pending and the
 * retry writes them once; a runner that stalls past its lease is replaced without duplicates;
 * concurrent runners on one store never process an event twice; large backlogs go in numbered
 * batches; the JSON Lines adapter keeps exact text; AdapterType none discards.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { doPostMessage } from '../../src/actions/chat.ts';
import type { ComplianceAdapter } from '../../src/compliance/adapter.ts';
import { runComplianceOnce, complianceStatus } from '../../src/compliance/processor.ts';
import { xmlAdapter } from '../../src/compliance/xml-adapter.ts';
import { attr, parseXml } from './support/xml.ts';
import { outputFiles, readOutput, startHarness, type Harness } from './support/harness.ts';

/** Posts `n` messages with distinct texts (concurrently: they share group commits). */
async function postMany(h: Harness, n: number, prefix: string, roomKey: 'engOpen' | 'lounge' = 'engOpen') {
  const actor = { kind: 'user' as const, userId: h.org.users.alice.id };
  const texts = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  await Promise.all(texts.map((text) => doPostMessage(h.ctx, actor, h.org.rooms[roomKey].id, { text })));
  return texts;
}

/** Every CHAT text in every XML file of the folder, with its file. */
function archivedChats(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const file of outputFiles(dir).filter((f) => f.endsWith('.xml'))) {
    for (const conversation of parseXml(readOutput(dir, file)).children) {
      const messages = conversation.children.find((c) => c.name === 'Messages');
      for (const m of messages?.children ?? []) {
        if (attr(m, 'type') === 'CHAT') out.push({ file, text: attr(m, 'content') ?? '' });
      }
    }
  }
  return out;
}

function assertEachOnce(archived: readonly { text: string }[], texts: readonly string[]): void {
  const seen = new Map<string, number>();
  for (const a of archived) seen.set(a.text, (seen.get(a.text) ?? 0) + 1);
  const twice = [...seen].filter(([, n]) => n > 1).map(([t]) => t);
  assert.deepEqual(twice, [], 'archived more than once');
  assert.deepEqual(
    texts.filter((t) => !seen.has(t)),
    [],
    'never archived',
  );
  assert.equal(archived.length, texts.length);
}

describe('compliance processing', () => {
  test('a failing adapter leaves its events pending; the retry writes the same batch once', async () => {
    const h = await startHarness();
    try {
      const texts = await postMany(h, 10, 'pending');
      const blocker = join(h.dataDir, 'not-a-folder');
      writeFileSync(blocker, 'a file where the output folder should be');
      await h.configure({ AdapterOutputDirectory: join(blocker, 'compliance') });

      const failed = await runComplianceOnce(h.rt);
      assert.equal(failed.outcome, 'failed');
      assert.match(failed.error, /ENOTDIR|EEXIST/);
      let status = await complianceStatus(h.rt);
      assert.equal(status.backlog.count, 10, 'nothing deleted');
      assert.equal(status.lastRun?.ok, false);
      assert.equal(status.lastError?.message, failed.error);
      assert.equal(status.lastError.at, h.clock.now);
      assert.deepEqual(status.inFlight && { number: status.inFlight.number, count: status.inFlight.count }, {
        number: 1,
        count: 10,
      });
      assert.equal(status.lease, null, 'the lease is released after a failure');
      assert.equal(status.cursor, 0);

      // The administrator fixes the folder; the retry writes batch 1 (not a new batch).
      await h.configure({ AdapterOutputDirectory: h.outDir });
      const retried = await runComplianceOnce(h.rt);
      assert.equal(retried.outcome, 'done');
      const files = outputFiles(h.outDir);
      assert.equal(files.length, 1);
      assert.match(files[0] ?? '', /-0000000001\.xml$/);
      assertEachOnce(archivedChats(h.outDir), texts);
      status = await complianceStatus(h.rt);
      assert.equal(status.backlog.count, 0);
      assert.equal(status.lastRun?.ok, true);
      assert.equal(status.inFlight, null);
      assert.equal(status.processedTotal, 10);
    } finally {
      await h.close();
    }
  });

  test('a runner that stalls past its lease is replaced; its late commit changes nothing', async () => {
    const h = await startHarness({}, { leaseMs: 1000 });
    try {
      const texts = await postMany(h, 30, 'stall');
      let wrote!: () => void;
      const aWrote = new Promise<void>((resolve) => (wrote = resolve));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const stalling: ComplianceAdapter = {
        type: 'xml',
        async translate(batch, config, output) {
          const files = await xmlAdapter.translate(batch, config, output);
          wrote();
          await gate; // e.g. a long pause of the process between writing and committing
          return files;
        },
      };
      const runA = runComplianceOnce(h.runtime({ owner: 'node-a', adapterFor: () => stalling }));
      await aWrote;
      const filesOfA = outputFiles(h.outDir);

      h.clock.now += 5_000; // node-a's lease has expired
      const b = await runComplianceOnce(h.runtime({ owner: 'node-b' }));
      assert.equal(b.outcome, 'done');
      assert.equal(b.events, 30);
      assert.deepEqual(outputFiles(h.outDir), filesOfA, 'node-b rewrote the same batch under the same name');

      release();
      const a = await runA;
      assert.equal(a.outcome, 'lost');
      assertEachOnce(archivedChats(h.outDir), texts);
      const status = await complianceStatus(h.rt);
      assert.equal(status.processedTotal, 30);
      assert.equal(status.lastRun?.by, 'node-b');
      assert.equal(status.batches, 1);
    } finally {
      await h.close();
    }
  });

  test('runners racing on one store: one runs, the others are told busy; every event once', async () => {
    const h = await startHarness();
    try {
      const runners = ['n1', 'n2', 'n3'].map((owner) => h.runtime({ owner }));
      const texts: string[] = [];
      for (let round = 0; round < 5; round++) {
        texts.push(...(await postMany(h, 40, `race${round}`)));
        const results = await Promise.all(runners.map((rt) => runComplianceOnce(rt)));
        assert.deepEqual(results.map((r) => r.outcome).sort(), ['busy', 'busy', 'done'], `round ${round}`);
        const busy = results.find((r) => r.outcome === 'busy');
        assert.ok(
          busy?.outcome === 'busy' && busy.holder !== null && ['n1', 'n2', 'n3'].includes(busy.holder),
        );
      }
      assertEachOnce(archivedChats(h.outDir), texts);
      assert.equal(outputFiles(h.outDir).length, 5);
    } finally {
      await h.close();
    }
  });

  test('a backlog larger than a batch goes out in consecutive batches within one run', async () => {
    const h = await startHarness({}, { batchEvents: 25 });
    try {
      const texts = await postMany(h, 110, 'big');
      const result = await runComplianceOnce(h.rt);
      assert.equal(result.outcome, 'done');
      assert.equal(result.batches, 5);
      const files = outputFiles(h.outDir);
      assert.deepEqual(
        files.map((f) => /-(\d{10})\.xml$/.exec(f)?.[1]),
        ['0000000001', '0000000002', '0000000003', '0000000004', '0000000005'],
      );
      assertEachOnce(archivedChats(h.outDir), texts);
      // Batches are in event order: the first file holds the first 25 posts' events.
      assert.equal(archivedChats(h.outDir)[0]?.file, files[0]);
    } finally {
      await h.close();
    }
  });

  test('JSON Lines: one object per event in id order, exact text, details and room/user details', async () => {
    const h = await startHarness({ AdapterType: 'jsonl', AddUserDetails: true, AddChatRoomDetails: true });
    try {
      const alice = { kind: 'user' as const, userId: h.org.users.alice.id };
      const odd = 'bell\u0007, tab\t, "quotes", <tags> & 😀';
      await doPostMessage(h.ctx, alice, h.org.rooms.engOpen.id, { text: odd, storyTitle: 'Story' });
      await doPostMessage(h.ctx, alice, h.org.rooms.lounge.id, { text: 'not kept, still archived' });
      const result = await runComplianceOnce(h.rt);
      assert.equal(result.outcome, 'done');
      const files = outputFiles(h.outDir);
      assert.equal(files.length, 1);
      assert.match(files[0] ?? '', /\.jsonl$/);
      const lines = readOutput(h.outDir, files[0] ?? '')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l));
      assert.equal(lines.length, 2);
      assert.ok(lines[0].id < lines[1].id);
      assert.deepEqual(
        { ...lines[0], id: 0, time: '' },
        {
          batch: 1,
          id: 0,
          type: 'CHAT',
          at: h.clock.now,
          time: '',
          room: {
            id: h.org.rooms.engOpen.id,
            uri: `ma-chan://stoa.local/${h.org.rooms.engOpen.id}`,
            name: 'eng-open',
            logged: true,
          },
          sender: {
            id: h.org.users.alice.id,
            uri: 'alice@example.com',
            internal: true,
            displayName: 'Alice',
            email: '',
          },
          content: odd,
          seq: 1,
          details: { alert: false, storyTitle: 'Story' },
        },
      );
      assert.equal(lines[0].time, new Date(h.clock.now).toISOString());
      assert.equal(lines[1].content, 'not kept, still archived');
      assert.equal(lines[1].room.logged, false);
    } finally {
      await h.close();
    }
  });

  test('AdapterType none: events are processed and nothing is written (spec: no adapter, no data)', async () => {
    const h = await startHarness({ AdapterType: 'none' });
    try {
      await postMany(h, 5, 'gone');
      const result = await runComplianceOnce(h.rt);
      assert.deepEqual(result, { outcome: 'done', events: 5, batches: 1, files: [] });
      assert.deepEqual(outputFiles(h.outDir), []);
      assert.equal((await complianceStatus(h.rt)).backlog.count, 0);
    } finally {
      await h.close();
    }
  });
});
