/**
 * Sequence numbers counted in memory within a group commit (seq-counter.ts), through the real
 * store: contiguous per room, visible to every other query of the same transaction, given out
 * again when a job rolls back (also when its rollback undid numbers written for earlier jobs),
 * and never reused after a change of `last_seq` by other code.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { appendPost } from '../append-post.ts';
import { draftPost, testCategory, testRoom } from '../test-fixtures.ts';
import type { Store, StoreWriter } from '../types.ts';
import { openSqliteStore } from './sqlite-store.ts';

const at = 1_800_000_000_000;
const category = testCategory();
const room = (id: string) => testRoom(id);

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

describe('sequence numbers within a group commit', () => {
  let dir: string;
  let store: Store;

  /** What a post writes (appendPost); its sequence number. */
  const post = async (tx: StoreWriter, roomId: string): Promise<number> => {
    const outcome = await appendPost(tx, draftPost(roomId, 'a message', { authorId: 'u1' }));
    return outcome.duplicate ? -1 : outcome.seq;
  };
  const seqsOf = async (roomId: string) =>
    (await store.read.history(roomId, { limit: 500 })).map((m) => m.seq);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stoa-seq-'));
    store = await openSqliteStore({ file: join(dir, 'stoa.db'), synchronous: 'normal' });
    await store.write(async (tx) => {
      await tx.insertCategory(category);
      for (const id of ['a', 'b', 'c', 'd']) await tx.insertRoom(room(id));
    });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('contiguous per room in one commit; other queries of the transaction see them; stored once committed', async () => {
    // Not awaited one by one: the writes share one transaction.
    const results = await Promise.all([
      store.write((tx) => post(tx, 'a')),
      store.write((tx) => post(tx, 'b')),
      store.write((tx) => post(tx, 'a')),
      store.write(async (tx) => (await tx.getRoom('a'))?.lastSeq),
      store.write((tx) => post(tx, 'a')),
      store.write((tx) => post(tx, 'b')),
    ]);
    assert.deepEqual(results, [1, 1, 2, 2, 3, 2]);
    assert.equal((await store.read.getRoom('a'))?.lastSeq, 3);
    assert.equal((await store.read.getRoom('b'))?.lastSeq, 2);
    assert.deepEqual(await seqsOf('a'), [1, 2, 3]);
  });

  test('a job rolled back gives its numbers out again, also after its rollback undid numbers written for earlier jobs', async () => {
    const failing = () =>
      store.write(async (tx) => {
        await post(tx, 'c'); // given out again after the rollback
        await tx.getRoom('c'); // writes the numbers so far to rooms.last_seq, inside this job's savepoint
        throw new Error('this job fails');
      });
    // The failing job last in its commit: the number of the job before it must still be written.
    const first = await Promise.all([store.write((tx) => post(tx, 'c')), failing().catch(messageOf)]);
    assert.deepEqual(first, [1, 'this job fails']);
    assert.equal((await store.read.getRoom('c'))?.lastSeq, 1);
    // And in the middle of one.
    const second = await Promise.all([
      store.write((tx) => post(tx, 'c')),
      failing().catch(messageOf),
      store.write((tx) => post(tx, 'c')),
      store.write((tx) => post(tx, 'c')),
    ]);
    assert.deepEqual(second, [2, 'this job fails', 3, 4]);
    assert.equal((await store.read.getRoom('c'))?.lastSeq, 4);
    assert.deepEqual(await seqsOf('c'), [1, 2, 3, 4]);
  });

  test('a change of last_seq by other code in the same commit is never undercut', async () => {
    const results = await Promise.all([
      store.write((tx) => post(tx, 'd')),
      store.write((tx) => tx.updateRoom('d', { lastSeq: 100, updatedAt: at })),
      store.write((tx) => post(tx, 'd')),
    ]);
    assert.deepEqual([results[0], results[2]], [1, 101]);
    assert.equal((await store.read.getRoom('d'))?.lastSeq, 101);
    assert.deepEqual(await seqsOf('d'), [1, 101]);
  });

  test('a room that does not exist is refused, and the transaction goes on', async () => {
    const results = await Promise.all([
      store.write((tx) => post(tx, 'nowhere')).catch(messageOf),
      store.write((tx) => post(tx, 'b')),
    ]);
    assert.deepEqual(results, ['room nowhere vanished', 3]);
  });
});
