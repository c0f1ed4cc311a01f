/**
 * The `stoa` command line against a running server (remote mode: --url and --token, actor
 * `user:<id>` of the token's administrator): every command of `stoa --help` runs as the real
 * binary against the real server (`bin/stoa-server.js`) through POST /api/v1/admin/commands/<name>.
 * Effects are read back through the server's HTTP API. Also: dry runs over HTTP change nothing,
 * errors carry the server's error codes, bad credentials are refused, and `stoa check` passes
 * between two users made here (and reports the step a failure happened at).
 *
 * The administrator is made on the folder before the server starts (`stoa user create root
 * --admin`), so the server creates no first-start administrator; its token comes from signing in.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  bound,
  CLI_ACTOR,
  command,
  Coverage,
  dryRunJson,
  dryRunText,
  helpCommands,
  http,
  json,
  login,
  ok,
  ok200,
  refused,
  startServer,
  stoa as run,
  stopAllServers,
  tableWith,
  usage,
  type Run,
} from './helpers.ts';

const REPLACED = 'This message was replaced by the Persistent Chat administrator.';
const sorted = (xs: readonly string[]) => [...xs].sort();

describe('stoa against a running server (--url, --token)', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stoa-cli-remote-'));
  const coverage = new Coverage();
  let url = '';
  let rootToken = '';
  let rootId = '';
  let aliceToken = '';
  let firstPostAt = 0;
  const ids: Record<string, string> = {};
  let stoa: (...args: string[]) => Promise<Run> = () => Promise.reject(new Error('no server'));
  /** The HTTP API as the administrator. */
  const get = (path: string) => ok200(http(url, 'GET', path, { token: rootToken }));
  const show = (name: string, input: Record<string, unknown>) => command(url, rootToken, name, input);

  before(async () => {
    // The administrator exists before the first start: the server makes no "admin" of its own.
    ok(await run(['--data-dir', dir, 'user', 'create', 'root', '--admin', '--password', 'root-pass-12']));
    const server = await startServer(dir);
    assert.equal(server.adminPassword, undefined);
    url = server.url;
    const signedIn = await ok200(
      http(url, 'POST', '/api/v1/login', { json: { username: 'root', password: 'root-pass-12' } }),
    );
    rootToken = signedIn.token;
    rootId = signedIn.user.id;
    stoa = bound(coverage, '--url', url, '--token', rootToken);
  });
  after(async () => {
    await stopAllServers();
    rmSync(dir, { recursive: true, force: true });
  });

  test('creates users, categories, a policy and a setting; the server has them', async () => {
    const [alice, bob, eng, ops, policy, setting] = await Promise.all([
      stoa('user', 'create', 'alice', '--password', 'alice-pass-1', '--display-name', 'Alice', '--json'),
      stoa('user', 'create', 'bob', '--password', 'bob-pass-12', '--json'),
      stoa('category', 'create', 'Eng', '--allowed', 'domain:stoa.local', '--json'),
      stoa('category', 'create', 'Ops', '--allowed', 'domain:elsewhere.example', '--invitations', '--json'),
      stoa('policy', 'set', 'Restricted', '--no-enabled', '--description', 'No chat', '--json'),
      stoa('config', 'set', 'DefaultChatHistory', '42', '--json'),
    ]);
    assert.deepEqual(
      [json(alice).username, json(alice).displayName, json(alice).admin],
      ['alice', 'Alice', false],
    );
    assert.equal(json(bob).sipUri, 'sip:bob@stoa.local');
    assert.deepEqual(json(eng).allowed, ['domain:stoa.local']);
    assert.equal(json(ops).invitations, true);
    assert.equal(json(policy).chatEnabled, false);
    assert.equal(json(setting).DefaultChatHistory, 42);

    const users = await get('/api/v1/users');
    assert.deepEqual(sorted(users.users.map((u: { username: string }) => u.username)), [
      'alice',
      'bob',
      'root',
    ]);
    const categories = await get('/api/v1/categories');
    assert.deepEqual(sorted(categories.categories.map((c: { name: string }) => c.name)), ['Eng', 'Ops']);
    const policies = await get('/api/v1/policies');
    const restricted = policies.policies.find((p: { name: string }) => p.name === 'Restricted');
    assert.equal(restricted?.chatEnabled, false);
    assert.equal((await get('/api/v1/settings')).DefaultChatHistory, 42);
  });

  test('refusals carry the server error code (exit 1); bad usage and credentials are caught', async () => {
    const [noRoom, outOfRange, noToken, badToken] = await Promise.all([
      stoa('room', 'show', 'Nowhere'),
      stoa('config', 'set', 'DefaultChatHistory', '900'),
      run(['--url', url, 'status']),
      run(['--url', url, '--token', 'not-a-token', 'status']),
    ]);
    refused(noRoom, 'not_found', /room not found: Nowhere/);
    refused(outOfRange, 'validation_failed', /from 1 to 500/);
    usage(noToken, /--url needs --token/);
    refused(badToken, 'unauthenticated');
    assert.deepEqual((await show('room list', {})).rows, []);
    assert.equal((await get('/api/v1/settings')).DefaultChatHistory, 42);
  });

  test('dry runs over --url print the plan, change nothing, and name the administrator', async () => {
    const [category, setting, disable] = await Promise.all([
      stoa('category', 'create', 'Dry', '--allowed', 'domain:stoa.local', '--dry-run'),
      stoa('config', 'set', 'DefaultChatHistory', '99', '--dry-run', '--json'),
      stoa('user', 'set', 'bob', '--disabled', '--dry-run', '--json'),
    ]);
    dryRunText(category, 'category.create');
    const [planned] = dryRunJson(setting, 'setting.set').planned;
    assert.deepEqual([planned?.details, planned?.actor], [{ value: '99' }, `user:${rootId}`]);
    const d = dryRunJson(disable, 'user.update');
    assert.equal(d.result.disabled, true);

    const categories = await get('/api/v1/categories');
    assert.ok(!categories.categories.some((c: { name: string }) => c.name === 'Dry'));
    assert.equal((await get('/api/v1/settings')).DefaultChatHistory, 42);
    await login(url, 'bob', 'bob-pass-12'); // not disabled
  });

  test('groups, rooms, grants, tokens; list changes with --add-X, --remove-X, --set-X', async () => {
    const [team, general, scratch, grant, bobSet, token, engSet, forbidden] = await Promise.all([
      stoa('group', 'create', 'Team', '--members', 'alice', '--json'),
      stoa(
        'room',
        'create',
        'General',
        '--category',
        'Eng',
        '--members',
        'alice',
        '--managers',
        'alice',
        '--json',
      ),
      stoa(
        'room',
        'create',
        'Scratch',
        '--category',
        'Eng',
        '--members',
        'alice,bob',
        '--managers',
        'bob',
        '--json',
      ),
      stoa('policy', 'grant', 'bob', '--policy', 'Restricted', '--json'),
      stoa('user', 'set', 'bob', '--display-name', 'Bobby', '--email', 'bob@example.com', '--json'),
      stoa('token', 'create', 'alice', '--name', 'remote', '--ttl-seconds', '3600', '--json'),
      stoa(
        'category',
        'set',
        'Eng',
        '--add-creators',
        'alice,bob',
        '--add-allowed',
        'group:Team',
        '--add-denied',
        'domain:evil.example',
        '--json',
      ),
      // A token of someone who is not an administrator: refused by the server.
      run(['--url', url, '--token', await login(url, 'alice', 'alice-pass-1'), 'status']),
    ]);
    assert.equal(json(team).name, 'Team');
    ids.general = json(general).id;
    // The creator of a room becomes a manager (spec §3.3): over --url that is the administrator.
    assert.deepEqual(sorted(json(scratch).managers), ['user:bob', 'user:root']);
    assert.deepEqual(json(grant), { principal: 'bob', policy: 'Restricted' });
    assert.equal(json(bobSet).displayName, 'Bobby');
    const t = json(token);
    assert.ok(t.expiresAt > Date.now() + 3_000_000, JSON.stringify(t));
    aliceToken = t.token;
    assert.deepEqual(
      [sorted(json(engSet).creators), json(engSet).denied],
      [['user:alice', 'user:bob'], ['domain:evil.example']],
    );
    refused(forbidden, 'forbidden');

    // The token works; bob's policy took effect.
    assert.equal((await ok200(http(url, 'GET', '/api/v1/me', { token: aliceToken }))).username, 'alice');
    const bob = await ok200(
      http(url, 'GET', '/api/v1/me', { token: await login(url, 'bob', 'bob-pass-12') }),
    );
    assert.deepEqual([bob.displayName, bob.email, bob.chatEnabled], ['Bobby', 'bob@example.com', false]);

    ok(await stoa('group', 'members', 'Team', '--add', 'bob', '--remove', 'alice'));
    const [added, ungrant] = await Promise.all([
      stoa(
        'room',
        'set',
        'General',
        '--add-members',
        'bob,group:Team',
        '--add-managers',
        'bob',
        '--privacy',
        'open',
        '--json',
      ),
      stoa('policy', 'grant', 'bob', '--policy', 'none', '--json'),
    ]);
    assert.deepEqual(sorted(json(added).members), ['group:Team', 'user:alice', 'user:bob']);
    assert.deepEqual(sorted(json(added).managers), ['user:alice', 'user:bob', 'user:root']);
    assert.deepEqual(json(ungrant), { principal: 'bob', policy: 'none' });
    const set = json(
      await stoa(
        'room',
        'set',
        'General',
        '--remove-members',
        'group:Team',
        '--set-managers',
        'alice',
        '--json',
      ),
    );
    assert.deepEqual(sorted(set.members), ['user:alice', 'user:bob']);

    // Read back through the server.
    const room = await show('room show', { room: 'General' });
    assert.deepEqual(
      [sorted(room.members), room.managers, room.privacy],
      [['user:alice', 'user:bob'], ['user:alice'], 'open'],
    );
    const groups = await get('/api/v1/groups');
    assert.deepEqual(
      groups.groups.map((g: { name: string }) => g.name),
      ['Team'],
    );
    const teamMembers = (await show('group list', {})).rows[0].members;
    assert.deepEqual(teamMembers, ['user:bob']);
    const policies = await get('/api/v1/policies');
    assert.deepEqual(policies.assignments, []); // granted, then removed with --policy none
    const eng = (await get('/api/v1/categories')).categories.find((c: { name: string }) => c.name === 'Eng');
    assert.deepEqual([eng.creators.length, eng.denied], [2, ['d:evil.example']]);
  });

  test('list and show commands over --url (JSON, and a table)', async () => {
    const [categories, eng, rooms, general, users, groups, policies, config, eligible, status, audit] =
      await Promise.all([
        stoa('category', 'list', '--json'),
        stoa('category', 'show', 'Eng', '--json'),
        stoa('room', 'list', '--member', 'bob', '--json'),
        stoa('room', 'show', 'General', '--json'),
        stoa('user', 'list'),
        stoa('group', 'list', '--json'),
        stoa('policy', 'list', '--json'),
        stoa('config', 'show', '--json'),
        stoa(
          'principal',
          'eligible',
          '--category',
          'Eng',
          '--filter',
          'sip:*@stoa.local',
          '--limit',
          '2',
          '--json',
        ),
        stoa('status', '--json'),
        stoa('audit', '--limit', '100', '--json'),
      ]);
    const names = (r: Run) => sorted(json(r).rows.map((x: { name: string }) => x.name));
    assert.deepEqual(names(categories), ['Eng', 'Ops']);
    assert.deepEqual(sorted(json(eng).creators), ['user:alice', 'user:bob']);
    assert.deepEqual(names(rooms), ['General', 'Scratch']);
    assert.equal(json(general).privacy, 'open');
    assert.deepEqual(
      tableWith(users, ['USERNAME', 'DISPLAYNAME', 'SIPURI', 'ADMIN', 'DISABLED']).map((r) => r[0]),
      ['alice', 'bob', 'root'],
    );
    assert.deepEqual(json(groups).rows[0].members, ['user:bob']);
    assert.ok(names(policies).includes('Restricted'));
    const history = json(config).rows.find((r: { name: string }) => r.name === 'DefaultChatHistory');
    assert.deepEqual([history.value, history.default, history.bounds], [42, 30, '1–500']);
    assert.equal(json(eligible).rows.length, 2);
    assert.deepEqual(
      { ...json(status), messages: 0 },
      { users: 3, groups: 1, categories: 2, rooms: 2, disabledRooms: 0, messages: 0 },
    );
    const entries = json(audit).rows as { actor: string; action: string }[];
    const remote = entries.filter((e) => e.actor !== 'system:bootstrap' && e.actor !== CLI_ACTOR);
    assert.ok(remote.length >= 15, JSON.stringify(entries));
    for (const e of remote) assert.equal(e.actor, `user:${rootId}`, JSON.stringify(e));
    // Only the administrator made before the start went through the data folder.
    assert.deepEqual(
      entries.filter((e) => e.actor === CLI_ACTOR).map((e) => e.action),
      ['user.create'],
    );
  });

  test('message remove and room clear over --url; invalid dates are refused', async () => {
    const post = async (text: string) =>
      (
        await ok200(
          http(url, 'POST', `/api/v1/rooms/${ids.general ?? ''}/messages`, {
            token: aliceToken,
            json: { text },
          }),
        )
      ).message;
    firstPostAt = (await post('old news')).at;
    await new Promise((r) => setTimeout(r, 20));
    for (const text of ['the secret plan', 'lunch?', 'another secret']) await post(text);

    const [badUntil, replaced] = await Promise.all([
      stoa('room', 'clear', 'General', '--until', '2026-13-45'),
      stoa('message', 'remove', 'General', '--filter', 'secret', '--json'),
    ]);
    refused(badUntil, 'validation_failed', /not a date/);
    assert.deepEqual(json(replaced), { room: 'General', removed: 0, replaced: 2, seqs: [2, 4] });
    const cleared = json(
      await stoa('room', 'clear', 'General', '--until', new Date(firstPostAt).toISOString(), '--json'),
    );
    assert.deepEqual(cleared, { room: 'General', removed: 1 });
    const history = await ok200(
      http(url, 'GET', `/api/v1/rooms/${ids.general ?? ''}/messages?afterSeq=0`, { token: aliceToken }),
    );
    assert.deepEqual(
      history.messages.map((m: { seq: number; text: string }) => [m.seq, m.text]),
      [
        [2, REPLACED],
        [3, 'lunch?'],
        [4, REPLACED],
      ],
    );
  });

  test('add-ins over --url: create, list, rename and change the page, remove', async () => {
    // The global --url comes first (the server); after `addin create` --url is the add-in's page.
    const created = json(
      await stoa('addin', 'create', 'Board', '--url', 'https://addins.example/board', '--json'),
    );
    assert.equal(created.url, 'https://addins.example/board');
    // Attached through the API (`room set --addin` is covered in local mode).
    await show('room set', { room: 'General', addin: 'Board' });
    const list = await stoa('addin', 'list', '--json');
    assert.deepEqual(
      json(list).rows.map((a: { name: string; url: string; rooms: string[] }) => [a.name, a.url, a.rooms]),
      [['Board', 'https://addins.example/board', ['General']]],
    );
    // A second --url after the command is the add-in's (it used to replace the server URL).
    const changed = json(
      await stoa(
        'addin',
        'set',
        'Board',
        '--name',
        'Whiteboard',
        '--url',
        'http://127.0.0.1:9/board',
        '--json',
      ),
    );
    assert.deepEqual([changed.name, changed.url], ['Whiteboard', 'http://127.0.0.1:9/board']);
    const room = await ok200(http(url, 'GET', `/api/v1/rooms/${ids.general ?? ''}`, { token: aliceToken }));
    assert.deepEqual([room.addin?.name, room.addin?.url], ['Whiteboard', 'http://127.0.0.1:9/board']);
    assert.deepEqual(json(await stoa('addin', 'remove', 'Whiteboard', '--json')), { removed: 'Whiteboard' });
    const detached = await ok200(
      http(url, 'GET', `/api/v1/rooms/${ids.general ?? ''}`, { token: aliceToken }),
    );
    assert.equal(detached.addin, null);
    assert.deepEqual((await show('addin list', {})).rows, []);
  });

  test('stoa check: two users exchange messages; a failure names its step', async () => {
    const [passed, failed] = await Promise.all([
      run([
        '--url',
        url,
        'check',
        '--room',
        'General',
        '--user1',
        'alice',
        '--password1',
        'alice-pass-1',
        '--user2',
        'bob',
        '--password2',
        'bob-pass-12',
      ]),
      run([
        '--url',
        url,
        'check',
        '--room',
        'General',
        '--user1',
        'alice',
        '--password1',
        'alice-pass-1',
        '--user2',
        'bob',
        '--password2',
        'wrong-password',
      ]),
    ]);
    coverage.record(['check']);
    assert.match(ok(passed), /^check passed: \d+ steps, message round trip \d+ ms$/m);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /^error: sign in bob: /);
    const history = await ok200(
      http(url, 'GET', `/api/v1/rooms/${ids.general ?? ''}/messages?afterSeq=4`, { token: aliceToken }),
    );
    assert.deepEqual(
      history.messages.map((m: { text: string }) => m.text.replace(/^stoa check \d+ /, '')),
      ['ping', 'pong'],
    );
  });

  test('rooms: disable, enable, move (roles purged), remove; categories and groups removed', async () => {
    assert.equal(json(await stoa('room', 'disable', 'Scratch', '--json')).disabled, true);
    assert.equal((await show('room show', { room: 'Scratch' })).disabled, true);
    assert.equal(json(await stoa('room', 'enable', 'Scratch', '--json')).disabled, false);
    const moved = await stoa('room', 'move', 'Scratch', 'Ops', '--json');
    // Ops allows only domain:elsewhere.example: alice and bob lose their roles; root, an
    // administrator (always eligible), stays the manager it became by creating the room.
    assert.deepEqual(
      [json(moved).category, json(moved).members, json(moved).managers],
      ['Ops', [], ['user:root']],
    );

    assert.deepEqual(json(await stoa('room', 'remove', 'Scratch', '--json')), { removed: 'Scratch' });
    const [ops, team] = await Promise.all([
      stoa('category', 'remove', 'Ops', '--json'),
      stoa('group', 'remove', 'Team', '--json'),
    ]);
    assert.deepEqual(json(ops), { removed: 'Ops' });
    assert.deepEqual(json(team), { removed: 'Team' });
    assert.deepEqual(
      (await get('/api/v1/categories')).categories.map((c: { name: string }) => c.name),
      ['Eng'],
    );
    assert.deepEqual((await get('/api/v1/groups')).groups, []);
    assert.deepEqual(
      (await show('room list', {})).rows.map((r: { name: string }) => r.name),
      ['General'],
    );
  });

  test('compliance over --url: status, config, set, run', async () => {
    const [status, config, set, runNow] = await Promise.all([
      stoa('compliance', 'status', '--json'),
      stoa('compliance', 'config', '--json'),
      stoa('compliance', 'set', '--run-interval', '00:20:00', '--json'),
      stoa('compliance', 'run', '--json'),
    ]);
    assert.equal(typeof json(status).backlog, 'object');
    assert.equal(typeof json(config).RunInterval, 'string');
    assert.equal(json(set).RunInterval, '00:20:00');
    assert.equal(typeof json(runNow).outcome, 'string');
    assert.equal((await get('/api/v1/compliance/config')).RunInterval, '00:20:00');
  });

  test('the audit log names the administrator behind every change made over --url', async () => {
    const { entries } = await get('/api/v1/audit');
    const users = entries.filter((e: { actor: { kind: string } }) => e.actor.kind === 'user');
    assert.ok(users.length >= 25, JSON.stringify(entries.length));
    for (const e of users) assert.equal(e.actor.userId, rootId, JSON.stringify(e));
    const actions = (action: string) => entries.filter((e: { action: string }) => e.action === action);
    assert.equal(actions('setting.set').length, 1); // 42; not 900 (refused) nor 99 (dry run)
    assert.equal(actions('category.create').length, 2); // Eng, Ops; not Dry
    const disabling = actions('user.update').filter(
      (e: { details?: { disabled?: boolean } }) => e.details?.disabled === true,
    );
    assert.equal(disabling.length, 0); // only a dry run disabled bob
    assert.equal(actions('compliance.config').length, 1);
  });

  test('export and import over --url (the round trips and refusals are in test/archive)', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'stoa-cli-remote-archive-'));
    try {
      const file = join(dir2, 'all.zip');
      const exported = json(await stoa('export', file, '--json'));
      assert.equal(exported.level, 'All');
      assert.equal(exported.file, file);
      assert.equal(exported.download, undefined);
      const dry = dryRunJson(await stoa('import', file, '--dry-run', '--json'), 'import');
      assert.equal(dry.result.rooms.skipped, exported.rooms);
      assert.equal(dry.result.messages.present, exported.messages);
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  test('every command of `stoa --help` ran here', async () => {
    const help = await run(['--help']);
    const listed = helpCommands(ok(help));
    assert.ok(listed.length > 30 && listed.includes('check'), help.stdout);
    assert.deepEqual(coverage.missing(listed), []);
  });
});
