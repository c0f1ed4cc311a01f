/**
 * The shared Kysely code's own append (the SQLite store's writer counts in memory instead,
 * seq-counter.ts): every message appended keeps the room's latest time and whether its times are
 * in order (docs/decisions/0017), and time bounds then bisect the sequence numbers only while they
 * are. Run on SQLite, without the SQLite adapter's overrides.
 */
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KyselyStoreOps } from './kysely-store-ops.ts';
import { migrateToLatest } from './migrate.ts';
import type { DB } from './schema.ts';
import { testCategory, testRoom } from './test-fixtures.ts';

test('appending keeps the room’s latest time and time order; time bounds hold either way', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stoa-kysely-'));
  const raw = new BetterSqlite3(join(dir, 'stoa.db'));
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: raw }) });
  try {
    await migrateToLatest(db as Kysely<unknown>, 'sqlite');
    const ops = new KyselyStoreOps(db);
    const category = testCategory();
    await ops.insertCategory(category);
    await ops.insertRoom(testRoom('r1'));
    const tail = () =>
      raw.prepare("SELECT last_seq, last_message_at, times_in_order FROM rooms WHERE id = 'r1'").get();
    const append = async (at: number) =>
      ops.insertMessage({
        roomId: 'r1',
        seq: await ops.nextSeq('r1'),
        authorId: 'u1',
        at,
        clientMsgId: null,
        kept: true,
        text: `at ${at}`,
        alert: false,
        storyTitle: null,
        rtf: null,
      });
    const seqsSince = async (since: number) =>
      (await ops.history('r1', { since, limit: 100 })).map((m) => m.seq);

    for (const at of [1000, 2000, 2000, 3000]) await append(at);
    assert.deepEqual(tail(), { last_seq: 4, last_message_at: 3000, times_in_order: 1 });
    assert.deepEqual(await seqsSince(2000), [2, 3, 4]);

    await append(1500); // the clock was set back
    assert.deepEqual(tail(), { last_seq: 5, last_message_at: 3000, times_in_order: 0 });
    await append(4000);
    assert.deepEqual(tail(), { last_seq: 6, last_message_at: 4000, times_in_order: 0 });
    assert.deepEqual(await seqsSince(1500), [2, 3, 4, 5, 6]);
    assert.deepEqual(
      (await ops.history('r1', { until: 1500, limit: 100 })).map((m) => m.seq),
      [1, 5],
    );
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
