/**
 * The commit sizes the writers publish (write-turns.ts): the other thread sees the largest recent
 * one, through the shared cells, and stops seeing it once it is old.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WriteTurns } from './write-turns.ts';

test('the largest recent commit of either writer is seen through the shared cells, then expires', async () => {
  const loop = new WriteTurns();
  const lane = loop.forLane();
  const indexer = new WriteTurns(loop.cells);
  assert.equal(indexer.recentBatch(), 0, 'nothing committed yet');
  lane.noteBatch(900);
  loop.noteBatch(3);
  assert.equal(indexer.recentBatch(), 900);
  lane.noteBatch(12);
  assert.equal(indexer.recentBatch(), 12, 'the last commit counts, not the largest ever');
  // Whole seconds: a commit is recent for one to two seconds.
  await new Promise((resolve) => setTimeout(resolve, 2100));
  assert.equal(indexer.recentBatch(), 0, 'an old commit says nothing about now');
});
