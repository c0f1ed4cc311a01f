/** The blob-store contract: one suite every adapter passes. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { BlobTooLarge, type BlobStore } from './types.ts';

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function* pieces(total: number, size: number): Generator<Buffer> {
  for (let sent = 0; sent < total; sent += size) yield Buffer.alloc(Math.min(size, total - sent), sent % 251);
}

export function blobContract(name: string, open: () => Promise<BlobStore>): void {
  void describe(`BlobStore contract: ${name}`, () => {
    void test('stores by content hash and streams it back', async () => {
      const store = await open();
      const body = Buffer.from('hello, stoa\n');
      const stored = await store.put(Readable.from([body]), 1024);
      assert.equal(stored.hash, createHash('sha256').update(body).digest('hex'));
      assert.equal(stored.size, body.length);
      assert.deepEqual(stored.head, body);
      const back = await store.get(stored.hash);
      assert.ok(back);
      assert.deepEqual(await read(back), body);
      const again = await store.put(Readable.from([body]), 1024);
      assert.equal(again.hash, stored.hash, 'identical content, same address');
    });

    void test('refuses a body over the limit while streaming and keeps nothing', async () => {
      const store = await open();
      let produced = 0;
      const body = Readable.from(
        (function* () {
          for (const p of pieces(10 * 1024 * 1024, 64 * 1024)) {
            produced += p.length;
            yield p;
          }
        })(),
      );
      await assert.rejects(store.put(body, 256 * 1024), BlobTooLarge);
      assert.ok(produced < 10 * 1024 * 1024, 'stopped reading early');
      assert.equal(await store.get(createHash('sha256').update('x').digest('hex')), undefined);
    });

    void test('unknown or malformed addresses are simply absent; delete removes', async () => {
      const store = await open();
      assert.equal(await store.get('../../etc/passwd'), undefined);
      assert.equal(await store.get('0'.repeat(64)), undefined);
      const stored = await store.put(Readable.from([Buffer.from('bye')]), 10);
      await store.delete(stored.hash);
      assert.equal(await store.get(stored.hash), undefined);
    });
  });
}
