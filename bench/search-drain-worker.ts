/**
 * Experiment `search-worker` (bench/experiments.ts): the search indexer's background drain, moved
 * to a worker thread with its own SQLite connection. Same statements, same text folding, same
 * 1,000-message transactions as packages/server/src/search/sqlite/sqlite-search.ts, but off the
 * server's event loop.
 */
import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { gramTokens, idCode, substringBody, wordsBody } from '../packages/server/src/search/text.ts';

const CHUNK = 1000;
const db = new BetterSqlite3(workerData.file as string);
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');
const hasQueued = db.prepare('SELECT 1 AS one FROM search_queue LIMIT 1');
const queued = db.prepare<
  [number],
  {
    id: number;
    kept: number | null;
    text: string | null;
    story_title: string | null;
    room_id: string | null;
    author_id: string | null;
  }
>(
  `SELECT q.id, m.kept, m.text, m.story_title, m.room_id, m.author_id
     FROM search_queue q LEFT JOIN messages m ON m.id = q.id ORDER BY q.id LIMIT ?`,
);
const insertWords = db.prepare(
  'INSERT INTO search_words (rowid, body, grams, room, author) VALUES (?, ?, ?, ?, ?)',
);
const insertGrams = db.prepare('INSERT INTO search_grams (rowid, body, room, author) VALUES (?, ?, ?, ?)');
const dequeue = db.prepare('DELETE FROM search_queue WHERE id <= ?');

function drainChunk(): number {
  db.exec('BEGIN IMMEDIATE');
  try {
    const rows = queued.all(CHUNK);
    for (const r of rows) {
      if (r.kept !== 1 || r.text === null || r.room_id === null || r.author_id === null) continue;
      const body = wordsBody(r.text, r.story_title);
      const room = idCode(r.room_id);
      const author = idCode(r.author_id);
      insertWords.run(r.id, body, gramTokens(body), room, author);
      insertGrams.run(r.id, substringBody(r.text, r.story_title), room, author);
    }
    const last = rows[rows.length - 1];
    if (last) dequeue.run(last.id);
    db.exec('COMMIT');
    return rows.length;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

let stopped = false;
parentPort?.on('message', () => (stopped = true));
const tick = () => {
  if (stopped) {
    db.close();
    parentPort?.close();
    return;
  }
  let n = 0;
  try {
    if (hasQueued.get()) n = drainChunk();
  } catch (error) {
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
  }
  setTimeout(tick, n === CHUNK ? 0 : 200);
};
tick();
