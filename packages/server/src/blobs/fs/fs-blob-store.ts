/**
 * Blobs in a folder: `<root>/<first two hex>/<sha256>`. Written to a temporary file while hashing,
 * then renamed into place (atomic; an identical body already stored is simply kept).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { BlobTooLarge, type BlobStore, type StoredBlob } from '../types.ts';

const HEAD_BYTES = 64;

export function createFsBlobStore(root: string): BlobStore {
  const pathOf = (hash: string) => join(root, hash.slice(0, 2), hash);
  const valid = (hash: string) => /^[0-9a-f]{64}$/.test(hash);

  return {
    async put(body: Readable, maxBytes: number): Promise<StoredBlob> {
      await mkdir(join(root, 'tmp'), { recursive: true });
      const temp = join(root, 'tmp', randomBytes(12).toString('hex'));
      const hash = createHash('sha256');
      let size = 0;
      let head = Buffer.alloc(0);
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (size > maxBytes) {
            done(new BlobTooLarge(maxBytes));
            return;
          }
          if (head.length < HEAD_BYTES)
            head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(body, meter, createWriteStream(temp, { flags: 'wx' }));
      } catch (error) {
        await rm(temp, { force: true });
        // Drain nothing more: the caller answers and closes the request.
        throw error;
      }
      const digest = hash.digest('hex');
      await mkdir(join(root, digest.slice(0, 2)), { recursive: true });
      await rename(temp, pathOf(digest));
      return { hash: digest, size, head };
    },

    async get(hash: string): Promise<Readable | undefined> {
      if (!valid(hash)) return undefined;
      try {
        await stat(pathOf(hash));
      } catch {
        return undefined;
      }
      return createReadStream(pathOf(hash));
    },

    async delete(hash: string): Promise<void> {
      if (valid(hash)) await rm(pathOf(hash), { force: true });
    },
  };
}
