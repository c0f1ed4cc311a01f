/**
 * The SQL of one post, isolated: what the group commit runs per message (SAVEPOINT, nextSeq,
 * insert message, insert CHAT compliance row, RELEASE), timed in batches of `batch` posts per
 * transaction, against variants of the same statements. (The store now counts numbers in memory,
 * decision 0012, and the post lane runs its batches without a savepoint per job, decision 0013:
 * the variant 'no savepoint + in-memory seq'.) Runs on the real schema (migrations) in a
 * temporary folder, without the server.
 *
 *   node --import tsx bench/tools/sqlite-post-path.ts [rounds=15] [batch=2000]
 */
import BetterSqlite3 from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { median } from '../lib/stats.ts';
import { databaseWithRooms } from './database-with-rooms.ts';

const rounds = Number(process.argv[2] ?? 15);
const batch = Number(process.argv[3] ?? 2000);
const { dir, file, userId, rooms } = await databaseWithRooms('stoa-sqlpath-', 20);

const db = new BetterSqlite3(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
const s = {
  returning: db.prepare<[string], { last_seq: number }>(
    'UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq',
  ),
  update: db.prepare<[string]>('UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ?'),
  select: db.prepare<[string], { last_seq: number }>('SELECT last_seq FROM rooms WHERE id = ?'),
  setSeq: db.prepare<[number, string]>('UPDATE rooms SET last_seq = ? WHERE id = ?'),
  message: db.prepare(
    'INSERT INTO messages (room_id, seq, author_id, created_at, client_msg_id, kept, text, alert, story_title, rtf) VALUES (?,?,?,?,?,?,?,?,?,?)',
  ),
  compliance: db.prepare(
    'INSERT INTO compliance_events (kind, at, room_id, user_id, message_seq, content, details) VALUES (?,?,?,?,?,?,?)',
  ),
};
const text = `post 1:2 ${'lorem ipsum dolor sit amet '.repeat(4)}`;
const memSeq = new Map<string, number>();

function write(room: string, seq: number): void {
  const at = Date.now();
  s.message.run(room, seq, userId, at, null, 1, text, 0, null, null);
  s.compliance.run('CHAT', at, room, userId, seq, text, null);
}

type Variant = (room: string) => void;
const variants: Record<string, Variant> = {
  'savepoint + UPDATE..RETURNING': (room) => {
    db.exec('SAVEPOINT job');
    write(room, s.returning.get(room)?.last_seq ?? 0);
    db.exec('RELEASE job');
  },
  'savepoint + RETURNING, temp_store=MEMORY': (room) => {
    db.exec('SAVEPOINT job');
    write(room, s.returning.get(room)?.last_seq ?? 0);
    db.exec('RELEASE job');
  },
  'savepoint + UPDATE; SELECT': (room) => {
    db.exec('SAVEPOINT job');
    s.update.run(room);
    write(room, s.select.get(room)?.last_seq ?? 0);
    db.exec('RELEASE job');
  },
  'no savepoint + UPDATE..RETURNING': (room) => write(room, s.returning.get(room)?.last_seq ?? 0),
  'no savepoint + UPDATE; SELECT': (room) => {
    s.update.run(room);
    write(room, s.select.get(room)?.last_seq ?? 0);
  },
  'no savepoint + in-memory seq': (room) => {
    const seq = (memSeq.get(room) ?? 0) + 1;
    memSeq.set(room, seq);
    write(room, seq);
  },
};

const work: Record<string, number[]> = {};
const commit: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  for (const [name, post] of Object.entries(variants)) {
    for (const room of rooms) memSeq.set(room, s.select.get(room)?.last_seq ?? 0);
    db.pragma(`temp_store = ${name.includes('temp_store') ? 'MEMORY' : 'DEFAULT'}`);
    const t0 = performance.now();
    db.exec('BEGIN IMMEDIATE');
    for (let i = 0; i < batch; i++) post(rooms[i % rooms.length] ?? '');
    if (name.includes('in-memory')) for (const room of rooms) s.setSeq.run(memSeq.get(room) ?? 0, room);
    const t1 = performance.now();
    db.exec('COMMIT');
    const t2 = performance.now();
    (work[name] ??= []).push(((t1 - t0) * 1000) / batch);
    (commit[name] ??= []).push(t2 - t1);
  }
}
db.close();
rmSync(dir, { recursive: true, force: true });

console.log(
  `SQL per post, ${batch} posts per transaction, median of ${rounds} rounds (messages table grows to ${rounds * batch * 5})`,
);
for (const name of Object.keys(variants)) {
  const w = work[name] ?? [];
  console.log(
    `  ${name.padEnd(40)} ${median(w).toFixed(1).padStart(6)} µs/post  (min ${Math.min(...w).toFixed(1)})  COMMIT ${median(commit[name] ?? []).toFixed(1)} ms`,
  );
}
