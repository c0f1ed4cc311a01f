/**
 * The message insert of a post, isolated, against variants of the schema around it: the
 * search-queue trigger that migration 0008 removed, the client-message-id index (full or
 * partial), the foreign key, the time index. Each
 * variant gets its own copy of a database made by the real migrations, with `rooms` rooms;
 * batches of `batch` inserts per transaction, interleaved, median µs per insert.
 *
 *   node --import tsx bench/tools/sqlite-insert-variants.ts [rounds=15] [batch=2000] [rooms=200]
 */
import BetterSqlite3 from 'better-sqlite3';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { median } from '../lib/stats.ts';
import { databaseWithRooms } from './database-with-rooms.ts';

const rounds = Number(process.argv[2] ?? 15);
const batch = Number(process.argv[3] ?? 2000);
const roomCount = Number(process.argv[4] ?? 200);
const { dir, file, userId, rooms } = await databaseWithRooms('stoa-insert-', roomCount);

const variants: Record<string, string[]> = {
  'as migrated': [],
  // Every new message was queued for search by this trigger until migration 0008.
  'with the queue trigger of 0003': [
    `CREATE TRIGGER search_message_added AFTER INSERT ON messages WHEN new.kept = 1 BEGIN
       INSERT OR IGNORE INTO search_queue (id) VALUES (new.id);
     END`,
  ],
  'client-id index partial': [
    'DROP INDEX messages_client_id',
    'CREATE UNIQUE INDEX messages_client_id ON messages (room_id, author_id, client_msg_id) WHERE client_msg_id IS NOT NULL',
  ],
  'foreign keys off': ['PRAGMA foreign_keys = OFF'],
  'no time index': ['DROP INDEX messages_room_time'],
};

const dbs = new Map<
  string,
  { db: BetterSqlite3.Database; insert: BetterSqlite3.Statement; seq: Map<string, number> }
>();
let n = 0;
for (const [name, statements] of Object.entries(variants)) {
  const copy = join(dir, `v${n++}.db`);
  copyFileSync(file, copy);
  const db = new BetterSqlite3(copy);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  for (const s of statements) db.exec(s);
  const insert = db.prepare(
    'INSERT INTO messages (room_id, seq, author_id, created_at, client_msg_id, kept, text, alert, story_title, rtf, file) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
  );
  dbs.set(name, { db, insert, seq: new Map() });
}
const text = `post 1:2 ${'lorem ipsum dolor sit amet '.repeat(4)}`;
const times: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  for (const [name, v] of dbs) {
    v.db.exec('BEGIN IMMEDIATE');
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) {
      const room = rooms[i % rooms.length] ?? '';
      const seq = (v.seq.get(room) ?? 0) + 1;
      v.seq.set(room, seq);
      v.insert.run(room, seq, userId, Date.now(), null, 1, text, 0, null, null, null);
    }
    const t1 = performance.now();
    v.db.exec('COMMIT');
    (times[name] ??= []).push(((t1 - t0) * 1000) / batch);
  }
}
console.log(`message insert, ${batch} per transaction over ${roomCount} rooms, median of ${rounds} rounds`);
for (const [name, t] of Object.entries(times))
  console.log(
    `  ${name.padEnd(28)} ${median(t).toFixed(2).padStart(6)} µs  (min ${Math.min(...t).toFixed(2)})`,
  );
for (const v of dbs.values()) v.db.close();
rmSync(dir, { recursive: true, force: true });
