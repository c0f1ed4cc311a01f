import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ArchiveReader, ArchiveWriter, type ArchiveLimits } from './zip.ts';

const dir = mkdtempSync(join(tmpdir(), 'stoa-zip-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function archive(name: string, records: unknown[]): Promise<string> {
  const file = join(dir, name);
  const writer = new ArchiveWriter(createWriteStream(file), new Date(0));
  await writer.add(
    'messages.jsonl',
    (async function* () {
      await Promise.resolve();
      yield records;
    })(),
  );
  await writer.finish({
    createdAt: '1970-01-01T00:00:00.000Z',
    server: 'test',
    level: 'Content',
    categories: null,
    startDate: null,
    passwordHashes: false,
    counts: { messages: records.length },
  });
  return file;
}

async function readAll(file: string, limits?: ArchiveLimits): Promise<unknown[]> {
  const reader = await ArchiveReader.open(file, limits);
  try {
    const out: unknown[] = [];
    for await (const r of reader.records('messages.jsonl')) out.push(r.value);
    return out;
  } finally {
    reader.close();
  }
}

test('ordinary records read back whole under the default limits', async () => {
  const records = Array.from({ length: 5000 }, (_, i) => ({
    seq: i,
    text: `message ${i} ${'x'.repeat(i % 300)}`,
  }));
  assert.deepEqual(await readAll(await archive('ok.zip', records)), records);
});

test('an entry that expands too much is refused before anything is read (a ZIP bomb)', async () => {
  const file = await archive('bomb.zip', [{ text: ' '.repeat(4 * 1024 * 1024) }]);
  await assert.rejects(ArchiveReader.open(file), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'archive_invalid');
    assert.match(e.message, /expands \d+ times \(at most 250\): refused as a possible ZIP bomb/);
    return true;
  });
});

test('a record longer than the limit is refused without being held whole', async () => {
  const file = await archive('long.zip', [
    { text: 'short' },
    { text: 'y'.repeat(200_000) },
    { text: 'after' },
  ]);
  const limits = { maxRecordBytes: 100_000, maxRatio: 1e9 };
  await assert.rejects(readAll(file, limits), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'archive_invalid');
    assert.match(e.message, /a record is longer than 100000 bytes/);
    return true;
  });
  assert.equal((await readAll(file, { maxRecordBytes: 300_000, maxRatio: 1e9 })).length, 3);
});
