/**
 * The post lane's thread (post-lane.ts, docs/decisions/0013): its own SQLite store on the server's
 * file, appending the posts it is sent with `appendPost`. Every post that arrives in one turn of
 * this thread's loop is written in one transaction and synced once (the store's group commit);
 * the answers of one turn go back as one message.
 *
 * Messages in:  {type:'posts', posts:[{ref, post}]} · {type:'stop'}
 * Messages out: {type:'ready'} · {type:'done', results:[{ref, ok, outcome | message}]}
 */
import { parentPort, workerData } from 'node:worker_threads';
import { appendPost } from '../append-post.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { FromLane, LaneData, LaneResult, ToLane } from './post-lane.ts';
import { WriteTurns } from './write-turns.ts';

const data = workerData as LaneData;
const port = parentPort;
if (!port) throw new Error('post-lane-worker runs as a worker thread');

const store = await openSqliteStore({
  file: data.file,
  synchronous: data.synchronous,
  ...(data.turns ? { turns: new WriteTurns(data.turns).forLane() } : {}),
  asLane: true,
});

let results: LaneResult[] = [];
const reply = (r: LaneResult) => {
  if (results.length === 0) setImmediate(flushReplies);
  results.push(r);
};
const flushReplies = () => {
  const done = results;
  results = [];
  port.postMessage({ type: 'done', results: done } satisfies FromLane);
};

port.on('message', (m: ToLane) => {
  if (m.type === 'stop') {
    void store.close().then(() => {
      if (results.length > 0) flushReplies();
      port.close();
    });
    return;
  }
  for (const { ref, post } of m.posts)
    store
      .write((tx) => appendPost(tx, post))
      .then(
        (outcome) => reply({ ref, ok: true, outcome }),
        (error: unknown) =>
          reply({ ref, ok: false, message: error instanceof Error ? error.message : String(error) }),
      );
});

port.postMessage({ type: 'ready' } satisfies FromLane);
