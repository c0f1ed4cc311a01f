import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ComplianceKind, ComplianceRecord } from '../../domain/model.ts';
import { storeContract } from '../contract.ts';
import { openSqliteStore } from './sqlite-store.ts';

storeContract('sqlite', () =>
  openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'stoa-store-')), 'stoa.db') }),
);

describe('sqlite store: locks and deferred durability', () => {
  const record = (kind: ComplianceKind): ComplianceRecord => ({
    kind,
    at: 1,
    roomId: null,
    userId: 'u1',
    messageSeq: null,
    content: '',
  });

  test('a database locked by another connection delays the commit without blocking the event loop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stoa-store-'));
    const file = join(dir, 'stoa.db');
    const store = await openSqliteStore({ file });
    const holder = new BetterSqlite3(file);
    try {
      holder.exec('BEGIN IMMEDIATE');
      let committed = false;
      const write = store.write((tx) => tx.recordCompliance(record('JOIN'))).then(() => (committed = true));
      // The event loop keeps turning while the writer waits for the lock.
      let ticks = 0;
      const started = Date.now();
      while (Date.now() - started < 60) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        ticks++;
      }
      assert.ok(ticks >= 5, `timers ran ${ticks} times while the database was locked`);
      assert.equal(committed, false);
      holder.exec('COMMIT');
      await write;
      assert.equal(committed, true);
    } finally {
      holder.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('deferred and full writes commit, alone or together, and are read back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stoa-store-'));
    const file = join(dir, 'stoa.db');
    const store = await openSqliteStore({ file });
    try {
      await store.write((tx) => tx.recordCompliance(record('JOIN')), { durability: 'deferred' });
      await Promise.all([
        store.write((tx) => tx.recordCompliance(record('BACKCHAT')), { durability: 'deferred' }),
        store.write((tx) => tx.recordCompliance(record('PART'))),
      ]);
      await store.write((tx) => tx.recordCompliance(record('JOIN')), { durability: 'deferred' });
      // Past the background WAL sync, and again through close().
      await new Promise((resolve) => setTimeout(resolve, 150));
      await store.write((tx) => tx.recordCompliance(record('BACKCHAT')), { durability: 'deferred' });
    } finally {
      await store.close();
    }
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      const kinds = db.prepare('SELECT kind FROM compliance_events ORDER BY id').pluck().all();
      assert.deepEqual(kinds.slice(-5), ['JOIN', 'BACKCHAT', 'PART', 'JOIN', 'BACKCHAT']);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
