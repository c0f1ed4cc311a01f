/**
 * WAL frames (pages) one commit of the post lane writes, against variants of the schema: what a
 * commit of `batch` posts spread over `rooms` rooms costs in pages written (each 4 KB page is a
 * frame in the WAL, copied again into the database at checkpoint). Runs the lane's statements on
 * the real schema (migrations) in a temporary folder, without the server.
 *
 *   node --import tsx bench/tools/wal-frames.ts [rooms=200] [batch=900] [commits=40]
 */
import BetterSqlite3 from 'better-sqlite3';
import { copyFileSync, rmSync, statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { median } from '../lib/stats.ts';
import { databaseWithRooms } from './database-with-rooms.ts';

const roomCount = Number(process.argv[2] ?? 200);
const batch = Number(process.argv[3] ?? 900);
const commits = Number(process.argv[4] ?? 40);
const { dir, file, userId, rooms } = await databaseWithRooms('stoa-walframes-', roomCount);

/**
 * Before migration 0009 the messages also had a (room, time) index (docs/decisions/0017). The last
 * two variants are not schemas one could run (the sequence index is what history reads by); they
 * split what remains into the tables' own pages and the rooms' row (number, latest time).
 */
const TIME_INDEX = 'CREATE INDEX messages_room_time ON messages (room_id, created_at)';
const variants: Record<string, { sql: string[]; roomsUpdate: boolean; clientIds?: boolean }> = {
  'with the time index': { sql: [TIME_INDEX], roomsUpdate: true },
  'as migrated': { sql: [], roomsUpdate: true },
  // Clients that send a client message id (a random UUID here) also write the partial
  // (room, author, client id) index, in random places of each room's range.
  'with client message ids': { sql: [], roomsUpdate: true, clientIds: true },
  'no seq index': { sql: ['DROP INDEX messages_room_seq'], roomsUpdate: true },
  'tables only': { sql: ['DROP INDEX messages_room_seq'], roomsUpdate: false },
};
const text = `post 1:2 ${'lorem ipsum dolor sit amet '.repeat(4)}`;
for (const [name, variant] of Object.entries(variants)) {
  const copy = join(dir, `${name.replaceAll(' ', '-')}.db`);
  copyFileSync(file, copy);
  const db = new BetterSqlite3(copy);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  for (const statement of variant.sql) db.exec(statement);
  const seqs = new Map<string, number>();
  const insert = db.prepare(
    'INSERT INTO messages (room_id, seq, author_id, created_at, client_msg_id, kept, text, alert, story_title, rtf, file) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
  );
  const compliance = db.prepare(
    'INSERT INTO compliance_events (kind, at, room_id, user_id, message_seq, content, details) VALUES (?,?,?,?,?,?,?)',
  );
  const setTail = db.prepare('UPDATE rooms SET last_seq = ?, last_message_at = ? WHERE id = ?');
  const frames: number[] = [];
  let k = 0;
  for (let c = 0; c < commits; c++) {
    const before = statSync(`${copy}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    db.exec('BEGIN IMMEDIATE');
    for (let i = 0; i < batch; i++) {
      const room = rooms[k++ % rooms.length] as string;
      const seq = (seqs.get(room) ?? 0) + 1;
      seqs.set(room, seq);
      const at = Date.now();
      insert.run(
        room,
        seq,
        userId,
        at,
        variant.clientIds ? randomUUID() : null,
        1,
        text,
        0,
        null,
        null,
        null,
      );
      compliance.run('CHAT', at, room, userId, seq, text, null);
    }
    const at = Date.now();
    if (variant.roomsUpdate) for (const [room, seq] of seqs) setTail.run(seq, at, room);
    db.exec('COMMIT');
    const after = statSync(`${copy}-wal`).size;
    if (c >= commits / 2) frames.push((after - (before || 32)) / 4120);
    if (c % 10 === 9) db.pragma('wal_checkpoint(TRUNCATE)');
  }
  const f = median(frames);
  console.log(`${name.padEnd(22)} ${f} frames per commit, ${(f / batch).toFixed(2)} per post`);
  db.close();
}
rmSync(dir, { recursive: true, force: true });
