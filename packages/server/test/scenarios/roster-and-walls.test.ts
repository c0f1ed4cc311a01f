/**
 * The participant roster with ParticipantUpdateLimit, and ethical walls seen from the API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { doCreateToken } from '../../src/actions/sessions.ts';
import { doCreateUser, doSetSetting } from '../../src/actions/directory.ts';
import { doUpdateCategory } from '../../src/actions/categories.ts';
import { CLI, buildOrg, type Org } from '../support/org.ts';
import { api, login, WsClient } from '../support/clients.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('roster and ethical walls', () => {
  let t: TestServer;
  let org: Org;
  const tokens: Record<string, string> = {};
  const clients: WsClient[] = [];

  before(async () => {
    t = await startTestServer();
    org = await buildOrg(t.server.ctx);
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin', 'root']) tokens[u] = await login(t.url, u);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await t.close();
  });

  test('roster updates stop above ParticipantUpdateLimit and resume below 80 %', async () => {
    await doSetSetting(t.server.ctx, CLI, 'ParticipantUpdateLimit', '5');
    const room = org.rooms.lounge.id;
    const watcher = await WsClient.connect(t.wsUrl, tokens.alice as string);
    clients.push(watcher);
    const first = await watcher.request({ type: 'join', room });
    assert.deepEqual(
      first.data.participants.map((p: any) => p.userId),
      [org.users.alice.id],
    );
    const guests: WsClient[] = [];
    for (let i = 0; i < 6; i++) {
      const user = await doCreateUser(t.server.ctx, CLI, {
        username: `guest${i}`,
        sipUri: `sip:guest${i}@example.com`,
      });
      const { token } = await doCreateToken(t.server.ctx, CLI, { userId: user.id, name: 'test' });
      const c = await WsClient.connect(t.wsUrl, token);
      clients.push(c);
      guests.push(c);
      const joined = await c.request({ type: 'join', room });
      // Participants 2..5 are within the limit; the 6th makes 7 > 5 and gets no roster.
      if (i < 4) assert.equal(joined.data.participants.length, i + 2);
      else assert.equal(joined.data.participants, null);
    }
    const joins = () =>
      watcher.events.filter((e) => e.type === 'participant' && e.action === 'joined').length;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(joins(), 4, 'no join notices once above the limit');
    // 7 participants → 4 is not yet below 80 % of 5; 3 is, and the full roster is pushed again.
    await guests[5]?.close();
    await guests[4]?.close();
    await guests[3]?.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(
      watcher.events.some((e) => e.type === 'roster'),
      false,
      '4 is not below 80 % of the limit',
    );
    await guests[2]?.close();
    const roster = await watcher.waitFor((e) => e.type === 'roster');
    assert.equal((roster as any).participants.length, 3);
  });

  test('a user denied by the category can neither find, see, nor read its rooms', async () => {
    const secretId = org.rooms.engSecret.id;
    const dir = await api(t.url, 'GET', '/api/v1/rooms', tokens.erin);
    assert.deepEqual(
      dir.body.rooms.map((r: any) => r.name),
      ['lounge'],
    );
    for (const room of Object.values(org.rooms).filter(
      (r) => r.categoryId === org.categories.engineering.id,
    )) {
      const r = await api(t.url, 'GET', `/api/v1/rooms/${room.id}`, tokens.erin);
      assert.equal(r.status, 404);
      const h = await api(t.url, 'GET', `/api/v1/rooms/${room.id}/messages`, tokens.erin);
      assert.equal(h.status, 404);
    }
    // A manager cannot add her either.
    const add = await api(t.url, 'PATCH', `/api/v1/rooms/${org.rooms.engClosed.id}`, tokens.alice, {
      members: { add: ['erin'] },
    });
    assert.equal(add.body.error.code, 'out_of_scope');
    // A secret room answers non-members exactly like a missing room.
    const secret = await api(t.url, 'GET', `/api/v1/rooms/${secretId}`, tokens.bob);
    const missing = await api(t.url, 'GET', '/api/v1/rooms/00000000-0000-0000-0000-000000000000', tokens.bob);
    assert.deepEqual([secret.status, secret.body], [missing.status, missing.body]);
    const bobDir = await api(t.url, 'GET', '/api/v1/rooms', tokens.bob);
    assert.equal(
      bobDir.body.rooms.some((r: any) => r.id === secretId),
      false,
    );
  });

  test('denying a member purges their roles and kicks them from the live room', async () => {
    const room = org.rooms.engClosed.id;
    const bob = await WsClient.connect(t.wsUrl, tokens.bob as string);
    clients.push(bob);
    assert.equal((await bob.request({ type: 'join', room })).ok, true);
    const { purged } = await doUpdateCategory(t.server.ctx, CLI, org.categories.engineering.id, {
      denied: { add: ['bob'] },
    });
    assert.ok(purged >= 1);
    await bob.waitFor((e) => e.type === 'kicked' && e.room === room);
    const view = await api(t.url, 'GET', `/api/v1/rooms/${room}`, tokens.alice);
    assert.equal(view.body.members.includes(`u:${org.users.bob.id}`), false);
    // Lifting the wall does not bring back purged roles.
    await doUpdateCategory(t.server.ctx, CLI, org.categories.engineering.id, { denied: { remove: ['bob'] } });
    assert.equal((await bob.request({ type: 'join', room })).error.code, 'forbidden');
  });
});
