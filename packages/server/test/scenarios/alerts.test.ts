/**
 * Topic feeds and keyword alerts (spec §4.9; docs/decisions/0007) against a real server over real
 * WebSockets and HTTP: who is alerted (only readers of the room, never the author), what matches
 * (words, phrases, accents, CJK, authors, mentions, rooms), the live push to every connection of
 * the user, the feed with paging and seen marking, removed messages, limits, and a restart.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServerEvent, WireAlert } from '@stoa/protocol';
import { doRemoveMessages } from '../../src/actions/removal.ts';
import { doUpdateRoom } from '../../src/actions/rooms.ts';
import { CLI } from '../support/org.ts';
import { api, WsClient } from '../support/clients.ts';
import { orgServer } from '../support/org-server.ts';

type Alert = Extract<ServerEvent, { type: 'alert' }>;

describe('topic feeds and keyword alerts', () => {
  const env = orgServer();
  const { tokens, connect } = env;
  const post = async (user: string, room: string, text: string, extra: object = {}) => {
    const r = await api(env.t.url, 'POST', `/api/v1/rooms/${room}/messages`, tokens[user], {
      text,
      ...extra,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.message.seq as number;
  };
  const saveFilter = async (user: string, body: object) => {
    const r = await api(env.t.url, 'POST', '/api/v1/filters', tokens[user], body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.id as string;
  };
  const alerts = (c: WsClient): WireAlert[] =>
    c.events.filter((e): e is Alert => e.type === 'alert').map((e) => e.alert);
  /** Waits for the alert about this message text (the engine evaluates messages in order). */
  const alerted = async (c: WsClient, text: string) => {
    try {
      return ((await c.waitFor((e) => e.type === 'alert' && e.alert.message.text === text)) as Alert).alert;
    } catch {
      throw new Error(`no alert for ${JSON.stringify(text)}; got ${JSON.stringify(texts(c))}`);
    }
  };
  const texts = (c: WsClient) => alerts(c).map((a) => a.message.text);

  test('a keyword alert fires in every room the user may read, on every connection, and never elsewhere', async () => {
    const { engOpen, engClosed, engSecret, lounge } = env.org.rooms;
    const bob1 = await connect('bob');
    const bob2 = await connect('bob');
    const filter = await saveFilter('bob', { name: 'deploys', keywords: ['deploy'] });
    // The new filter shows on the user's other connection (filters roam).
    const echoed: any = await bob2.waitFor((e) => e.type === 'filter' && e.filter.id === filter);
    assert.deepEqual(echoed.filter.keywords, ['deploy']);
    // erin is behind the ethical wall of Engineering; carol is no member of the closed and secret rooms.
    const erin = await connect('erin');
    await saveFilter('erin', { name: 'deploys', keywords: ['deploy'] });
    const carol = await connect('carol');
    await saveFilter('carol', { name: 'deploys', keywords: ['deploy'] });

    const seq = await post('alice', engOpen.id, 'Deploy finished, all green');
    for (const c of [bob1, bob2, carol]) {
      const a = await alerted(c, 'Deploy finished, all green');
      assert.equal(a.room.id, engOpen.id);
      assert.equal(a.room.name, 'eng-open');
      assert.equal(a.message.seq, seq);
      assert.equal(a.message.author, env.org.users.alice.id);
      assert.equal(typeof a.id, 'number');
    }
    assert.deepEqual(alerts(bob1)[0]?.filters, [{ id: filter, name: 'deploys' }]);

    await post('alice', engSecret.id, 'secret deploy plan');
    await post('alice', engClosed.id, 'closed deploy plan');
    // A category without history: alerted live, nothing kept (id null).
    await post('alice', lounge.id, 'lounge deploy party');
    const live = await alerted(bob1, 'lounge deploy party');
    assert.equal(live.id, null);
    await alerted(carol, 'lounge deploy party');
    await alerted(erin, 'lounge deploy party');
    // The author is never alerted about their own message.
    await post('bob', engOpen.id, 'my own deploy');
    await post('alice', engOpen.id, 'sentinel deploy');
    for (const c of [bob1, bob2, carol]) await alerted(c, 'sentinel deploy');
    await erin.request({ type: 'ping' }); // anything pushed to erin before the sentinel has arrived

    assert.deepEqual(texts(bob1), [
      'Deploy finished, all green',
      'closed deploy plan',
      'lounge deploy party',
      'sentinel deploy',
    ]);
    assert.deepEqual(texts(bob2), texts(bob1));
    assert.deepEqual(texts(carol), [
      'Deploy finished, all green',
      'lounge deploy party',
      'my own deploy', // bob's, so carol hears of it
      'sentinel deploy',
    ]);
    assert.deepEqual(texts(erin), ['lounge deploy party']);

    // The feed keeps what was kept, newest first; the history-less room is not in it.
    const feed = await api(env.t.url, 'GET', '/api/v1/alerts', tokens.bob);
    assert.equal(feed.status, 200, JSON.stringify(feed.body));
    assert.deepEqual(
      feed.body.alerts.map((a: WireAlert) => a.message.text),
      ['sentinel deploy', 'closed deploy plan', 'Deploy finished, all green'],
    );
    assert.equal(feed.body.next, null);
    assert.deepEqual((await api(env.t.url, 'GET', '/api/v1/alerts', tokens.erin)).body.alerts, []);

    // Losing access hides the room's past matches; a disabled room too; both come back.
    await doUpdateRoom(env.t.server.ctx, CLI, engClosed.id, { members: { remove: ['bob'] } });
    const hidden = await api(env.t.url, 'GET', `/api/v1/filters/${filter}/alerts`, tokens.bob);
    assert.deepEqual(
      hidden.body.alerts.map((a: WireAlert) => a.message.text),
      ['sentinel deploy', 'Deploy finished, all green'],
    );
    await doUpdateRoom(env.t.server.ctx, CLI, engClosed.id, { members: { add: ['bob'] } });
    await doUpdateRoom(env.t.server.ctx, CLI, engOpen.id, { disabled: true });
    const disabled = await api(env.t.url, 'GET', '/api/v1/alerts', tokens.bob);
    assert.deepEqual(
      disabled.body.alerts.map((a: WireAlert) => a.message.text),
      ['closed deploy plan'],
    );
    await doUpdateRoom(env.t.server.ctx, CLI, engOpen.id, { disabled: false });
    assert.equal((await api(env.t.url, 'GET', '/api/v1/alerts', tokens.bob)).body.alerts.length, 3);
  });

  test('authors, mentions of me, phrases, accents, CJK and room limits', async () => {
    const { engOpen, lounge } = env.org.rooms;
    const dave = await connect('dave'); // only the Lounge is open to dave
    await saveFilter('dave', { name: 'from alice', authors: ['alice'] });
    await saveFilter('dave', { name: 'me', mentions: true });
    const carol = await connect('carol');
    const phrase = await saveFilter('carol', {
      name: 'trains',
      keywords: ['release train', 'café', '会議'],
    });
    const lunch = await saveFilter('carol', { name: 'lunch here', keywords: ['lunch'], rooms: [engOpen.id] });

    await post('alice', lounge.id, 'hello lounge'); // author filter
    await post('bob', lounge.id, 'ask @dave about it'); // mention by @username
    await post('bob', lounge.id, 'Dave, lunch?'); // mention by display name, any case
    await post('bob', lounge.id, 'davey is someone else'); // not a word match
    await post('bob', lounge.id, 'dave sentinel');
    await alerted(dave, 'dave sentinel');
    assert.deepEqual(texts(dave), ['hello lounge', 'ask @dave about it', 'Dave, lunch?', 'dave sentinel']);
    assert.deepEqual(
      alerts(dave).map((a) => a.filters.map((f) => f.name)),
      [['from alice'], ['me'], ['me'], ['me']],
    );

    await post('bob', engOpen.id, 'the RELEASE   train leaves at noon');
    await post('bob', engOpen.id, 'train release is not the phrase');
    await post('bob', engOpen.id, 'Meet at the CAFÉ');
    await post('bob', engOpen.id, '明日の会議は10時です');
    await post('bob', engOpen.id, 'lunch in eng-open?');
    await post('bob', lounge.id, 'lunch in the lounge?'); // outside the filter's rooms
    await post('carol', engOpen.id, 'release train by carol'); // her own
    await post('bob', engOpen.id, 'release train sentinel');
    await alerted(carol, 'release train sentinel');
    assert.deepEqual(texts(carol), [
      'the RELEASE   train leaves at noon',
      'Meet at the CAFÉ',
      '明日の会議は10時です',
      'lunch in eng-open?',
      'release train sentinel',
    ]);
    assert.equal(alerts(carol)[3]?.filters[0]?.id, lunch);
    // A message matching two filters of one user is one alert naming both.
    await post('bob', engOpen.id, 'release train and lunch');
    const both = await alerted(carol, 'release train and lunch');
    assert.deepEqual(both.filters.map((f) => f.id).sort(), [phrase, lunch].sort());
    const feed = await api(env.t.url, 'GET', '/api/v1/alerts?limit=1', tokens.carol);
    assert.equal(feed.body.alerts[0].message.text, 'release train and lunch');
    assert.equal(feed.body.alerts[0].filters.length, 2);
    const one = await api(env.t.url, 'GET', `/api/v1/filters/${lunch}/alerts`, tokens.carol);
    assert.deepEqual(
      one.body.alerts.map((a: WireAlert) => a.message.text),
      ['release train and lunch', 'lunch in eng-open?'],
    );

    // notify off: kept in the feed, not pushed.
    const quiet = await saveFilter('carol', { name: 'quiet', keywords: ['whisper'], notify: false });
    await post('bob', engOpen.id, 'a whisper');
    await post('bob', engOpen.id, 'lunch whisper sentinel');
    const s = await alerted(carol, 'lunch whisper sentinel');
    assert.deepEqual(
      s.filters.map((f) => f.name),
      ['lunch here'],
    );
    assert.equal(texts(carol).includes('a whisper'), false);
    const quietFeed = await api(env.t.url, 'GET', `/api/v1/filters/${quiet}/alerts`, tokens.carol);
    assert.deepEqual(
      quietFeed.body.alerts.map((a: WireAlert) => a.message.text),
      ['lunch whisper sentinel', 'a whisper'],
    );
  });

  test('the feed pages newest first, marks seen across connections, and hides removed messages', async () => {
    const room = env.org.rooms.engOpen.id;
    const filter = await saveFilter('root', { name: 'paging', keywords: ['page'] });
    const root1 = await connect('root');
    for (let i = 1; i <= 7; i++) await post('alice', room, `page ${i}`);
    await alerted(root1, 'page 7');
    const seen: string[] = [];
    let before: number | null | undefined;
    const ids: number[] = [];
    do {
      const q = before === undefined ? '' : `&before=${before}`;
      const r = await api(env.t.url, 'GET', `/api/v1/filters/${filter}/alerts?limit=3${q}`, tokens.root);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      seen.push(...r.body.alerts.map((a: WireAlert) => a.message.text));
      ids.push(...r.body.alerts.map((a: WireAlert) => a.id));
      before = r.body.next;
    } while (before !== null);
    assert.deepEqual(seen, ['page 7', 'page 6', 'page 5', 'page 4', 'page 3', 'page 2', 'page 1']);

    // Unseen at sign-in; marking seen on one connection tells the others; forwards only.
    const root2 = await connect('root');
    const hello: any = root2.events.find((e) => e.type === 'hello');
    assert.deepEqual(hello.alerts, { unseen: 7, lastSeen: 0 });
    const marked = await root2.request({ type: 'alertsSeen', alert: ids[2] });
    assert.deepEqual(marked.data, { lastSeen: ids[2] });
    await root1.waitFor((e) => e.type === 'alertsSeen' && e.lastSeen === ids[2]);
    const back = await api(env.t.url, 'POST', '/api/v1/alerts/seen', tokens.root, { id: 1 });
    assert.deepEqual(back.body, { lastSeen: ids[2] });
    const future = await api(env.t.url, 'POST', '/api/v1/alerts/seen', tokens.root, { id: 1e9 });
    assert.deepEqual(future.body, { lastSeen: ids[0] });
    const root3 = await connect('root');
    assert.deepEqual((root3.events.find((e) => e.type === 'hello') as any).alerts, {
      unseen: 0,
      lastSeen: ids[0],
    });

    // A removed message leaves the feed; a replaced one shows the replacement, not the original.
    await doRemoveMessages(
      env.t.server.ctx,
      CLI,
      room,
      { keywords: 'page 7', match: 'exact' },
      { kind: 'remove' },
    );
    await doRemoveMessages(
      env.t.server.ctx,
      CLI,
      room,
      { keywords: 'page 6', match: 'exact' },
      { kind: 'replace', text: 'withdrawn' },
    );
    const after = await root3.request({ type: 'alerts', filter, limit: 2 });
    assert.deepEqual(
      after.data.alerts.map((a: WireAlert) => a.message.text),
      ['withdrawn', 'page 5'],
    );
  });

  test('limits and validation have stable codes; filters are private', async () => {
    const code = async (body: object, user = 'bob') =>
      (await api(env.t.url, 'POST', '/api/v1/filters', tokens[user], body)).body.error?.code;
    assert.equal(await code({ name: 'nothing' }), 'validation_failed');
    assert.equal(await code({ name: 'x', keywords: ['?!'] }), 'validation_failed');
    assert.equal(
      await code({ name: 'x', keywords: Array.from({ length: 51 }, (_, i) => `k${i}`) }),
      'validation_failed',
    );
    assert.equal(await code({ name: 'x', keywords: ['k'.repeat(101)] }), 'validation_failed');
    assert.equal(await code({ name: 'x', authors: ['nobody-here'] }), 'not_found');
    // A room one may not read looks missing.
    assert.equal(await code({ name: 'x', rooms: [env.org.rooms.engSecret.id] }, 'carol'), 'not_found');
    // 100 filters per user.
    const have = (await api(env.t.url, 'GET', '/api/v1/filters', tokens.dave)).body.filters.length;
    for (let i = have; i < 100; i++) await saveFilter('dave', { name: `f${i}`, keywords: [`word${i}`] });
    const over = await api(env.t.url, 'POST', '/api/v1/filters', tokens.dave, {
      name: 'one more',
      keywords: ['x'],
    });
    assert.equal(over.status, 422);
    assert.equal(over.body.error.code, 'limit_exceeded');
    // Someone else's filter does not exist for you.
    const mine = (await api(env.t.url, 'GET', '/api/v1/filters', tokens.bob)).body.filters[0].id;
    assert.equal((await api(env.t.url, 'GET', `/api/v1/filters/${mine}`, tokens.carol)).status, 404);
    assert.equal((await api(env.t.url, 'DELETE', `/api/v1/filters/${mine}`, tokens.carol)).status, 404);
    assert.equal((await api(env.t.url, 'GET', `/api/v1/filters/${mine}/alerts`, tokens.carol)).status, 404);
    // Replacing and deleting, over WebSocket.
    const bob = await connect('bob');
    const replaced = await bob.request({
      type: 'saveFilter',
      filter: mine,
      name: 'renamed',
      keywords: ['ship'],
    });
    assert.equal(replaced.ok, true, JSON.stringify(replaced));
    assert.equal(replaced.data.name, 'renamed');
    await post('alice', env.org.rooms.engOpen.id, 'deploy no more');
    await post('alice', env.org.rooms.engOpen.id, 'ship it');
    const a = await alerted(bob, 'ship it');
    assert.equal(a.filters[0]?.name, 'renamed');
    assert.equal(texts(bob).includes('deploy no more'), false);
    assert.equal((await bob.request({ type: 'deleteFilter', filter: mine })).ok, true);
    assert.equal((await bob.request({ type: 'filters' })).data.filters.length, 0);
  });

  test('filters survive a restart', async () => {
    const filter = await saveFilter('alice', { name: 'after restart', keywords: ['phoenix'] });
    await env.restart();
    const alice = await connect('alice');
    await post('bob', env.org.rooms.engOpen.id, 'the phoenix rises');
    const a = await alerted(alice, 'the phoenix rises');
    assert.deepEqual(a.filters, [{ id: filter, name: 'after restart' }]);
    const listed = await api(env.t.url, 'GET', '/api/v1/filters', tokens.alice);
    assert.deepEqual(
      listed.body.filters.map((f: any) => f.name),
      ['after restart'],
    );
  });
});
