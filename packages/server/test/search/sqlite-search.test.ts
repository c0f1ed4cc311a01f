/**
 * The SQLite search adapter on a bare store (no server): the index, in a file of its own, follows
 * new messages without the messages' write lock and changed ones through the queue (never
 * showing removed text), restricts rooms the same way below and above the room-token limit, and
 * agrees with its own substring check.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { parseQuery } from '../../src/search/query.ts';
import {
  compileSearch,
  containsAll,
  openSqliteSearch,
  ROOM_TOKEN_LIMIT,
  ROOM_TOKEN_MAX,
  type SqliteSearch,
} from '../../src/search/sqlite/sqlite-search.ts';
import { searchBacklog, searchFileOf } from '../../src/search/sqlite/search-file.ts';
import { codePoints, foldForSubstring } from '../../src/search/text.ts';
import type { SearchRequest } from '../../src/search/types.ts';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { testCategory, testRoom } from '../../src/storage/test-fixtures.ts';
import type { Store } from '../../src/storage/types.ts';

const at = 1_800_000_000_000;
const category = testCategory();
const room = (id: string) => testRoom(id);

/** Texts where folding is easy to get wrong. */
const TRICKY = [
  'Ça coûte 10 € — naïve façade, crème brûlée',
  'İstanbul ve Iğdır; STRASSE vs Straße; Œuvre',
  'ｶﾀｶﾅ と ＦＵＬＬ－ＷＩＤＴＨ と がぎぐげご',
  'emoji 🎉🎉 party 👩‍💻 coder',
  '데이터베이스 마이그레이션 완료',
  'Ελληνικά ΚΕΦΑΛΑΙΑ σίγμα',
  'path/to/file_name-v2.3.tar.gz?x=1&y=2#frag',
  'ภาษาไทย กินข้าวหรือยัง',
];

