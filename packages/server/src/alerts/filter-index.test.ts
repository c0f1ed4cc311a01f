import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertFilter } from '../domain/alerts.ts';
import { FilterIndex, type MatchInput } from './filter-index.ts';
import { InProcessMatcher, ThreadMatcher, type FilterMatcher } from './matcher-thread.ts';

const filter = (id: string, over: Partial<AlertFilter> = {}): AlertFilter => ({
  id,
  userId: 'owner',
  name: id,
  keywords: [],
  authors: [],
  mentions: false,
  rooms: [],
  notify: true,
  createdAt: 1,
  updatedAt: 1,
  ...over,
});
const msg = (text: string, over: Partial<MatchInput> = {}): MatchInput => ({
  text,
  storyTitle: null,
  roomId: 'r1',
  authorId: 'bob',
  ...over,
});

function sample(index: { put: (f: AlertFilter, m: readonly string[]) => void }): void {
  index.put(filter('deploy', { keywords: ['deploy', 'release train'] }), []);
  index.put(filter('in-r2', { keywords: ['deploy'], rooms: ['r2'] }), []);
  index.put(filter('from-carol', { authors: ['carol'] }), []);
  index.put(filter('room-r3', { rooms: ['r3'] }), []);
  index.put(filter('me', { mentions: true }), ['ann', 'Ann Lee']);
  index.put(filter('cjk', { keywords: ['会議'] }), []);
  index.put(filter('own', { keywords: ['deploy'], userId: 'bob' }), []);
}

const corpus: [MatchInput, string[]][] = [
  [msg('Deploy done'), ['deploy']],
  [msg('the Release-Train leaves'), ['deploy']],
  [msg('deploy in r2', { roomId: 'r2' }), ['deploy', 'in-r2']],
  [msg('anything', { authorId: 'carol' }), ['from-carol']],
  [msg('anything', { roomId: 'r3' }), ['room-r3']],
  [msg('hello @ann, and Ann Lee'), ['me']],
  [msg('明日の会議は十時'), ['cjk']],
  [msg('nothing here'), []],
];

test('the filter index matches words, phrases, rooms, authors, mentions and CJK, never the owner', () => {
  const index = new FilterIndex();
  sample(index);
  for (const [m, expected] of corpus) assert.deepEqual(index.match(m).sort(), expected.sort(), m.text);
  // The owner's own message never matches their filter (bob owns "own").
  assert.equal(index.match(msg('deploy')).includes('own'), false);
  assert.equal(index.match(msg('deploy', { authorId: 'dan' })).includes('own'), true);
});

test('a dropped or replaced filter leaves nothing behind', () => {
  const index = new FilterIndex();
  sample(index);
  for (const id of ['deploy', 'in-r2', 'from-carol', 'room-r3', 'me', 'cjk', 'own']) index.drop(id);
  assert.equal(index.size, 0);
  for (const [m] of corpus) assert.deepEqual(index.match(m), [], m.text);
  index.put(filter('f', { keywords: ['alpha'] }), []);
  index.put(filter('f', { keywords: ['beta'] }), []);
  assert.deepEqual(index.match(msg('alpha')), []);
  assert.deepEqual(index.match(msg('beta')), ['f']);
});

async function batch(matcher: FilterMatcher): Promise<string[][]> {
  const r = await matcher.match(corpus.map(([m]) => m));
  const out: string[][] = corpus.map(() => []);
  for (const [i, ids] of r.hits) out[i] = [...ids].sort();
  return out;
}

test('the matcher thread answers as the in-process matcher, and comes back with every filter after its thread dies', async () => {
  const errors: unknown[] = [];
  const thread = new ThreadMatcher((e) => errors.push(e));
  const local = new InProcessMatcher();
  try {
    await thread.started;
    sample(thread);
    sample(local);
    const expected = corpus.map(([, ids]) => [...ids].sort());
    assert.deepEqual(await batch(local), expected);
    assert.deepEqual(await batch(thread), expected);

    // Kill the thread: the batch in flight fails (unless the thread answered it just before it
    // died: then the answer is right), a new thread starts a second later with every filter.
    const worker = (thread as unknown as { thread: { worker: { terminate: () => Promise<number> } } }).thread
      .worker;
    const inFlight = thread.match(corpus.map(([m]) => m)).then(
      (r) => ({ answered: r }),
      (e: unknown) => ({ failed: String(e) }),
    );
    await worker.terminate();
    const outcome = await inFlight;
    if ('failed' in outcome) assert.match(outcome.failed, /stopped/);
    else {
      const answered: string[][] = corpus.map(() => []);
      for (const [i, ids] of outcome.answered.hits) answered[i] = [...ids].sort();
      assert.deepEqual(answered, expected);
    }
    await assert.rejects(thread.match([]), /restarting/);
    thread.drop('cjk');
    const deadline = Date.now() + 10_000;
    let again: string[][] | undefined;
    while (!again && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      again = await batch(thread).catch(() => undefined);
    }
    assert.deepEqual(
      again,
      expected.map((ids, i) => (i === 6 ? [] : ids)),
      'filters replayed, the drop kept',
    );
  } finally {
    await thread.close();
  }
});
