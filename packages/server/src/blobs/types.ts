/**
 * The blob-store port: content-addressed file bodies (SHA-256). Adapters: a folder on disk (the
 * default); a shared folder or S3-compatible store later. Bodies are streamed both ways, never held
 * whole in memory.
 */
import type { Readable } from 'node:stream';

export interface StoredBlob {
  /** Hex SHA-256 of the content: its address. */
  readonly hash: string;
  readonly size: number;
  /** The first bytes, for content-type checks. */
  readonly head: Buffer;
}

export class BlobTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`larger than ${limit} bytes`);
  }
}

export interface BlobStore {
  /** Streams `body` in; fails with BlobTooLarge as soon as more than `maxBytes` arrived (nothing kept). */
  put(body: Readable, maxBytes: number): Promise<StoredBlob>;
  /** A stream of the content, or undefined when no such blob exists. */
  get(hash: string): Promise<Readable | undefined>;
  delete(hash: string): Promise<void>;
}
