/**
 * Progress of `stoa export` and `stoa import` on stderr: shown with --progress when stderr is not
 * a terminal (as here), never with --json, and nothing on stdout but the result.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { json, ok, stoa } from '../cli/helpers.ts';
import { seedMessages } from './seed.ts';

const root = mkdtempSync(join(tmpdir(), 'stoa-archive-progress-'));
after(() => rmSync(root, { recursive: true, force: true }));

test(
  '--progress reports export, verify and import on stderr; --json stays quiet',
  { timeout: 300_000 },
  async () => {
    const [source, target] = [join(root, 'source'), join(root, 'target')];
    const s = (...args: string[]) => stoa(['--data-dir', source, ...args]);
    ok(await s('user', 'create', 'alice'));
    ok(await s('category', 'create', 'C', '--allowed', 'domain:stoa.local'));
    ok(await s('room', 'create', 'r', '--category', 'C', '--members', 'alice'));
    await seedMessages({
      dataDir: source,
      room: 'r',
      authors: ['alice'],
      count: 250,
      from: Date.UTC(2026, 0, 1),
      stepMs: 1000,
    });

    const file = join(root, 'a.zip');
    const exported = await s('export', file, '--level', 'Content', '--progress');
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /^export: 100% 250 \/ 250$/m);
    assert.match(exported.stdout, /^messages\s+250$/m);

    const imported = await stoa(['--data-dir', target, 'import', file, '--progress']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stderr, /^verify: 100% 250 \/ 250$/m);
    assert.match(imported.stderr, /^import: 100% 250 \/ 250$/m);

    // With --json, no progress even when asked for.
    const quiet = json(await stoa(['--data-dir', target, 'import', file, '--progress', '--json']));
    assert.deepEqual(quiet.messages, { added: 0, present: 250 });
  },
);
