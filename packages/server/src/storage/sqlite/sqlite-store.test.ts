import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import fs, { mkdtempSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ComplianceKind, ComplianceRecord } from '../../domain/model.ts';
import { storeContract } from '../contract.ts';
import { draftPost, testCategory, testRoom } from '../test-fixtures.ts';
import type { Store } from '../types.ts';
import { PostLane } from './post-lane.ts';
import { INLINE_SYNC_MAX_WRITES, openSqliteStore } from './sqlite-store.ts';

storeContract('sqlite', () =>
  openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'stoa-store-')), 'stoa.db') }),
);

storeContract('sqlite with its post lane', async () => {
  const store = await openSqliteStore({
    file: join(mkdtempSync(join(tmpdir(), 'stoa-store-')), 'stoa.db'),
    postLane: true,
  });
  await store.postLane?.start();
  return store;
});

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

  /**
   * Holds every `fdatasync` the store starts until `release` (the operating system's call, made
   * late: the store's own code runs unchanged), or fails them with `error`; counts the syncs made
   * in place (`fdatasyncSync`), which fail with `error` too.
   */
  function holdSyncs(error?: NodeJS.ErrnoException) {
    const original = fs.fdatasync;
    const originalSync = fs.fdatasyncSync;
    const held: (() => void)[] = [];
    let calls = 0;
    let inline = 0;
    (fs as { fdatasync: unknown }).fdatasync = (
      fd: number,
      cb: (e: NodeJS.ErrnoException | null) => void,
    ) => {
      calls++;
      held.push(() => (error ? cb(error) : original(fd, cb)));
    };
    (fs as { fdatasyncSync: unknown }).fdatasyncSync = (fd: number) => {
      inline++;
      if (error) throw error;
      originalSync(fd);
    };
    syncBuiltinESMExports();
    return {
      calls: () => calls,
      inline: () => inline,
      release: () => held.splice(0).forEach((go) => go()),
      restore: () => {
        (fs as { fdatasync: unknown }).fdatasync = original;
        (fs as { fdatasyncSync: unknown }).fdatasyncSync = originalSync;
        syncBuiltinESMExports();
      },
    };
  }
  const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

  test('a durable write settles only after the WAL is synced; writes committed meanwhile share the next sync', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stoa-store-'));
    const file = join(dir, 'stoa.db');
    const store = await openSqliteStore({ file });
    const syncs = holdSyncs();
    try {
      let first = false;
      // A commit larger than INLINE_SYNC_MAX_WRITES is synced off the event loop.
      const a = Promise.all(
        Array.from({ length: INLINE_SYNC_MAX_WRITES + 1 }, () =>
          store.write((tx) => tx.recordCompliance(record('PART'))),
        ),
      ).then(() => (first = true));
      await tick();
      // Committed (another connection reads it) but not yet acknowledged: the sync is held.
      const reader = new BetterSqlite3(file, { readonly: true });
      assert.equal(
        reader.prepare("SELECT count(*) FROM compliance_events WHERE kind = 'PART'").pluck().get(),
        INLINE_SYNC_MAX_WRITES + 1,
      );
      reader.close();
      assert.equal(first, false);
      assert.equal(syncs.calls(), 1);
      // Two more batches while the first sync runs: no second sync starts yet.
      let later = 0;
      const b = store.write((tx) => tx.recordCompliance(record('PART'))).then(() => later++);
      await tick();
      const c = store.write((tx) => tx.recordCompliance(record('PART'))).then(() => later++);
      await tick();
      assert.equal(syncs.calls(), 1);
      syncs.release();
      await a;
      assert.equal(later, 0);
      await tick();
      assert.equal(syncs.calls(), 2, 'one sync for both later commits');
      syncs.release();
      await Promise.all([b, c]);
      assert.equal(later, 2);
      assert.equal(syncs.inline(), 0, 'small commits wait for the sync in flight');
      // A quiet store (no sync running, no commit in the last INLINE_SYNC_QUIET_MS) syncs a small
      // commit in place and settles it at once.
      await tick();
      await store.write((tx) => tx.recordCompliance(record('PART')));
      assert.deepEqual([syncs.calls(), syncs.inline()], [2, 1]);
      // A deferred write settles at commit, without waiting for a sync.
      let deferred = false;
      const d = store
        .write((tx) => tx.recordCompliance(record('JOIN')), { durability: 'deferred' })
        .then(() => (deferred = true));
      await tick();
      assert.equal(deferred, true);
      await d;
    } finally {
      syncs.restore();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a failed sync rejects the writes it covered with a clear error, and the store goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stoa-store-'));
    const file = join(dir, 'stoa.db');
    const store = await openSqliteStore({ file });
    const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    const syncs = holdSyncs(eio);
    try {
      // A small commit, synced in place, fails at once…
      await tick();
      await assert.rejects(
        store.write((tx) => tx.recordCompliance(record('PART'))),
        /could not sync the database to disk: EIO/,
      );
      assert.equal(syncs.inline(), 1);
      // …a large one, synced off the loop, when its sync returns.
      const large = assert.rejects(
        Promise.all(
          Array.from({ length: INLINE_SYNC_MAX_WRITES + 1 }, () =>
            store.write((tx) => tx.recordCompliance(record('PART'))),
          ),
        ),
        /could not sync the database to disk: EIO/,
      );
      await tick();
      syncs.release();
      await large;
      syncs.restore();
      await store.write((tx) => tx.recordCompliance(record('JOIN')));
      // Committed all the same (the sync, not the commit, failed); later writes go through.
      const kinds = (await store.read.listCompliance(0, 10)).map((r) => r.kind);
      assert.deepEqual(kinds, [...Array<string>(INLINE_SYNC_MAX_WRITES + 2).fill('PART'), 'JOIN']);
    } finally {
      syncs.restore();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite store: the post lane', () => {
  const draft = (text: string) => draftPost('r1', text, { authorId: 'u1' });
  const openWithRoom = async (dir: string) => {
    const store = await openSqliteStore({ file: join(dir, 'stoa.db'), postLane: true });
    await store.postLane?.start();
    await store.write(async (tx) => {
      await tx.insertCategory(testCategory('c1'));
      await tx.insertRoom(testRoom('r1', 'c1'));
    });
    return store;
  };
  /** Every stored message of r1 is numbered 1..n without a gap, each with its CHAT record. */
  const assertWhole = async (store: Store) => {
    const seqs: number[] = [];
    for (;;) {
      const page = await store.read.history('r1', { afterSeq: seqs.at(-1) ?? 0, limit: 500 });
      if (page.length === 0) break;
      seqs.push(...page.map((m) => m.seq));
    }
    assert.ok(
      seqs.every((seq, i) => seq === i + 1),
      'numbered 1..n',
    );
    const chat: number[] = [];
    for (let after = 0; ;) {
      const page = await store.read.listCompliance(after, 1000);
      if (page.length === 0) break;
      after = page.at(-1)?.id ?? after;
      for (const c of page) if (c.kind === 'CHAT' && c.messageSeq !== null) chat.push(c.messageSeq);
    }
    assert.deepEqual(chat, seqs);
    return seqs.length;
  };

  test('when the thread dies, posts in flight fail clearly, the event loop takes the next, and the lane comes back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stoa-lane-'));
    const store = await openWithRoom(dir);
    try {
      const lane = store.postLane;
      assert.ok(lane);
      const running = () => lane.running;
      assert.equal(running(), true, 'the lane runs once the store is open');
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.appendMessage(draft(`before ${i}`))));

      const worker = (
        store.postLane as unknown as { worker: { worker: { terminate: () => Promise<number> } } }
      ).worker.worker;
      const inFlight = Array.from({ length: 50 }, (_, i) => store.appendMessage(draft(`in flight ${i}`)));
      await worker.terminate();
      const settled = await Promise.allSettled(inFlight);
      for (const r of settled)
        if (r.status === 'rejected')
          assert.match(String(r.reason), /the post lane stopped; the message may not have been stored/);
      assert.equal(running(), false);
      const meanwhile = await store.appendMessage(draft('while the lane restarts'));
      assert.ok(!meanwhile.duplicate);

      const deadline = Date.now() + 10_000;
      while (!running() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(running(), true, 'the lane is back');
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.appendMessage(draft(`after ${i}`))));
      const n = await assertWhole(store);
      const fulfilled = settled.filter((r) => r.status === 'fulfilled').length;
      assert.ok(n >= 10 + fulfilled + 1 + 10, 'every post answered ok is stored');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the event loop writer goes first while the lane is busy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stoa-lane-'));
    const store = await openWithRoom(dir);
    try {
      const flooding = { done: false, ended: false };
      let posted = 0;
      const flood = (async () => {
        const deadline = Date.now() + 8000;
        while (!flooding.done && Date.now() < deadline)
          await Promise.all(
            Array.from({ length: 400 }, () => store.appendMessage(draft(`flood ${posted++}`))),
          );
        flooding.ended = true;
      })();
      // Let the lane get busy, then write on the event loop: a lane that began its next
      // transaction as soon as it committed would keep the lock until the flood ends.
      while (posted < 2000) await new Promise((r) => setTimeout(r, 5));
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.write((tx) =>
            tx.recordCompliance({
              kind: 'JOIN',
              at: 1,
              roomId: 'r1',
              userId: `u${i}`,
              messageSeq: null,
              content: '',
            }),
          ),
        ),
      );
      assert.equal(flooding.ended, false, 'the writes committed while the lane was still flooded');
      flooding.done = true;
      await flood;
      await assertWhole(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('a lane whose thread cannot start leaves posts to the event loop, reports it once, and does not retry', async () => {
    const errors: unknown[] = [];
    const written: string[] = [];
    const lane = new PostLane(
      {
        file: join(tmpdir(), 'stoa-no-such-folder', 'deeper', 'stoa.db'),
        synchronous: 'normal',
        turns: undefined,
      },
      (post) => {
        written.push(post.message.text);
        return Promise.resolve({ duplicate: false, id: written.length, seq: written.length });
      },
      (error) => errors.push(error),
    );
    try {
      assert.deepEqual(await lane.append(draft('first')), { duplicate: false, id: 1, seq: 1 });
      await assert.rejects(lane.start(), /directory does not exist/);
      assert.equal(lane.running, false);
      assert.deepEqual(await lane.append(draft('second')), { duplicate: false, id: 2, seq: 2 });
      // A supervised thread is started again a second after it fails; this one is not.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      assert.deepEqual(written, ['first', 'second']);
      assert.equal(errors.length, 1, 'reported once, not again every second');
    } finally {
      await lane.close();
    }
  });
});
