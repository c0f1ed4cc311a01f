/**
 * The post lane's thread (post-lane.ts, docs/decisions/0013): its own SQLite store on the server's
 * file, appending the posts it is sent with `appendPost`. Every post that arrives in one turn of
 * this thread's loop is written in one transaction and synced once (the store's group commit);
 * the answers of one turn go back as one message.
 *
 * Messages in:  {type:'posts', refs, posts (JSON, post-lane-wire.ts)} · {type:'stop'}
 * Messages out: {type:'ready'} · {type:'done', appended ([ref, id, seq]…), others}
 */
import { parentPort, workerData } from 'node:worker_threads';
import { appendPost } from '../append-post.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { NewPost, PostOutcome } from '../types.ts';
import type { FromLane, LaneData, LaneOther, ToLane } from './post-lane.ts';
import { decodePost, type PlainPost } from './post-lane-wire.ts';
import { WriteTurns } from './write-turns.ts';

const data = workerData as LaneData;
const port = parentPort;
if (!port) throw new Error('post-lane-worker runs as a worker thread');

/**
 * The lane checkpoints the WAL by itself only past this many pages (64 MB): below it the search
 * indexer's thread does (every chunk, at least every 200 ms, once the WAL passes 4 MB). At the
 * default of 4,000 pages, posting without pause kept the WAL above it for long stretches, and the
 * lane's commits copied pages into the database inside the commit (docs/decisions/0016).
 */
const LANE_AUTOCHECKPOINT_PAGES = 16_384;

const store = await openSqliteStore({
  file: data.file,
  synchronous: data.synchronous,
  autocheckpointPages: LANE_AUTOCHECKPOINT_PAGES,
  ...(data.turns ? { turns: new WriteTurns(data.turns).forLane() } : {}),
  asLane: true,
});

/** Answers of this turn: appended posts as `[ref, id, seq]` numbers, the rest as objects. */
let appended: number[] = [];
let others: LaneOther[] = [];
let replying = false;
const replySoon = () => {
  if (replying) return;
  replying = true;
  setImmediate(flushReplies);
};
const flushReplies = () => {
  replying = false;
  const done = Float64Array.from(appended);
  const rest = others;
  appended = [];
  others = [];
  port.postMessage({ type: 'done', appended: done, others: rest } satisfies FromLane, [done.buffer]);
};
const answer = (ref: number, outcome: PostOutcome) => {
  if (outcome.duplicate) others.push({ ref, ok: true, outcome });
  else appended.push(ref, outcome.id, outcome.seq);
  replySoon();
};
const refuse = (ref: number, error: unknown) => {
  others.push({ ref, ok: false, message: error instanceof Error ? error.message : String(error) });
  replySoon();
};

port.on('message', (m: ToLane) => {
  if (m.type === 'stop') {
    void store.close().then(() => {
      if (replying) flushReplies();
      port.close();
    });
    return;
  }
  const posts = (JSON.parse(m.posts) as (PlainPost | NewPost)[]).map(decodePost);
  posts.forEach((post, i) => {
    const ref = m.refs[i] as number;
    store
      .write((tx) => appendPost(tx, post))
      .then(
        (outcome) => answer(ref, outcome),
        (error: unknown) => refuse(ref, error),
      );
  });
});

port.postMessage({ type: 'ready' } satisfies FromLane);