describe('SQLite search adapter', () => {
  let dir: string;
  let store: Store;
  let search: SqliteSearch | undefined;
  const ids = new Map<string, number>();

  const post = (roomId: string, text: string, authorId = 'u1', kept = true, when?: number) =>
    store.write(async (tx) => {
      const seq = await tx.nextSeq(roomId);
      const id = await tx.insertMessage({
        roomId,
        seq,
        authorId,
        at: when ?? at + seq,
        clientMsgId: null,
        kept,
        text,
        alert: false,
        storyTitle: null,
        rtf: null,
      });
      ids.set(text, id);
      return id;
    });
  const request = (q: string, rooms: string[], extra: Partial<SearchRequest> = {}): SearchRequest => ({
    terms: parseQuery(q),
    rooms,
    limit: 100,
    ...extra,
  });
  const texts = async (r: SearchRequest) =>
    ((await search?.search(r))?.messages ?? []).map((m) => m.text).sort();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stoa-search-'));
    store = await openSqliteStore({ file: join(dir, 'stoa.db'), synchronous: 'normal' });
    await store.write(async (tx) => {
      await tx.insertCategory(category);
      for (const id of ['r1', 'r2', 'r3']) await tx.insertRoom(room(id));
    });
  });
  after(async () => {
    await search?.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a backlog written while no index was open is indexed before the first answer', async () => {
    for (const text of TRICKY) await post('r1', text);
    await post('r2', 'the same party in another room', 'u2');
    await post('r1', 'not kept: never indexed party', 'u1', false);
    const raw = new BetterSqlite3(join(dir, 'stoa.db'), { readonly: true });
    try {
      const kept = raw.prepare('SELECT count(*) AS n FROM messages WHERE kept = 1');
      assert.deepEqual(kept.get(), { n: TRICKY.length + 1 });
    } finally {
      raw.close();
    }
    search = await openSqliteSearch({ file: join(dir, 'stoa.db') });
    assert.equal(search.rebuilt, 'new', 'no search file yet: built empty, then filled');
    assert.equal(
      searchBacklog(join(dir, 'stoa.db')),
      0,
      'a small backlog is indexed before the server answers',
    );
    assert.deepEqual(await texts(request('party', ['r1', 'r2'])), [
      TRICKY[3],
      'the same party in another room',
    ]);
  });

  test('every substring of every text is found, exactly as the row check sees it', async () => {
    for (const text of TRICKY) {
      const folded = codePoints(foldForSubstring(text));
      for (let i = 0; i + 3 <= folded.length; i += 2) {
        const needle = folded.slice(i, i + 3 + (i % 3)).join('');
        if (needle.trim().length < 3 || needle !== needle.trim()) continue;
        assert.ok(containsAll(text, null, [needle]), `row check: ${needle}`);
        const found = await texts({
          terms: [{ kind: 'substring', text: needle }],
          rooms: ['r1'],
          limit: 100,
        });
        assert.ok(found.includes(text), `index: "${needle}" in "${text}"`);
        for (const other of found) assert.ok(containsAll(other, null, [needle]), `"${needle}" in "${other}"`);
      }
    }
    // And as typed by a user, in other cases and forms.
    assert.deepEqual(await texts(request('*COUTE 10*', ['r1'])), [TRICKY[0]]);
    assert.deepEqual(await texts(request('*istanbul*', ['r1'])), [TRICKY[1]]);
    assert.deepEqual(await texts(request('strasse', ['r1'])), [TRICKY[1]]);
    assert.deepEqual(await texts(request('カタカナ', ['r1'])), [TRICKY[2]]);
    assert.deepEqual(await texts(request('full-width', ['r1'])), [TRICKY[2]]);
    assert.deepEqual(await texts(request('ぐげ', ['r1'])), [TRICKY[2]]);
    assert.deepEqual(await texts(request('くけ', ['r1'])), []);
    assert.deepEqual(await texts(request('마이그', ['r1'])), [TRICKY[4]]);
    assert.deepEqual(await texts(request('κεφαλαια', ['r1'])), [TRICKY[5]]);
    assert.deepEqual(await texts(request('*_name-v2.3.tar*', ['r1'])), [TRICKY[6]]);
    // Thai: vowel and tone marks are characters of their own, kept inside grams.
    assert.deepEqual(await texts(request('กิ', ['r1'])), [TRICKY[7]]);
    assert.deepEqual(await texts(request('ข้', ['r1'])), [TRICKY[7]]);
    assert.deepEqual(await texts(request('ข้า', ['r1'])), [TRICKY[7]]);
    assert.deepEqual(await texts(request('กา', ['r1'])), []);
  });

  test('the plan: which index drives', () => {
    const driver = (q: string, rooms = ['r1'], extra: Partial<SearchRequest> = {}) =>
      compileSearch(request(q, rooms, extra)).driver;
    assert.equal(driver('word'), 'words');
    assert.equal(driver('東京'), 'words');
    assert.equal(driver('word *sub*'), 'words');
    assert.equal(driver('*sub*'), 'grams');
    assert.equal(driver(''), 'words');
    const many = Array.from({ length: ROOM_TOKEN_LIMIT + 1 }, (_, i) => `room-${i}`);
    assert.equal(driver('', many), 'messages');
    assert.equal(driver('', many, { authors: ['u1'] }), 'words');
    // Whatever drives, the exact room list is checked on the message row.
    for (const q of ['word', '*sub*', ''])
      for (const rooms of [['r1'], many]) assert.match(compileSearch(request(q, rooms)).sql, /m\.room_id IN/);
  });

  test('rooms and authors restrict the same way below and above the room-token limit', async () => {
    await post('r3', 'quarterly review with 東京 office', 'u3');
    await post('r2', 'quarterly review elsewhere', 'u2');
    // 69 rooms holding a small share of the messages (room tokens), 517 (the room is checked).
    const padding = Array.from({ length: ROOM_TOKEN_MAX + 5 }, (_, i) => `absent-${i}`);
    for (const q of ['quarterly', '*arterl*', 'quarterly *東京*', '東京', 'review 東京', '']) {
      for (const extra of [{}, { authors: ['u3'] }, { since: at, until: at + 1 }]) {
        if (q === '' && Object.keys(extra).length === 0) continue;
        const few = await texts(request(q, ['r3'], extra));
        const some = await texts(request(q, ['r3', ...padding.slice(0, ROOM_TOKEN_LIMIT + 5)], extra));
        const many = await texts(request(q, ['r3', ...padding], extra));
        assert.deepEqual(some, few, `${q} ${JSON.stringify(extra)}`);
        assert.deepEqual(many, few, `${q} ${JSON.stringify(extra)}`);
        assert.ok(
          few.every((t) => t === 'quarterly review with 東京 office'),
          `${q}: ${few.join(', ')}`,
        );
      }
    }
    assert.deepEqual(await texts(request('quarterly', ['r2', 'r3'], { authors: ['u2'] })), [
      'quarterly review elsewhere',
    ]);
    assert.deepEqual(await texts(request('quarterly', [])), []);
  });

  test('date ranges are inclusive to the millisecond across months', async () => {
    const edges = {
      jan: Date.UTC(2026, 0, 31, 23, 59, 59, 999),
      feb: Date.UTC(2026, 1, 1),
      mar: Date.UTC(2026, 2, 15),
      later: Date.UTC(2028, 5, 1),
    };
    for (const [name, when] of Object.entries(edges)) await post('r3', `calendar ${name}`, 'u1', true, when);
    const dated = (since: number, until: number, q = 'calendar') =>
      texts(request(q, ['r3'], { since, until }));
    assert.deepEqual(await dated(edges.jan, edges.feb), ['calendar feb', 'calendar jan']);
    assert.deepEqual(await dated(edges.jan + 1, edges.mar), ['calendar feb', 'calendar mar']);
    assert.deepEqual(await dated(edges.jan, edges.feb - 1), ['calendar jan']);
    assert.deepEqual(await dated(edges.jan, edges.later, '*alenda*'), [
      'calendar feb',
      'calendar jan',
      'calendar later',
      'calendar mar',
    ]);
    assert.deepEqual(await dated(edges.feb, edges.mar, ''), ['calendar feb', 'calendar mar']);
    // Ranges of up to MONTH_TOKEN_LIMIT months are narrowed inside the index.
    const narrowed = compileSearch(request('calendar', ['r3'], { since: edges.jan, until: edges.mar }));
    assert.match(String(narrowed.params[0]), /month : \(/);
    const wide = compileSearch(request('calendar', ['r3'], { since: edges.jan, until: edges.later }));
    assert.doesNotMatch(String(wide.params[0]), /month/);
  });

  test("a writer holding the messages' lock holds up no new message, and a change only until it lets go", async () => {
    const id = await post('r2', 'committed before the lock');
    const holder = new BetterSqlite3(join(dir, 'stoa.db'));
    try {
      holder.exec('BEGIN IMMEDIATE');
      const started = performance.now();
      assert.deepEqual(await texts(request('committed', ['r2'])), ['committed before the lock']);
      assert.ok(performance.now() - started < 1000, 'indexing new messages takes no lock of theirs');
      // A change queues the message; taking it off the queue needs the lock, held again at once.
      holder.prepare('UPDATE messages SET text = ? WHERE id = ?').run('amended under the lock', id);
      holder.exec('COMMIT; BEGIN IMMEDIATE');
      // Until then the message is left out: its old words must not find it, its new ones wait.
      const [old, amended] = await Promise.all([
        texts(request('committed', ['r2'])),
        texts(request('amended', ['r2'])),
      ]);
      assert.deepEqual([old, amended], [[], []]);
      holder.exec('COMMIT');
      assert.deepEqual(await texts(request('amended', ['r2'])), ['amended under the lock']);
      assert.deepEqual(await texts(request('committed', ['r2'])), []);
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
    }
  });

  test('deleting and changing messages takes them out of both indexes by the next query', async () => {
    const id = await post('r1', 'ephemeral walrus 東京');
    assert.equal((await texts(request('walrus', ['r1']))).length, 1);
    await store.write(async (tx) => {
      await tx.replaceMessageText('r1', (await tx.getRoom('r1'))?.lastSeq ?? 0, 'ephemeral narwhal');
    });
    assert.deepEqual(await texts(request('walrus', ['r1'])), []);
    assert.deepEqual(await texts(request('東京', ['r1'])), []);
    assert.deepEqual(await texts(request('*narwha*', ['r1'])), ['ephemeral narwhal']);
    const raw = new BetterSqlite3(searchFileOf(join(dir, 'stoa.db')), { readonly: true });
    try {
      await store.write(async (tx) => {
        await tx.deleteMessages('r1', [(await tx.getRoom('r1'))?.lastSeq ?? 0]);
      });
      assert.deepEqual(await texts(request('narwhal', ['r1'])), []);
      // Gone from the indexes themselves, not only filtered out by the join.
      const inWords = raw.prepare("SELECT rowid FROM search_words WHERE search_words MATCH 'body : narwhal'");
      const inGrams = raw.prepare(
        'SELECT rowid FROM search_grams WHERE search_grams MATCH \'body : "narwha"\'',
      );
      assert.deepEqual([inWords.all(), inGrams.all()], [[], []]);
      assert.ok(id > 0);
    } finally {
      raw.close();
    }
  });
  test('new messages pass the mark without a queue row; changed ones are queued, and indexed once, as they are now', async () => {
    await search?.close();
    search = undefined;
    const file = join(dir, 'stoa.db');
    const changed = await post('r3', 'first draft of the heron notes');
    const deleted = await post('r3', 'a heron that will be deleted');
    const raw = new BetterSqlite3(file, { readonly: true });
    raw.prepare('ATTACH DATABASE ? AS search_index').run(searchFileOf(file));
    const count = (sql: string, ...args: unknown[]) =>
      raw
        .prepare(sql)
        .pluck()
        .get(...args) as number;
    try {
      assert.equal(count('SELECT count(*) FROM search_queue'), 0, 'posting writes nothing for the index');
      assert.equal(searchBacklog(file), 2);
      const last = (await store.read.getRoom('r3'))?.lastSeq ?? 0;
      await store.write(async (tx) => {
        await tx.replaceMessageText('r3', last - 1, 'final heron notes, reviewed');
        await tx.deleteMessages('r3', [last]);
      });
      // Above the mark too: the trigger cannot see the mark, which lives in the search file.
      assert.equal(count('SELECT count(*) FROM search_queue'), 2, 'a change or a deletion is queued');

      search = await openSqliteSearch({ file });
      assert.equal(search.rebuilt, undefined, 'the search file of this database is kept');
      assert.deepEqual(await texts(request('heron', ['r3'])), ['final heron notes, reviewed']);
      assert.deepEqual(await texts(request('draft', ['r3'])), []);
      assert.ok(count('SELECT indexed_to FROM search_index.search_state') >= changed, 'the mark passed it');
      assert.equal(searchBacklog(file), 0);
      const rows = raw
        .prepare("SELECT rowid FROM search_index.search_words WHERE search_words MATCH 'body : heron'")
        .pluck();
      assert.deepEqual(rows.all(), [changed], 'indexed once (queued and new); the deleted one never');

      // Once the mark has passed it, a change goes through the queue and replaces the entry.
      await store.write((tx) => tx.replaceMessageText('r3', last - 1, 'heron notes, third version'));
      assert.deepEqual(await texts(request('heron', ['r3'])), ['heron notes, third version']);
      assert.deepEqual(await texts(request('reviewed', ['r3'])), []);
      assert.deepEqual(rows.all(), [changed]);
      assert.equal(count('SELECT count(*) FROM search_queue'), 0);
      assert.ok(deleted > changed);
    } finally {
      raw.close();
    }
  });

  test('a search file that does not belong to the database is built again, and filled from the messages', async () => {
    await search?.close();
    search = undefined;
    const file = join(dir, 'stoa.db');
    const alter = (sql: string) => {
      const db = new BetterSqlite3(searchFileOf(file));
      try {
        db.prepare(sql).run();
      } finally {
        db.close();
      }
    };
    alter("UPDATE search_state SET link = 'another database'");
    search = await openSqliteSearch({ file });
    assert.equal(search.rebuilt, 'made for another database');
    assert.deepEqual(await texts(request('heron', ['r3'])), ['heron notes, third version']);
    // Closed, it leaves no WAL of the search file behind (its last connection checkpoints).
    await search.close();
    assert.equal(existsSync(`${searchFileOf(file)}-wal`), false);
    // A mark ahead of the messages (the database restored from an older backup) is not trusted.
    alter('UPDATE search_state SET indexed_to = indexed_to + 1000');
    search = await openSqliteSearch({ file });
    assert.match(search.rebuilt ?? '', /ahead of the messages/);
    assert.deepEqual(await texts(request('heron', ['r3'])), ['heron notes, third version']);
  });

  test('an indexer thread that dies is replaced, and the new one indexes what came meanwhile', async () => {
    assert.ok(search);
    const open = search;
    await post('r2', 'posted before the indexer died: osprey');
    assert.deepEqual(await texts(request('osprey', ['r2'])), ['posted before the indexer died: osprey']);
    const worker = (
      open as unknown as { indexer: { worker: { terminate: () => Promise<number> } | undefined } }
    ).indexer.worker;
    assert.ok(worker);
    await worker.terminate();
    await post('r2', 'posted while no indexer ran: kestrel');
    const last = (await store.read.getRoom('r2'))?.lastSeq ?? 0;
    await store.write((tx) => tx.replaceMessageText('r2', last - 1, 'changed while no indexer ran: kite'));
    // The drain waits for the new thread (started a second later) rather than answering stale.
    // (Its start timer does not keep a process alive; a server's sockets do, here an interval.)
    const alive = setInterval(() => undefined, 100);
    try {
      await open.catchUp();
    } finally {
      clearInterval(alive);
    }
    assert.deepEqual(await texts(request('kestrel', ['r2'])), ['posted while no indexer ran: kestrel']);
    assert.deepEqual(await texts(request('kite', ['r2'])), ['changed while no indexer ran: kite']);
    assert.deepEqual(await texts(request('osprey', ['r2'])), []);
    assert.equal(searchBacklog(join(dir, 'stoa.db')), 0);
  });
});
