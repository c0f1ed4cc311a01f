/**
 * Streaming ZIP for archives: entries are written one after another from batches of JSON lines,
 * each hashed (SHA-256) and counted on the way out, then the manifest last; entries are read back
 * as streams of lines, hashed on the way in. Nothing holds a whole entry in memory.
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { fail } from '../domain/errors.ts';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  MANIFEST,
  manifestChecker,
  type Manifest,
  type ManifestEntry,
} from './format.ts';

/** Where a dry run's archive goes: nowhere. */
export const nullSink = (): Writable =>
  new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });

/** Writes an archive to `out`; `finish` adds the manifest and waits until everything is written. */
export class ArchiveWriter {
  private readonly zip = new yazl.ZipFile();
  private readonly entries: ManifestEntry[] = [];
  private readonly written: Promise<void>;
  private failure: unknown;

  constructor(
    private readonly out: Writable,
    private readonly mtime: Date,
  ) {
    const output: NodeJS.ReadableStream = this.zip.outputStream;
    this.written = pipeline(output, out);
    this.written.catch((error: unknown) => (this.failure = error ?? new Error('write failed')));
  }

  /** Adds one entry from batches of records (one JSON line each); resolves once it was consumed. */
  async add(name: string, batches: AsyncIterable<readonly unknown[]>): Promise<ManifestEntry> {
    const hash = createHash('sha256');
    const entry = { name, records: 0, bytes: 0, sha256: '' };
    let done!: () => void;
    let failed!: (e: unknown) => void;
    const consumed = new Promise<void>((resolve, reject) => {
      done = resolve;
      failed = reject;
    });
    async function* body(): AsyncGenerator<Buffer> {
      try {
        for await (const batch of batches) {
          if (batch.length === 0) continue;
          const chunk = Buffer.from(batch.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
          hash.update(chunk);
          entry.records += batch.length;
          entry.bytes += chunk.length;
          yield chunk;
        }
        entry.sha256 = hash.digest('hex');
        done();
      } catch (error) {
        failed(error);
        throw error;
      }
    }
    this.zip.addReadStream(Readable.from(body(), { objectMode: false }), name, { mtime: this.mtime });
    // Done when the entry was consumed; failed if the output broke (or closed) before that.
    await new Promise<void>((resolve, reject) => {
      consumed.then(resolve, reject);
      this.written.then(
        () => reject(new Error('the archive output closed before the entry was written')),
        reject,
      );
    });
    if (this.failure !== undefined)
      throw this.failure instanceof Error ? this.failure : new Error('writing the archive failed');
    this.entries.push(entry);
    return entry;
  }

  /** Writes the manifest (with every entry's checksum) last and waits for the output to finish. */
  async finish(manifest: Omit<Manifest, 'entries' | 'format' | 'version'>): Promise<Manifest> {
    const full: Manifest = {
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      ...manifest,
      entries: this.entries,
    };
    this.zip.addBuffer(Buffer.from(`${JSON.stringify(full, null, 2)}\n`, 'utf8'), MANIFEST, {
      mtime: this.mtime,
    });
    this.zip.end();
    await this.written;
    return full;
  }

  /** Stops writing after a failure: the output ends broken, never looking complete. */
  abort(error: unknown): void {
    this.out.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

function corrupt(message: string, details?: unknown): never {
  return fail('archive_invalid', message, details);
}

/**
 * Guards against archives made to exhaust the importer (ZIP bombs): memory is bounded by the
 * longest record, and the work by the sizes the manifest declares, which must match the ZIP's own
 * and may not expand more than `maxRatio` times what the entry takes in the file.
 */
export interface ArchiveLimits {
  /** The longest record (one JSON line), bytes. */
  readonly maxRecordBytes: number;
  /** The largest expansion of an entry over 1 MiB, uncompressed / compressed. */
  readonly maxRatio: number;
}

/**
 * Records of real exports are a few kilobytes (a message of at most `maxMessageBytes`, a room's
 * lists); entries of JSON lines compress 5–20 times, deflate at most about 1,000 times.
 */
export const ARCHIVE_LIMITS: ArchiveLimits = { maxRecordBytes: 16 * 1024 * 1024, maxRatio: 250 };

/** Entries up to this size are not checked for their ratio (a few repeated lines compress well). */
const RATIO_FLOOR_BYTES = 1024 * 1024;

/** Reads an archive file: its manifest, and each entry as checked lines. */
export class ArchiveReader {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly entries: Map<string, yauzl.Entry>,
    readonly manifest: Manifest,
    private readonly limits: ArchiveLimits,
  ) {}

  /**
   * Opens the file and checks the manifest (format, version, entries present, nothing else) and
   * the entries' sizes against it and the limits.
   */
  static async open(file: string, limits: ArchiveLimits = ARCHIVE_LIMITS): Promise<ArchiveReader> {
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(file, { autoClose: false, strictFileNames: true });
    } catch (error) {
      return corrupt(`not a readable ZIP archive (corrupt or truncated): ${(error as Error).message}`);
    }
    try {
      const entries = new Map<string, yauzl.Entry>();
      for await (const entry of zip.eachEntry()) {
        if (entries.has(entry.fileName)) corrupt(`entry ${entry.fileName} appears twice`);
        entries.set(entry.fileName, entry);
      }
      const manifestEntry = entries.get(MANIFEST);
      if (!manifestEntry) corrupt(`no ${MANIFEST}: not a Stoa export archive`);
      if (manifestEntry.uncompressedSize > 64 * 1024 * 1024) corrupt(`${MANIFEST} is too large`);
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(manifestEntry)) chunks.push(chunk as Buffer);
      let manifest: unknown;
      try {
        manifest = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return corrupt(`${MANIFEST} is not valid JSON`);
      }
      const m = manifest as Partial<Manifest> | null;
      if (typeof m !== 'object' || m === null || m.format !== ARCHIVE_FORMAT)
        corrupt(`${MANIFEST} does not describe a Stoa export archive`);
      if (m.version !== ARCHIVE_VERSION)
        fail(
          'unsupported_archive_version',
          `archive format version ${String(m.version)} is not supported (this server reads version ${ARCHIVE_VERSION})`,
        );
      const problem = manifestChecker.problem(manifest);
      if (problem !== undefined) corrupt(`${MANIFEST}: ${problem}`);
      const checked = manifest as Manifest;
      const listed = new Set(checked.entries.map((e) => e.name));
      for (const e of checked.entries) if (!entries.has(e.name)) corrupt(`entry ${e.name} is missing`);
      for (const name of entries.keys())
        if (name !== MANIFEST && !listed.has(name)) corrupt(`entry ${name} is not in the manifest`);
      for (const e of checked.entries) {
        const z = entries.get(e.name);
        if (!z) continue;
        // The ZIP checks each entry against its own header while reading; the header must agree.
        if (z.uncompressedSize !== e.bytes)
          fail(
            'checksum_mismatch',
            `entry ${e.name} does not match the manifest (size: ${z.uncompressedSize} bytes, manifest ${e.bytes})`,
            { entry: e.name, expected: { bytes: e.bytes }, actual: { bytes: z.uncompressedSize } },
          );
        if (z.uncompressedSize > RATIO_FLOOR_BYTES && z.uncompressedSize > limits.maxRatio * z.compressedSize)
          corrupt(
            `entry ${e.name} expands ${Math.round(z.uncompressedSize / Math.max(1, z.compressedSize))} times ` +
              `(at most ${limits.maxRatio}): refused as a possible ZIP bomb`,
            { entry: e.name },
          );
      }
      return new ArchiveReader(zip, entries, checked, limits);
    } catch (error) {
      zip.close();
      if (error instanceof Error && error.name !== 'StoaError')
        return corrupt(`corrupt archive: ${error.message}`);
      throw error;
    }
  }

