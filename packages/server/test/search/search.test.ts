/**
 * History search end to end (spec §4.8, docs/search.md): a real server on SQLite, the corpus of
 * corpus.ts posted through the real actions, searched through `doSearch`, HTTP and WebSocket.
 * Every assertion names the exact messages expected, newest first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { doPostMessage } from '../../src/actions/chat.ts';
import { doUpdateCategory } from '../../src/actions/categories.ts';
import { doDeleteRoom, doUpdateRoom } from '../../src/actions/rooms.ts';
import { doSearch, type SearchInput } from '../../src/actions/search.ts';
import { StoaError } from '../../src/domain/errors.ts';
import { api, login, WsClient } from '../support/clients.ts';
import { CLI } from '../support/org.ts';
import { dayAt, startSearchFixture, type SearchFixture } from './corpus.ts';
import { searchFileOf } from '../../src/search/sqlite/search-file.ts';

type Who = 'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'root';

describe('history search', () => {
  let f: SearchFixture;
  before(async () => {
    f = await startSearchFixture();
  });
  after(async () => {
    await f.t.close();
  });

  const run = (who: Who, input: SearchInput) =>
    doSearch(f.t.server.ctx, { kind: 'user', userId: f.org.users[who].id }, input);
  /** The corpus names of what `who` finds, newest first. */
  const find = async (who: Who, input: SearchInput | string) => {
    const result = await run(who, typeof input === 'string' ? { q: input } : input);
    return result.messages.map((m) => f.names.get(m.id) ?? `#${m.id}`);
  };
  const refused = async (who: Who, input: SearchInput, code: string) => {
    await assert.rejects(run(who, input), (e: unknown) => e instanceof StoaError && e.code === code);
  };

  test('words ignore case and accents, in every language with spaces', async () => {
    assert.deepEqual(await find('alice', 'deployment'), ['E1']);
    assert.deepEqual(await find('alice', 'DEPLOYMENT'), ['E1']);
    assert.deepEqual(await find('alice', 'reunion'), ['F1']);
    assert.deepEqual(await find('alice', 'réunion'), ['F1']);
    assert.deepEqual(await find('alice', 'oeuvre'), ['F1']);
    assert.deepEqual(await find('alice', 'eleves hopital'), ['F3']);
    assert.deepEqual(await find('alice', 'notes'), ['E4', 'E2']);
    assert.deepEqual(await find('alice', 'meeting'), ['E3']);
    // A word is a whole word: "deploy" is neither "deployed" nor "deployment".
    assert.deepEqual(await find('alice', 'deploy'), []);
    // Every term must match.
    assert.deepEqual(await find('alice', 'notes production'), ['E4']);
  });

  test('phrases keep word order', async () => {
    assert.deepEqual(await find('alice', '"release notes"'), ['E2']);
    assert.deepEqual(await find('alice', '"notes release"'), []);
    assert.deepEqual(await find('alice', '"compte rendu"'), ['F2']);
    assert.deepEqual(await find('alice', '"the billing service"'), ['E1']);
    assert.deepEqual(await find('alice', '"release no"*'), ['E2']);
  });

  test('prefixes find partial words', async () => {
    assert.deepEqual(await find('alice', 'deplo*'), ['F2', 'E4', 'E1']);
    assert.deepEqual(await find('alice', 'hôp*'), ['F3']);
    assert.deepEqual(await find('alice', 'rele*'), ['E2']);
    assert.deepEqual(await find('alice', 'changel*'), ['E4']);
    await refused('alice', { q: 'd*' }, 'validation_failed');
  });

  test('substrings find text inside words, in any case', async () => {
    assert.deepEqual(await find('alice', '*illin*'), ['T1', 'P1', 'S1', 'C1', 'E1']);
    assert.deepEqual(await find('alice', '*ployme*'), ['E1']);
    assert.deepEqual(await find('alice', '*ANGELO*'), ['E4']);
    assert.deepEqual(await find('alice', '*rojet'), ['F3']);
    assert.deepEqual(await find('alice', '*"the billing s"*'), ['E1']);
    await refused('alice', { q: '*ab*' }, 'validation_failed');
  });

  test('URLs and file names, whole or in part', async () => {
    assert.deepEqual(await find('alice', '*github.com/acme*'), ['U1']);
    assert.deepEqual(await find('alice', '*archive.tar.g*'), ['U1']);
    assert.deepEqual(await find('alice', '*docs.example.com/releases*'), ['E2']);
    assert.deepEqual(await find('alice', 'https://docs.example.com/releases/v2.3?lang=en#notes'), ['E2']);
    assert.deepEqual(await find('alice', 'example.com'), ['E2']);
    assert.deepEqual(await find('alice', 'report_Q3_final.xlsx'), ['E3']);
    assert.deepEqual(await find('alice', '*_q3_fin*'), ['E3']);
    assert.deepEqual(await find('alice', 'budget-2025.v2.pdf'), ['U2']);
    assert.deepEqual(await find('alice', '*IMG_2024*'), ['U2']);
    assert.deepEqual(await find('alice', 'CHANGELOG.md'), ['E4']);
    assert.deepEqual(await find('alice', '*2.3.1*'), ['E4']);
  });

  test('Chinese, Japanese and Korean: substrings from one character', async () => {
    assert.deepEqual(await find('alice', '東京'), ['J1']);
    assert.deepEqual(await find('alice', '会議'), ['J1']);
    assert.deepEqual(await find('alice', '確認'), ['J1']);
    assert.deepEqual(await find('alice', '京'), ['J3', 'J1', 'Z1']);
    assert.deepEqual(await find('alice', '京都'), ['J3']);
    assert.deepEqual(await find('alice', '会'), ['J1', 'Z1']);
    assert.deepEqual(await find('alice', '北京'), ['Z1']);
    assert.deepEqual(await find('alice', '服务器'), ['Z1']);
    assert.deepEqual(await find('alice', '数据库'), ['Z2']);
    assert.deepEqual(await find('alice', 'サー'), ['J2']);
    assert.deepEqual(await find('alice', 'デプロイ'), ['J2']);
    assert.deepEqual(await find('alice', '東京 会議'), ['J1']);
    assert.deepEqual(await find('alice', '"東京で会議"'), ['J1']);
    assert.deepEqual(await find('alice', '東京 *資料を確*'), ['J1']);
    assert.deepEqual(await find('alice', '서울'), ['K1']);
    assert.deepEqual(await find('alice', '猫'), []);
    // Half-width katakana and full-width Latin are the same characters once normalised.
    assert.deepEqual(await find('alice', 'ｻｰﾊﾞｰ'), ['J2']);
    assert.deepEqual(await find('alice', 'ＣＨＡＮＧＥＬＯＧ.md'), ['E4']);
  });

  test('story titles are searched with the body', async () => {
    assert.deepEqual(await find('alice', 'quarterly'), ['T1']);
    assert.deepEqual(await find('alice', '*rterly num*'), ['T1']);
  });

  test('words and substrings combine', async () => {
    assert.deepEqual(await find('alice', 'deplo* *otfi*'), ['E4']);
    assert.deepEqual(await find('alice', 'billing *ricin*'), ['S1']);
    assert.deepEqual(await find('alice', '*illin* plan'), ['C1']);
  });

  test('author filter, alone or with words', async () => {
    assert.deepEqual(await find('alice', { authors: ['bob'] }), ['U1', 'J2', 'Z1', 'F1', 'E2']);
    assert.deepEqual(await find('alice', { authors: ['sip:bob@example.com'] }), [
      'U1',
      'J2',
      'Z1',
      'F1',
      'E2',
    ]);
    assert.deepEqual(await find('alice', { q: 'deplo*', authors: ['carol'] }), ['F2']);
    assert.deepEqual(await find('alice', { q: '*illin*', authors: ['alice'] }), ['T1', 'S1', 'C1', 'E1']);
    assert.deepEqual(await find('alice', { q: '京', authors: ['carol', 'bob'] }), ['J3', 'Z1']);
    await refused('alice', { authors: ['nobody'] }, 'not_found');
    await refused('alice', { authors: ['group:staff'] }, 'validation_failed');
  });

  test('date filters, inclusive', async () => {
    assert.deepEqual(await find('alice', { q: 'deplo*', since: dayAt(4), until: dayAt(6) }), ['F2', 'E4']);
    assert.deepEqual(await find('alice', { q: 'billing', since: dayAt(20) }), ['T1']);
    assert.deepEqual(await find('alice', { q: 'billing', until: dayAt(1) }), ['E1']);
    assert.deepEqual(await find('alice', { since: dayAt(13), until: dayAt(15) }), ['K1', 'U2', 'U1']);
  });

  test('pages, newest first, with a stable cursor', async () => {
    const p1 = await run('alice', { q: 'billing', limit: 2 });
    assert.deepEqual(
      p1.messages.map((m) => f.names.get(m.id)),
      ['T1', 'P1'],
    );
    assert.equal(p1.next, f.messages.P1?.id);
    // A new message does not move the cursor: the next page continues where the last one ended.
    const late = await doPostMessage(
      f.t.server.ctx,
      { kind: 'user', userId: f.org.users.alice.id },
      f.rooms.engOpen,
      { text: 'late billing note' },
    );
    f.names.set(late.message.id, 'LATE');
    const p2 = await run('alice', { q: 'billing', limit: 2, before: p1.next });
    assert.deepEqual(
      p2.messages.map((m) => f.names.get(m.id)),
      ['S1', 'C1'],
    );
    const p3 = await run('alice', { q: 'billing', limit: 2, before: Number(p2.next) });
    assert.deepEqual(
      p3.messages.map((m) => f.names.get(m.id)),
      ['E1'],
    );
    assert.equal(p3.next, null);
    // And what was just posted is found at once.
    assert.deepEqual(await find('alice', 'billing note'), ['LATE']);
  });

  test('only rooms the user may read: walls, membership, secret rooms', async () => {
    assert.deepEqual(await find('alice', 'billing'), ['LATE', 'T1', 'P1', 'S1', 'C1', 'E1']);
    // bob is not a member of eng-secret.
    assert.deepEqual(await find('bob', '*illin*'), ['LATE', 'T1', 'P1', 'C1', 'E1']);
    // erin is walled off from Engineering by its denied list: she never sees its hits.
    assert.deepEqual(await find('erin', 'billing'), ['P1', 'L1']);
    assert.deepEqual(await find('erin', '*illin*'), ['P1', 'L1']);
    assert.deepEqual(await find('erin', { authors: ['alice'] }), []);
    assert.deepEqual(await find('erin', '京'), []);
    await refused('erin', { q: 'billing', rooms: [f.rooms.engOpen] }, 'not_found');
    // dave (partner.org) is in scope of Partners only.
    assert.deepEqual(await find('dave', '*illin*'), ['P1']);
    // Naming rooms restricts the search; a secret room one is not in looks missing.
    assert.deepEqual(await find('bob', { q: 'billing', rooms: [f.rooms.engClosed] }), ['C1']);
    await refused('bob', { q: 'billing', rooms: [f.rooms.engSecret] }, 'not_found');
    await refused('dave', { q: 'billing', rooms: [f.rooms.engClosed] }, 'not_found');
    // Administrators are not bound by scope but still need membership of closed rooms.
    assert.deepEqual(await find('root', '*illin*'), ['LATE', 'P1', 'L1', 'E1']);
  });

  test('never disabled rooms, nor categories that keep no history', async () => {
    // eng-archive is disabled: its "billing archive" is not found, the URL's "archive" is.
    assert.deepEqual(await find('alice', 'archive'), ['U1']);
    await refused('alice', { q: 'archive', rooms: [f.rooms.archive] }, 'not_found');
    // The Lounge keeps no history: what is said there is never indexed.
    assert.deepEqual(await find('bob', 'lounge'), []);
    assert.deepEqual(await find('bob', { q: 'lounge', rooms: [f.rooms.lounge] }), []);
    // Re-enabled, the room's history is searchable again (spec §3.8).
    await doUpdateRoom(f.t.server.ctx, CLI, f.rooms.archive, { disabled: false });
    assert.deepEqual(await find('alice', 'archive'), ['A1', 'U1']);
    await doUpdateRoom(f.t.server.ctx, CLI, f.rooms.archive, { disabled: true });
    assert.deepEqual(await find('alice', 'archive'), ['U1']);
    // Turning a category's history off hides what it kept.
    const partners = await f.t.server.ctx.store.read.findCategory('Partners');
    await doUpdateCategory(f.t.server.ctx, CLI, partners?.id ?? '', { chatHistory: false });
    assert.deepEqual(await find('dave', 'billing'), []);
    assert.deepEqual(await find('erin', 'billing'), ['L1']);
    await doUpdateCategory(f.t.server.ctx, CLI, partners?.id ?? '', { chatHistory: true });
    assert.deepEqual(await find('dave', 'billing'), ['P1']);
  });

  test('a search that returns messages is one BACKCHAT compliance event', async () => {
    const ctx = f.t.server.ctx;
    const backchats = async () =>
      (await ctx.store.read.listCompliance(0, 100_000)).filter((c) => c.kind === 'BACKCHAT');
    const before = (await backchats()).length;
    await run('bob', { q: 'nothing-matches-this' });
    assert.equal((await backchats()).length, before, 'no results, no event');
    await run('bob', { q: 'deplo*', authors: ['carol'] });
    const events = await backchats();
    assert.equal(events.length, before + 1);
    const event = events[events.length - 1];
    assert.ok(event?.details);
    assert.equal(event.userId, f.org.users.bob.id);
    assert.equal(event.roomId, f.rooms.engOpen);
    assert.equal(event.details.search, 'deplo*');
    assert.equal(event.details.count, 1);
    assert.deepEqual(event.details.rooms, [f.rooms.engOpen]);
    assert.deepEqual(event.details.messages, [{ room: f.rooms.engOpen, seq: f.messages.F2?.seq }]);
  });

  test('the index follows changes, removals and deleted rooms at once', async () => {
    const ctx = f.t.server.ctx;
    const alice = { kind: 'user', userId: f.org.users.alice.id } as const;
    const { message } = await doPostMessage(ctx, alice, f.rooms.engClosed, {
      text: 'zebracorn sighting 東京タワー',
    });
    assert.equal((await run('alice', { q: 'zebracorn' })).messages[0]?.id, message.id);
    // An administrator replaces the text: the old words are gone, the new ones found.
    await ctx.store.write((tx) => tx.replaceMessageText(f.rooms.engClosed, message.seq, 'unicornfish'));
    assert.deepEqual(await find('alice', 'zebracorn'), []);
    assert.deepEqual(await find('alice', '*ebracor*'), []);
    assert.deepEqual(await find('alice', 'タワ'), []);
    assert.equal((await run('alice', { q: '*cornfis*' })).messages[0]?.id, message.id);
    await ctx.store.write((tx) => tx.deleteMessages(f.rooms.engClosed, [message.seq]));
    assert.deepEqual(await find('alice', 'unicornfish'), []);
    // Deleting a room takes its messages out of both indexes (in the search file), by the next
    // query.
    const db = new BetterSqlite3(searchFileOf(join(f.t.dataDir, 'stoa.db')), { readonly: true });
    try {
      const grams = db.prepare(
        'SELECT count(*) AS n FROM search_grams WHERE search_grams MATCH \'body : "migration plan"\'',
      );
      const words = db.prepare(
        "SELECT count(*) AS n FROM search_words WHERE search_words MATCH 'body : migration'",
      );
      assert.deepEqual([grams.get(), words.get()], [{ n: 1 }, { n: 1 }]);
      await doDeleteRoom(ctx, CLI, f.rooms.engClosed);
      assert.deepEqual(await find('alice', 'migration'), []);
      assert.deepEqual([grams.get(), words.get()], [{ n: 0 }, { n: 0 }]);
    } finally {
      db.close();
    }
  });

  test('HTTP: GET /api/v1/search', async () => {
    const token = await login(f.t.url, 'alice');
    const q = (params: string) => api(f.t.url, 'GET', `/api/v1/search?${params}`, token);
    const r = await q(`q=${encodeURIComponent('東京')}`);
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.messages.map((m: { id: number }) => f.names.get(m.id)),
      ['J1'],
    );
    assert.equal(r.body.messages[0].text, '東京で会議があります。資料を確認してください');
    assert.equal(r.body.next, null);
    assert.deepEqual(r.body.rooms, [{ id: f.rooms.engOpen, name: 'eng-open' }]);
    const filtered = await q(
      `q=deplo*&room=${f.rooms.engOpen},${f.rooms.engStage}&author=carol,bob&since=${dayAt(2)}&until=${dayAt(9)}&limit=5`,
    );
    assert.deepEqual(
      filtered.body.messages.map((m: { id: number }) => f.names.get(m.id)),
      ['F2'],
    );
    const paged = await q('q=billing&limit=1');
    const next = await q(`q=billing&limit=1&before=${paged.body.next}`);
    assert.notEqual(next.body.messages[0].id, paged.body.messages[0].id);
    assert.equal((await q('q=*ab*')).body.error.code, 'validation_failed');
    assert.equal((await q('q=')).status, 400);
    assert.equal((await q('q=x&limit=0')).status, 400);
    assert.equal((await q(`q=x&room=${f.rooms.engSecret}`)).status, 200, 'alice is a member');
    assert.equal(
      (await api(f.t.url, 'GET', `/api/v1/search?q=x&room=${f.rooms.engSecret}`, await login(f.t.url, 'bob')))
        .status,
      404,
    );
    assert.equal((await api(f.t.url, 'GET', '/api/v1/search?q=billing')).status, 401);
    const openapi = await api(f.t.url, 'GET', '/api/v1/openapi.json');
    assert.ok(openapi.body.paths['/api/v1/search'], 'documented in OpenAPI');
  });

  test('WebSocket: the search frame answers like HTTP', async () => {
    const ws = await WsClient.connect(f.t.wsUrl, await login(f.t.url, 'erin'));
    try {
      const r = await ws.request({ type: 'search', q: '*illin*' });
      assert.equal(r.ok, true);
      assert.deepEqual(
        r.data.messages.map((m: { id: number }) => f.names.get(m.id)),
        ['P1', 'L1'],
      );
      assert.deepEqual(
        [...r.data.rooms].sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name)),
        [
          { id: f.rooms.legal, name: 'legal-room' },
          { id: f.rooms.partners, name: 'partners' },
        ],
      );
      assert.equal(r.data.next, null);
      const denied = await ws.request({ type: 'search', q: 'billing', room: f.rooms.engOpen });
      assert.equal(denied.ok, false);
      assert.equal(denied.error.code, 'not_found');
      const bad = await ws.request({ type: 'search', q: 'x', limit: 1000 });
      assert.equal(bad.error.code, 'validation_failed');
    } finally {
      await ws.close();
    }
  });
});
