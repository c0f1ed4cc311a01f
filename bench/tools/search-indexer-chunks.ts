/**
 * The search indexer's cost per message against the number of messages per transaction (its
 * chunk), and how long each transaction of the search file takes: 8,000 short English messages
 * posted, then indexed with a fixed chunk, twice over 16/64/256/1,000. Real schema (the store's
 * migrations and the search file), no server.
 *
 *   node --import tsx bench/tools/search-indexer-chunks.ts
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../packages/server/src/storage/sqlite/sqlite-store.ts';
import { SearchIndexer } from '../../packages/server/src/search/sqlite/search-indexer.ts';
import { prepareSearchFile } from '../../packages/server/src/search/sqlite/search-file.ts';
const dir = mkdtempSync(join(tmpdir(), 'stoa-idx-'));
const file = join(dir, 'stoa.db');
await (await openSqliteStore({ file })).close();
const db = new BetterSqlite3(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = OFF');
db.exec(
  "INSERT INTO rooms (id, name, description, category_id, privacy, type, invitations, addin_id, disabled, last_seq, created_at, created_by, updated_at) VALUES ('r','r','', 'c','open','normal','inherit',NULL,0,0,0,'x',0)",
);
const ins = db.prepare(
  "INSERT INTO messages (room_id, seq, author_id, created_at, client_msg_id, kept, text, alert, story_title, rtf) VALUES ('r', ?, 'u', ?, NULL, 1, ?, 0, NULL, NULL)",
);
const words =
  'the a quick brown fox jumps over lazy dog chat room message server bench stoa hello world deploy release notes'.split(
    ' ',
  );
let seq = 0;
const fill = (n: number) => {
  db.exec('BEGIN');
  for (let i = 0; i < n; i++) {
    seq++;
    ins.run(
      seq,
      Date.now(),
      `post ${seq} ` +
        Array.from({ length: 14 }, (_, j) => words[(seq * 7 + j * 3) % words.length]).join(' '),
    );
  }
  db.exec('COMMIT');
};
const index = new BetterSqlite3(prepareSearchFile(file).file);
index.pragma('synchronous = NORMAL');
const ix = new SearchIndexer(db, index);
for (const chunk of [16, 64, 256, 1000, 16, 64, 256, 1000]) {
  fill(8000);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  const holds: number[] = [];
  while (n < 8000) {
    const started = performance.now();
    const prepared = ix.prepareChunk(chunk);
    if (prepared.length === 0) break;
    ix.writeChunk(prepared);
    n += prepared.length;
    holds.push(performance.now() - started);
  }
  const c = process.cpuUsage(c0);
  const t = performance.now() - t0;
  holds.sort((a, b) => a - b);
  console.log(
    `chunk ${chunk}: ${((c.user + c.system) / n).toFixed(1)} µs CPU/msg, ${((t * 1000) / n).toFixed(1)} µs wall/msg, chunk p50 ${holds[holds.length >> 1]?.toFixed(2)} ms max ${holds[holds.length - 1]?.toFixed(2)}`,
  );
}
index.close();
db.close();
rmSync(dir, { recursive: true, force: true });