  entry(name: string): ManifestEntry | undefined {
    return this.manifest.entries.find((e) => e.name === name);
  }

  /**
   * The records of one entry, in order, each parsed; the entry's size, SHA-256 and record count are
   * compared with the manifest at its end (`checksum_mismatch`), before the last record is handed
   * over, so a caller that reads to the end has only seen verified data.
   */
  async *records(name: string): AsyncGenerator<{ line: number; value: unknown }> {
    const listed = this.entry(name);
    const entry = this.entries.get(name);
    if (!listed || !entry) return corrupt(`entry ${name} is missing`);
    let stream: Readable;
    try {
      stream = await this.zip.openReadStreamPromise(entry);
    } catch (error) {
      return corrupt(`entry ${name} cannot be read: ${(error as Error).message}`, { entry: name });
    }
    const hash = createHash('sha256');
    let bytes = 0;
    /** Bytes since the last line break: a record may not grow past the limit in memory. */
    let open = 0;
    const max = this.limits.maxRecordBytes;
    stream.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      const firstBreak = chunk.indexOf(10);
      const lastBreak = chunk.lastIndexOf(10);
      const longest = firstBreak < 0 ? open + chunk.length : open + firstBreak;
      open = lastBreak < 0 ? open + chunk.length : chunk.length - lastBreak - 1;
      if (longest > max || open > max) stream.destroy(new Error(`a record is longer than ${max} bytes`));
    });
    let line = 0;
    let pending: { line: number; value: unknown } | undefined;
    try {
      for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
        line++;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          return corrupt(`${name} line ${line}: not valid JSON`, { entry: name, line });
        }
        if (pending) yield pending;
        pending = { line, value };
      }
    } catch (error) {
      if (error instanceof Error && error.name === 'StoaError') throw error;
      return corrupt(`entry ${name} is corrupt: ${(error as Error).message}`, { entry: name });
    }
    const sha256 = hash.digest('hex');
    if (bytes !== listed.bytes || sha256 !== listed.sha256 || line !== listed.records) {
      fail('checksum_mismatch', `entry ${name} does not match the manifest (size, SHA-256 or records)`, {
        entry: name,
        expected: { bytes: listed.bytes, sha256: listed.sha256, records: listed.records },
        actual: { bytes, sha256, records: line },
      });
    }
    if (pending) yield pending;
  }

  close(): void {
    this.zip.close();
  }
}
