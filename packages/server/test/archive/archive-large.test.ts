/**
 * A room of 100,000 messages through `stoa export` and `stoa import` (the real binary, data
 * folders): the history is seeded through the real write path (test/archive/seed.ts), exported,
 * restored into an empty folder and exported again; both archives hold the same entries.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { json, ok, stoa } from '../cli/helpers.ts';
import { seedMessages } from './seed.ts';
import { checksums, fingerprint, recordsOf } from './support.ts';

const COUNT = 100_000;
const root = mkdtempSync(join(tmpdir(), 'stoa-archive-large-'));
after(() => rmSync(root, { recursive: true, force: true }));

test(
  'a room with 100,000 messages survives export → import → export unchanged',
  { timeout: 300_000 },
  async () => {
    const [source, target] = [join(root, 'source'), join(root, 'target')];
    const s = (...args: string[]) => stoa(['--data-dir', source, ...args]);
    ok(await s('user', 'create', 'alice'));
    ok(await s('category', 'create', 'Big', '--allowed', 'domain:stoa.local'));
    ok(await s('room', 'create', 'big', '--category', 'Big', '--members', 'alice'));
    await seedMessages({
      dataDir: source,
      room: 'big',
      authors: ['alice'],
      count: COUNT,
      from: Date.UTC(2026, 0, 1),
      stepMs: 10,
    });

    const exported = json(await s('export', join(root, 'first.zip'), '--level', 'Content', '--json'));
    assert.equal(exported.messages, COUNT);
    const imported = json(await stoa(['--data-dir', target, 'import', join(root, 'first.zip'), '--json']));
    assert.deepEqual(imported.messages, { added: COUNT, present: 0 });
    json(
      await stoa(['--data-dir', target, 'export', join(root, 'second.zip'), '--level', 'Content', '--json']),
    );
    assert.deepEqual(await checksums(join(root, 'second.zip')), await checksums(join(root, 'first.zip')));
    const messages = await recordsOf(join(root, 'second.zip'), 'messages/000001.jsonl');
    assert.equal(messages.length, COUNT);
    assert.deepEqual(
      messages.slice(0, 2).map((m) => [m.seq, m.author, m.text]),
      [
        [1, 'alice', 'message 1 about topic 0 from the seed'],
        [2, 'alice', 'message 2 about topic 1 from the seed'],
      ],
    );
    // Importing the same archive again adds nothing.
    const before = fingerprint(target);
    const again = json(await stoa(['--data-dir', target, 'import', join(root, 'first.zip'), '--json']));
    assert.deepEqual(again.messages, { added: 0, present: COUNT });
    assert.notEqual(fingerprint(target), before); // only the import's audit record
  },
);
