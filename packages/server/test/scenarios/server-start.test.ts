/**
 * What a started server has running before any client arrives.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { startTestServer } from '../support/server.ts';

test('the post lane runs once the server has started, before the first post', async () => {
  const t = await startTestServer();
  try {
    const lane = (t.server.ctx.store as SqliteStore).postLane;
    assert.ok(lane, 'the server posts through a lane');
    assert.equal(lane.running, true);
  } finally {
    await t.close();
  }
});
