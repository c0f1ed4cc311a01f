/**
 * Helpers for the archive tests: what an archive holds (its manifest, its raw entries), archives
 * made bad on purpose, and a fingerprint of a data folder's database to prove a refused import
 * changed nothing.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import yauzl from 'yauzl';
import yazl from 'yazl';

export type Entries = Map<string, string>;

/** Every entry of a ZIP as text, without any checking. */
export async function rawEntries(file: string): Promise<Entries> {
  const zip = await yauzl.openPromise(file, { autoClose: false });
  const out: Entries = new Map();
  try {
    for await (const entry of zip.eachEntry()) {
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
      out.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
    }
  } finally {
    zip.close();
  }
  return out;
}

export async function manifestOf(file: string): Promise<any> {
  return JSON.parse((await rawEntries(file)).get('manifest.json') ?? 'null');
}

/** Entry name → SHA-256, from the manifest. */
export async function checksums(file: string): Promise<Record<string, string>> {
  const m = await manifestOf(file);
  return Object.fromEntries(m.entries.map((e: { name: string; sha256: string }) => [e.name, e.sha256]));
}

/** The records of one entry. */
export async function recordsOf(file: string, entry: string): Promise<any[]> {
  const text = (await rawEntries(file)).get(entry) ?? '';
  return text === ''
    ? []
    : text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
}

/**
 * Writes `dst` from `src` with entries changed by `edit` (return undefined to keep an entry as it
 * is). The manifest's checksums are recomputed unless `keepChecksums`; `manifest` may change it.
 */
export async function craft(
  src: string,
  dst: string,
  edit: (name: string, text: string) => string | undefined,
  options: { keepChecksums?: boolean; manifest?: (m: any) => void } = {},
): Promise<void> {
  const entries = await rawEntries(src);
  const manifest = JSON.parse(entries.get('manifest.json') ?? '{}');
  const zip = new yazl.ZipFile();
  const written = pipeline(zip.outputStream, createWriteStream(dst));
  for (const [name, text] of entries) {
    if (name === 'manifest.json') continue;
    const changed = edit(name, text) ?? text;
    if (!options.keepChecksums) {
      const e = manifest.entries.find((x: { name: string }) => x.name === name);
      const body = Buffer.from(changed, 'utf8');
      e.bytes = body.length;
      e.sha256 = createHash('sha256').update(body).digest('hex');
      e.records = changed === '' ? 0 : changed.trimEnd().split('\n').length;
    }
    zip.addBuffer(Buffer.from(changed, 'utf8'), name);
  }
  options.manifest?.(manifest);
  zip.addBuffer(Buffer.from(JSON.stringify(manifest), 'utf8'), 'manifest.json');
  zip.end();
  await written;
}

/** Edits the JSON lines of an entry. */
export const lines =
  (entry: string, edit: (records: any[]) => any[]) =>
  (name: string, text: string): string | undefined => {
    if (name !== entry) return undefined;
    const records =
      text === ''
        ? []
        : text
            .trimEnd()
            .split('\n')
            .map((l) => JSON.parse(l));
    return edit(records)
      .map((r) => `${JSON.stringify(r)}\n`)
      .join('');
  };

/** Row counts of every table and a hash of the messages, rooms and users: equal means unchanged. */
export function fingerprint(dataDir: string): string {
  const file = join(dataDir, 'stoa.db');
  if (!existsSync(file)) return 'no database';
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const tables = (
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%search%' ORDER BY name",
        )
        .all() as {
        name: string;
      }[]
    ).map((t) => t.name);
    const hash = createHash('sha256');
    for (const t of tables) {
      const { n } = db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number };
      hash.update(`${t}:${n};`);
    }
    for (const q of [
      'SELECT room_id, seq, author_id, created_at, text FROM messages ORDER BY room_id, seq',
      'SELECT * FROM rooms ORDER BY id',
      'SELECT * FROM users ORDER BY id',
      'SELECT * FROM settings ORDER BY key',
    ])
      for (const row of db.prepare(q).iterate()) hash.update(JSON.stringify(row));
    return hash.digest('hex');
  } finally {
    db.close();
  }
}
