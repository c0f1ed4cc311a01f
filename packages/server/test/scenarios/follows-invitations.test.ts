/**
 * Following with unread counts (spec §4.7) and invitations (spec §4.12) over real WebSockets and
 * HTTP against a real server: what a client gets at sign-in, live across two connections of the
 * same user, and after reconnecting; who is invited, and when not, also when the directory changes.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { ServerEvent } from '@stoa/protocol';
import { doCreateCategory, doUpdateCategory } from '../../src/actions/categories.ts';
import {
  doChangeGroupMembers,
  doDeleteGroup,
  doCreateGroup,
  doCreateUser,
  doUpdateUser,
} from '../../src/actions/directory.ts';
import { doRemoveMessages } from '../../src/actions/removal.ts';
import { doCreateRoom, doUpdateRoom } from '../../src/actions/rooms.ts';
import type { Category } from '../../src/domain/model.ts';
import { CLI } from '../support/org.ts';
import { api, login, WsClient } from '../support/clients.ts';
import { orgServer } from '../support/org-server.ts';

type Hello = Extract<ServerEvent, { type: 'hello' }>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('following and invitations', () => {
  const env = orgServer();
  const { tokens, connect } = env;
  /** Invitations on, same scope as Engineering: staff allowed, legal (erin) denied; alice creates. */
  let projects: Category;
  const hello = (c: WsClient) => c.events.find((e) => e.type === 'hello') as Hello;
  const invitedRooms = async (user: string): Promise<string[]> => {
    const r = await api(env.t.url, 'GET', '/api/v1/invitations', tokens[user]);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.invitations.map((i: any) => i.room);
  };
  /** Marks everything seen, so the next check starts from nothing new. */
  const seeAll = async (user: string) => {
    const r = await api(env.t.url, 'GET', '/api/v1/invitations', tokens[user]);
    const last = r.body.invitations.at(-1);
    if (last) await api(env.t.url, 'POST', '/api/v1/invitations/seen', tokens[user], { id: last.id });
  };
  const post = async (user: string, room: string, text: string) => {
    const r = await api(env.t.url, 'POST', `/api/v1/rooms/${room}/messages`, tokens[user], { text });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.message.seq as number;
  };

  before(async () => {
    projects = await doCreateCategory(env.t.server.ctx, CLI, {
      name: 'Projects',
      invitations: true,
      allowed: ['group:staff'],
      denied: ['group:legal'],
      creators: ['alice'],
    });
  });

  test('unread counts and invitations are correct after reconnect and across two connections of the same user', async () => {
    const bob1 = await connect('bob');
    const bob2 = await connect('bob');
    assert.deepEqual(hello(bob1).follows, []);
    assert.deepEqual(hello(bob1).invitations, { unseen: 0, lastSeen: 0 });

    // alice creates a closed room with bob as a member: both of bob's connections are invited.
    const created = await api(env.t.url, 'POST', '/api/v1/rooms', tokens.alice, {
      name: 'proj-alpha',
      category: 'Projects',
      members: ['alice', 'bob'],
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const room = created.body.id as string;
    const invited = (c: WsClient) => c.waitFor((e) => e.type === 'invitation' && e.invitation.room === room);
    const [inv1, inv2] = (await Promise.all([invited(bob1), invited(bob2)])) as any[];
    assert.deepEqual(inv1.invitation, inv2.invitation);
    assert.equal(inv1.invitation.name, 'proj-alpha');
    // The creator is not invited to her own room; non-members are not invited at all.
    assert.deepEqual(await invitedRooms('alice'), []);
    assert.deepEqual(await invitedRooms('carol'), []);

    // Following on one connection shows on the other.
    const followed = await bob1.request({ type: 'follow', room });
    assert.equal(followed.ok, true, JSON.stringify(followed));
    assert.equal(followed.data.room.id, room);
    assert.equal(followed.data.lastReadSeq, 0);
    assert.equal(followed.data.unread, 0);
    const echoed: any = await bob2.waitFor((e) => e.type === 'followed' && e.follow.room.id === room);
    assert.deepEqual(echoed.follow, followed.data);

    // Messages reach the followers that have not joined as light activity events.
    for (let i = 1; i <= 5; i++) assert.equal(await post('alice', room, `m${i}`), i);
    for (const c of [bob1, bob2])
      await c.waitFor((e) => e.type === 'activity' && e.room === room && e.seq === 5);
    assert.deepEqual(
      bob2.events.filter((e) => e.type === 'activity' && e.room === room).map((e: any) => e.seq),
      [1, 2, 3, 4, 5],
    );

    // Marking read on one connection moves the position on the other.
    const read = await bob1.request({ type: 'read', room, seq: 3 });
    assert.deepEqual(read.data, { room, lastReadSeq: 3, unread: 2 });
    const moved: any = await bob2.waitFor((e) => e.type === 'read' && e.room === room);
    assert.deepEqual(moved, { type: 'read', room, lastReadSeq: 3, unread: 2 });
    // Never backwards, and no event when nothing moved.
    const back = await bob2.request({ type: 'read', room, seq: 1 });
    assert.deepEqual(back.data, { room, lastReadSeq: 3, unread: 2 });
    await bob1.request({ type: 'ping' });
    assert.equal(bob1.events.filter((e) => e.type === 'read').length, 1);

    // Both connections go; two more messages arrive; bob signs in again.
    await bob1.close();
    await bob2.close();
    await post('alice', room, 'm6');
    await post('alice', room, 'm7');
    const bob3 = await connect('bob');
    const bob4 = await connect('bob');
    for (const c of [bob3, bob4]) {
      const h = hello(c);
      assert.equal(h.follows.length, 1);
      const [follow] = h.follows;
      assert.ok(follow);
      assert.equal(follow.room.id, room);
      assert.equal(follow.room.name, 'proj-alpha');
      assert.equal(follow.lastReadSeq, 3);
      assert.equal(follow.unread, 4);
      assert.deepEqual(h.invitations, { unseen: 1, lastSeen: 0 });
    }
    const listed = await bob3.request({ type: 'invitations' });
    assert.deepEqual(listed.data, { invitations: [inv1.invitation], lastSeen: 0 });
    const follows = await api(env.t.url, 'GET', '/api/v1/follows', tokens.bob);
    assert.deepEqual(follows.body.follows, hello(bob3).follows);

    // Seeing the invitation on one connection tells the other; the next sign-in has nothing new.
    const seen = await bob3.request({ type: 'seen', invitation: inv1.invitation.id });
    assert.deepEqual(seen.data, { lastSeen: inv1.invitation.id });
    await bob4.waitFor((e) => e.type === 'seen' && e.lastSeen === inv1.invitation.id);
    // Reading past the end clamps to the last message.
    const all = await api(env.t.url, 'POST', `/api/v1/follows/${room}/read`, tokens.bob, { seq: 999 });
    assert.deepEqual(all.body, { room, lastReadSeq: 7, unread: 0 });
    await bob3.waitFor((e) => e.type === 'read' && e.room === room && e.lastReadSeq === 7);
    await bob4.waitFor((e) => e.type === 'read' && e.room === room && e.lastReadSeq === 7);

    const bob5 = await connect('bob');
    assert.deepEqual(hello(bob5).invitations, { unseen: 0, lastSeen: inv1.invitation.id });
    assert.equal(hello(bob5).follows[0]?.unread, 0);
    assert.deepEqual((await bob5.request({ type: 'invitations' })).data.invitations, []);
    // The cursor cannot be pushed past the newest invitation (that would hide future ones).
    const future = await api(env.t.url, 'POST', '/api/v1/invitations/seen', tokens.bob, { id: 1_000_000 });
    assert.deepEqual(future.body, { lastSeen: inv1.invitation.id });

    // Unfollowing on one connection shows on every other; activity stops.
    const gone = await api(env.t.url, 'DELETE', `/api/v1/follows/${room}`, tokens.bob);
    assert.equal(gone.status, 200);
    for (const c of [bob3, bob4, bob5]) await c.waitFor((e) => e.type === 'unfollowed' && e.room === room);
    await post('alice', room, 'm8');
    await sleep(50);
    await bob5.request({ type: 'ping' });
    assert.equal(
      [bob3, bob4, bob5].some((c) => c.events.some((e) => e.type === 'activity' && e.seq === 8)),
      false,
    );
    assert.equal((await api(env.t.url, 'DELETE', `/api/v1/follows/${room}`, tokens.bob)).status, 404);
  });

  test('a joined connection gets the messages, the user’s other connections the activity', async () => {
    const room = env.org.rooms.engOpen.id;
    const joined = await connect('carol');
    const elsewhere = await connect('carol');
    assert.equal((await api(env.t.url, 'PUT', `/api/v1/follows/${room}`, tokens.carol)).status, 200);
    await elsewhere.waitFor((e) => e.type === 'followed');
    assert.equal((await joined.request({ type: 'join', room })).ok, true);
    const seq = await post('alice', room, 'only one of them needs the text');
    await joined.waitFor((e) => e.type === 'message' && e.room === room && e.message.seq === seq);
    await elsewhere.waitFor((e) => e.type === 'activity' && e.room === room && e.seq === seq);
    await sleep(50);
    assert.equal(
      joined.events.some((e) => e.type === 'activity'),
      false,
    );
    // Following twice is harmless and keeps the position.
    const again = await elsewhere.request({ type: 'follow', room });
    assert.equal(again.data.lastReadSeq, seq - 1);
    assert.equal(again.data.unread, 1);
  });

  test('following needs read rights; a room read no longer drops out of the list and comes back', async () => {
    const carol = await connect('carol');
    for (const room of [env.org.rooms.engClosed.id, env.org.rooms.engSecret.id, 'no-such-room']) {
      const r = await carol.request({ type: 'follow', room });
      assert.equal(r.error?.code, 'not_found', room);
    }
    const dave = await connect('dave');
    assert.equal(
      (await dave.request({ type: 'follow', room: env.org.rooms.engOpen.id })).error.code,
      'not_found',
    );
    // Marking read needs a follow.
    assert.equal(
      (
        await api(env.t.url, 'POST', `/api/v1/follows/${env.org.rooms.engStage.id}/read`, tokens.bob, {
          seq: 1,
        })
      ).status,
      409,
    );
    assert.equal(
      (await api(env.t.url, 'GET', `/api/v1/follows/${env.org.rooms.engStage.id}`, tokens.bob)).status,
      404,
    );

    // bob follows the closed room, then loses his membership.
    const room = env.org.rooms.engClosed.id;
    const bob = await connect('bob');
    assert.equal((await bob.request({ type: 'follow', room })).ok, true);
    await api(env.t.url, 'PATCH', `/api/v1/rooms/${room}`, tokens.alice, { members: { remove: ['bob'] } });
    const seq = await post('alice', room, 'not for bob');
    await sleep(50);
    await bob.request({ type: 'ping' });
    assert.equal(
      bob.events.some((e) => e.type === 'activity' && e.room === room),
      false,
    );
    const hidden = await api(env.t.url, 'GET', '/api/v1/follows', tokens.bob);
    assert.equal(
      hidden.body.follows.some((f: any) => f.room.id === room),
      false,
    );
    assert.equal((await bob.request({ type: 'read', room, seq })).error.code, 'not_found');
    // Membership back: the follow returns with its position, and activity resumes.
    await api(env.t.url, 'PATCH', `/api/v1/rooms/${room}`, tokens.alice, { members: { add: ['bob'] } });
    const back = await api(env.t.url, 'GET', `/api/v1/follows/${room}`, tokens.bob);
    assert.equal(back.status, 200);
    assert.equal(back.body.unread, 1);
    const next = await post('alice', room, 'for bob again');
    await bob.waitFor((e) => e.type === 'activity' && e.room === room && e.seq === next);
  });

  test('a category without history has nothing to count and sends no activity', async () => {
    const room = env.org.rooms.lounge.id;
    const dave = await connect('dave');
    assert.equal((await dave.request({ type: 'follow', room })).ok, true);
    await post('alice', room, 'live only');
    await sleep(50);
    await dave.request({ type: 'ping' });
    assert.equal(
      dave.events.some((e) => e.type === 'activity'),
      false,
    );
    assert.equal((await dave.request({ type: 'follows' })).data.follows[0].unread, 0);
  });

  test('who is invited: newly granted access only, and only where invitations are in effect', async () => {
    const ctx = env.t.server.ctx;
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin', 'root']) await seeAll(u);

    // Engineering has invitations off: adding a member invites nobody.
    await doUpdateRoom(ctx, CLI, env.org.rooms.engClosed.id, { members: { add: ['carol'] } });
    assert.deepEqual(await invitedRooms('carol'), []);

    // A room that turned its invitations off sends none; turning them on is not retroactive.
    const quiet = await doCreateRoom(ctx, CLI, {
      name: 'proj-quiet',
      category: 'Projects',
      invitations: 'false',
      members: ['alice'],
    });
    await doUpdateRoom(ctx, CLI, quiet.id, { members: { add: ['bob'] } });
    assert.deepEqual(await invitedRooms('bob'), []);
    await doUpdateRoom(ctx, CLI, quiet.id, { invitations: 'inherit' });
    assert.deepEqual(await invitedRooms('bob'), []);
    assert.deepEqual(await invitedRooms('alice'), []);
    // Once they are in effect, a new member is invited; existing members are not again.
    await doUpdateRoom(ctx, CLI, quiet.id, { members: { add: ['carol'] } });
    assert.deepEqual(await invitedRooms('carol'), [quiet.id]);
    assert.deepEqual(await invitedRooms('bob'), []);

    // A group expands to its users; the ethical wall still applies (erin is denied); managers and
    // presenters alone grant nothing.
    const grouped = await doCreateRoom(ctx, CLI, {
      name: 'proj-grouped',
      category: 'Projects',
      members: ['alice'],
    });
    assert.deepEqual(await invitedRooms('alice'), [grouped.id], 'created by the command line');
    await seeAll('alice');
    await doUpdateRoom(ctx, CLI, grouped.id, { managers: { add: ['carol'] } });
    assert.deepEqual(await invitedRooms('carol'), [quiet.id]);
    await doUpdateRoom(ctx, CLI, grouped.id, { members: { add: ['group:staff'] } });
    assert.deepEqual(await invitedRooms('bob'), [grouped.id]);
    assert.deepEqual(await invitedRooms('carol'), [quiet.id, grouped.id]);
    assert.deepEqual(await invitedRooms('alice'), []);
    assert.deepEqual(await invitedRooms('erin'), []);
    for (const u of ['bob', 'carol']) await seeAll(u);

    // An open room invites everyone in scope, administrators included; not the wall, not outsiders.
    const root = await connect('root');
    const open = await doCreateRoom(ctx, CLI, { name: 'proj-open', category: 'Projects', privacy: 'open' });
    for (const u of ['alice', 'bob', 'carol', 'root']) assert.deepEqual(await invitedRooms(u), [open.id], u);
    for (const u of ['dave', 'erin']) assert.deepEqual(await invitedRooms(u), [], u);
    await root.waitFor((e) => e.type === 'invitation' && e.invitation.room === open.id);
    for (const u of ['alice', 'bob', 'carol', 'root']) await seeAll(u);

    // Closed → open: those in scope who were not members are invited.
    await doUpdateRoom(ctx, CLI, grouped.id, { members: { set: ['alice'] } });
    await doUpdateRoom(ctx, CLI, grouped.id, { privacy: 'open' });
    assert.deepEqual(await invitedRooms('bob'), [grouped.id]);
    assert.deepEqual(await invitedRooms('root'), [grouped.id]);
    assert.deepEqual(await invitedRooms('alice'), []);
    for (const u of ['bob', 'carol', 'root']) await seeAll(u);

    // Scope widened: dave's domain is allowed now, erin no longer denied. They are invited to the
    // open rooms of the category (whose invitations are in effect), not to closed ones.
    await doUpdateCategory(ctx, CLI, projects.id, {
      allowed: { add: ['domain:partner.org'] },
      denied: { remove: ['group:legal'] },
    });
    for (const u of ['dave', 'erin']) {
      assert.deepEqual((await invitedRooms(u)).sort(), [open.id, grouped.id].sort(), u);
    }
    assert.deepEqual(await invitedRooms('bob'), []);
    // Narrowing invites nobody.
    for (const u of ['dave', 'erin']) await seeAll(u);
    await doUpdateCategory(ctx, CLI, projects.id, { denied: { add: ['group:legal'] } });
    assert.deepEqual(await invitedRooms('erin'), []);

    // Moving an open room in from a category that did not let dave in: dave is invited.
    const moving = await doCreateRoom(ctx, CLI, {
      name: 'eng-moving',
      category: 'Engineering',
      privacy: 'open',
    });
    assert.deepEqual(await invitedRooms('dave'), []);
    await doUpdateRoom(ctx, CLI, moving.id, { category: 'Projects' });
    assert.deepEqual(await invitedRooms('dave'), [moving.id]);
    assert.deepEqual(await invitedRooms('bob'), []);

    // Invitations to rooms one can no longer join are not listed (a secret room stays secret).
    await doUpdateRoom(ctx, CLI, moving.id, { disabled: true });
    assert.deepEqual(await invitedRooms('dave'), []);
    await doUpdateRoom(ctx, CLI, moving.id, { disabled: false });
    assert.deepEqual(await invitedRooms('dave'), [moving.id]);
  });
  test('after time offline, the next sign-in counts exactly on every connection: new invitations, new and removed messages', async () => {
    await seeAll('carol');
    const c1 = await connect('carol');
    const c2 = await connect('carol');
    const first = await doCreateRoom(env.t.server.ctx, CLI, {
      name: 'proj-offline',
      category: 'Projects',
      members: ['alice', 'carol'],
    });
    for (const c of [c1, c2])
      await c.waitFor((e) => e.type === 'invitation' && e.invitation.room === first.id);
    assert.equal((await c1.request({ type: 'follow', room: first.id })).ok, true);
    await c2.waitFor((e) => e.type === 'followed' && e.follow.room.id === first.id);
    await c1.close();
    await c2.close();

    // While carol has no connection: four messages, one of them removed, and a second invitation.
    for (const text of ['offline one', 'offline two', 'offline three', 'offline four'])
      await post('alice', first.id, text);
    const removed = await doRemoveMessages(
      env.t.server.ctx,
      CLI,
      first.id,
      { keywords: 'offline two', match: 'exact' },
      { kind: 'remove' },
    );
    assert.deepEqual(removed.removed, [2]);
    const second = await doCreateRoom(env.t.server.ctx, CLI, {
      name: 'proj-offline-2',
      category: 'Projects',
      members: ['carol'],
    });

    const c3 = await connect('carol');
    const c4 = await connect('carol');
    for (const c of [c3, c4]) {
      const h = hello(c);
      const follow = h.follows.find((f) => f.room.id === first.id);
      assert.ok(follow);
      assert.equal(follow.lastReadSeq, 0);
      assert.equal(follow.unread, 3, 'the removed message is not counted');
      assert.equal(h.invitations.unseen, 2);
    }
    const listed = await c4.request({ type: 'invitations' });
    assert.deepEqual(
      listed.data.invitations.map((i: any) => i.room),
      [first.id, second.id],
    );
    // Reading on one connection moves the other; the count skips the removed message.
    const read = await c3.request({ type: 'read', room: first.id, seq: 1 });
    assert.deepEqual(read.data, { room: first.id, lastReadSeq: 1, unread: 2 });
    await c4.waitFor((e) => e.type === 'read' && e.room === first.id && e.unread === 2);
    const last = listed.data.invitations.at(-1).id as number;
    await c4.request({ type: 'seen', invitation: last });
    await c3.waitFor((e) => e.type === 'seen' && e.lastSeen === last);
    const c5 = await connect('carol');
    assert.equal(hello(c5).invitations.unseen, 0);
    assert.equal(hello(c5).follows.find((f) => f.room.id === first.id)?.unread, 2);
  });

  test('directory changes invite those they newly give access: new users, group members, new administrators', async () => {
    const ctx = env.t.server.ctx;
    for (const u of ['carol', 'dave']) await seeAll(u);
    const crew = await doCreateGroup(ctx, CLI, { name: 'crew' });
    const banned = await doCreateGroup(ctx, CLI, { name: 'banned' });
    await doCreateCategory(ctx, CLI, {
      name: 'Partners',
      invitations: true,
      allowed: ['domain:newco.example', 'group:crew'],
      denied: ['group:banned'],
    });
    const open = await doCreateRoom(ctx, CLI, {
      name: 'partners-open',
      category: 'Partners',
      privacy: 'open',
    });
    const closed = await doCreateRoom(ctx, CLI, {
      name: 'partners-closed',
      category: 'Partners',
      members: ['group:crew'],
    });

    // A new user of an allowed domain: invited to the open room, not to the closed one.
    await doCreateUser(ctx, CLI, {
      username: 'nina',
      sipUri: 'sip:nina@newco.example',
      password: 'password-nina',
    });
    tokens.nina = await login(env.t.url, 'nina');
    assert.deepEqual(await invitedRooms('nina'), [open.id]);
    await seeAll('nina');

    // carol joins the crew: now in scope and a member, so invited to both, live too.
    const carol = await connect('carol');
    const live = carol.waitFor((e) => e.type === 'invitation' && e.invitation.room === closed.id);
    await doChangeGroupMembers(ctx, CLI, crew.id, { add: ['carol'] });
    await live;
    assert.deepEqual((await invitedRooms('carol')).sort(), [open.id, closed.id].sort());
    // bob, not in the crew, gets nothing.
    assert.deepEqual(await invitedRooms('bob'), []);

    // Behind the wall and out again: leaving a denied group opens the room anew.
    await doChangeGroupMembers(ctx, CLI, banned.id, { add: ['nina'] });
    assert.deepEqual(await invitedRooms('nina'), []);
    await doChangeGroupMembers(ctx, CLI, banned.id, { remove: ['nina'] });
    assert.deepEqual(await invitedRooms('nina'), [open.id]);
    // Walled out again, then the wall itself is deleted: the room opens anew for her; carol,
    // who was never behind it, gets nothing new.
    // (Seen while visible: the listing hides invitations to rooms she cannot reach.)
    await seeAll('nina');
    await seeAll('carol');
    await doChangeGroupMembers(ctx, CLI, banned.id, { add: ['nina'] });
    assert.deepEqual(await invitedRooms('nina'), []);
    await doDeleteGroup(ctx, CLI, banned.id);
    assert.deepEqual(await invitedRooms('nina'), [open.id]);
    assert.deepEqual(await invitedRooms('carol'), []);

    // dave made an administrator: in every scope, so invited to the open room only.
    await doUpdateUser(ctx, CLI, env.org.users.dave.id, { isAdmin: true });
    assert.deepEqual(await invitedRooms('dave'), [open.id]);
    // A change that gives nothing new (display name) invites nobody.
    await seeAll('dave');
    await doUpdateUser(ctx, CLI, env.org.users.dave.id, { displayName: 'David' });
    assert.deepEqual(await invitedRooms('dave'), []);
  });
});
