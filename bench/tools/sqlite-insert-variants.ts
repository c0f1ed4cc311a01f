/**
 * The message insert of a post, isolated, against variants of the schema around it: the
 * search-queue trigger, the client-message-id index (full or partial), the foreign key. Each
 * variant gets its own copy of a database made by the real migrations, with `rooms` rooms;
 * batches of `batch` inserts per transaction, interleaved, median µs per insert.
 *
 *   node --import tsx bench/tools/sqlite-insert-variants.ts [rounds=15] [batch=2000] [rooms=200]
 */
import BetterSqlite3 from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doCreateCategory } from '../../packages/server/src/actions/categories.ts';
import { doCreateUser } from '../../packages/server/src/actions/directory.ts';
import { doCreateRoom } from '../../packages/server/src/actions/rooms.ts';
import { buildServer } from '../../packages/server/src/compose.ts';
import { DEFAULTS } from '../../packages/server/src/config/config.ts';
import type { Actor } from '../../packages/server/src/domain/model.ts';
import { median } from '../lib/stats.ts';

const rounds = Number(process.argv[2] ?? 15);
const batch = Number(process.argv[3] ?? 2000);
const roomCount = Number(process.argv[4] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'stoa-insert-'));
const CLI: Actor = { kind: 'cli', osUser: 'bench' };

const server = await buildServer({ ...DEFAULTS, logLevel: 'silent', dataDir: dir, port: 0 });
const user = await doCreateUser(server.ctx, CLI, { username: 'poster' });
await doCreateCategory(server.ctx, CLI, { name: 'Bench', allowed: ['domain:stoa.local'] });
const rooms: string[] = [];
for (let i = 0; i < roomCount; i++)
  rooms.push((await doCreateRoom(server.ctx, CLI, { name: `r${i}`, category: 'Bench', privacy: 'open' })).id);
await server.close();

const variants: Record<string, string[]> = {
  'as migrated': [],
  'no search-queue trigger': ['DROP TRIGGER search_message_added'],
  'client-id index partial': [
    'DROP INDEX messages_client_id',
    'CREATE UNIQUE INDEX messages_client_id ON messages (room_id, author_id, client_msg_id) WHERE client_msg_id IS NOT NULL',
  ],
  'no trigger, partial index': [
    'DROP TRIGGER search_message_added',
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
  const file = join(dir, `v${n++}.db`);
  copyFileSync(join(dir, 'stoa.db'), file);
  const db = new BetterSqlite3(file);
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
      v.insert.run(room, seq, user.id, Date.now(), null, 1, text, 0, null, null, null);
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
