/**
 * Rows the migration tests start from, in the SQL of the schemas they migrate (0007 and later):
 * a category and its rooms, written straight to the database file.
 */
import type { Database } from 'better-sqlite3';

export function insertCategory(raw: Database, id = 'c1'): void {
  raw
    .prepare(
      `INSERT INTO categories (id, name, description, invitations, file_upload, chat_history, created_at, updated_at)
         VALUES (?, ?, '', 0, 0, 1, 1, 1)`,
    )
    .run(id, id);
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
