/**
 * What the migration tests start from: a database file in a folder of its own, with Kysely over
 * the same connection, and rows in the SQL of the schemas they migrate (0007 and later): a
 * category and its rooms, written straight to the file.
 */
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MigrationDatabase {
  readonly file: string;
  readonly raw: Database;
  readonly db: Kysely<unknown>;
}

/** Runs `test` on a new database file, then closes it (unless the test did) and removes the folder. */
export async function withMigrationDatabase(test: (m: MigrationDatabase) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stoa-mig-'));
  const file = join(dir, 'stoa.db');
  const raw = new BetterSqlite3(file);
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
  try {
    await test({ file, raw, db });
  } finally {
    if (raw.open) await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The category `c1`, which `insertRoom` puts its rooms in. */
export function insertCategory(raw: Database): void {
  raw.exec(
    `INSERT INTO categories (id, name, description, invitations, file_upload, chat_history, created_at, updated_at)
       VALUES ('c1', 'c1', '', 0, 0, 1, 1, 1)`,
  );
}

/** A room of the category `c1`, its name its id, numbered up to `lastSeq`. */
export function insertRoom(raw: Database, id: string, lastSeq = 0): void {
  raw
    .prepare(
      `INSERT INTO rooms (id, name, description, category_id, privacy, type, invitations, addin_id, disabled, last_seq, created_at, created_by, updated_at)
         VALUES (?, ?, '', 'c1', 'open', 'normal', 'inherit', NULL, 0, ?, 1, 'ann', 1)`,
    )
    .run(id, id, lastSeq);
}
