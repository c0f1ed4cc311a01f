/**
 * The `stoa` command line on a data folder (local mode, actor `cli:<os user>`): every command of
 * `stoa --help` except `check` runs as the real binary against a real SQLite folder. Effects are
 * read back with list/show commands (tables and --json) and, at the end, through a real server's
 * HTTP API on the same folder. Also: dry runs change nothing, list-valued settings take
 * --add-X/--remove-X/--set-X, bad input exits 1 with its error code and leaves nothing half made,
 * usage errors exit 2, and a folder in use by a running server refuses changes.
 *
 * Each run loads the server code through tsx (seconds of CPU), so runs are batched, concurrent
 * where independent, and each one checks as much as it can.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
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
  keyValues,
  login,
  ok200,
  refused,
  startServer,
  stoa as stoaBin,
  stopAllServers,
  tableWith,
  usage,
  type Run,
} from './helpers.ts';

const REPLACED = 'This message was replaced by the Persistent Chat administrator.';
const sorted = (xs: readonly string[]) => [...xs].sort();

describe('stoa on a data folder (local mode)', { timeout: 900_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stoa-cli-local-'));
  const coverage = new Coverage();
  const stoa = bound(coverage, '--data-dir', dir);
  let listed: string[] = [];
  let generalId = '';
  let aliceToken = '';
  let firstPostAt = 0;
  let addinList: Run | undefined;
  after(async () => {
    await stopAllServers();
    rmSync(dir, { recursive: true, force: true });
  });

  test('creates users, categories, a group, a policy, a setting and a token', async () => {
    // The first command on an empty folder creates the database; the rest run concurrently.
    const alice = json(
      await stoa(
        'user',
        'create',
        'alice',
        '--admin',
        '--password',
        'alice-pass-1',
        '--display-name',
        'Alice',
        '--email',
        'alice@example.com',
        '--json',
      ),
    );
    assert.deepEqual(
      { ...alice, id: typeof alice.id },
      {
        username: 'alice',
        displayName: 'Alice',
        email: 'alice@example.com',
        sipUri: 'sip:alice@stoa.local',
        admin: true,
        disabled: false,
        id: 'string',
      },
    );
    const [bob, eng, ops, team, policy, setting, token] = await Promise.all([
      stoa('user', 'create', 'bob', '--password', 'bob-pass-12'),
      stoa('category', 'create', 'Eng', '--allowed', 'domain:stoa.local', '--file-upload', '--json'),
      stoa('category', 'create', 'Ops', '--allowed', 'user:alice', '--no-chat-history', '--json'),
      stoa('group', 'create', 'Team', '--members', 'alice', '--description', 'The team', '--json'),
      stoa('policy', 'set', 'Restricted', '--no-enabled', '--description', 'No chat', '--json'),
      stoa('config', 'set', 'DefaultChatHistory', '50', '--json'),
      stoa('token', 'create', 'alice', '--name', 'cli-test', '--json'),
    ]);
    // Without --json a single object prints as `key  value` lines.
    const b = keyValues(bob);
    assert.deepEqual(
      [b.get('username'), b.get('sipUri'), b.get('admin')],
      ['bob', 'sip:bob@stoa.local', 'false'],
    );
    const e = json(eng);
    assert.deepEqual(
      [e.name, e.allowed, e.invitations, e.fileUpload, e.chatHistory],
      ['Eng', ['domain:stoa.local'], false, true, true],
    );
    const o = json(ops);
    assert.deepEqual([o.name, o.allowed, o.chatHistory], ['Ops', ['user:alice'], false]);
    assert.deepEqual([json(team).name, json(team).description], ['Team', 'The team']);
    const p = json(policy);
    assert.deepEqual([p.name, p.chatEnabled, p.description], ['Restricted', false, 'No chat']);
    assert.equal(json(setting).DefaultChatHistory, 50);
    aliceToken = json(token).token;
    assert.match(aliceToken, /^\S{20,}$/);
  });

  test('bad input: exit 1 with the error code and nothing half made; bad usage: exit 2', async () => {
    const mistyped = join(dir, 'no-such-folder');
    const [noRoom, noCategory, ghostMember, outOfRange, bare, unknown, badFlag, carol, opsDry, noDb] =
      await Promise.all([
        stoa('room', 'show', 'Nowhere'),
        stoa('room', 'create', 'Orphan', '--category', 'Nowhere'),
        stoa('room', 'create', 'Half', '--category', 'Eng', '--members', 'alice,ghost'),
        stoa('config', 'set', 'DefaultChatHistory', '900'),
        stoa(),
        stoa('room', 'lst'),
        stoa('room', 'show', 'Nowhere', '--bogus'),
        // Dry runs, checked here and by the listings below.
        stoa('user', 'create', 'carol', '--password', 'carol-pass-1', '--dry-run'),
        stoa('category', 'remove', 'Ops', '--dry-run', '--json'),
        // A read-only command on a folder without a database refuses, and leaves nothing behind.
        stoaBin(['--data-dir', mistyped, 'user', 'list']),
      ]);
    refused(noDb, 'not_found', /no Stoa database in .*no-such-folder/);
    assert.equal(existsSync(mistyped), false, 'no folder created by a read-only command');
    refused(noRoom, 'not_found', /room not found: Nowhere/);
    refused(noCategory, 'not_found', /category not found: Nowhere/);
    refused(ghostMember, 'not_found', /ghost/);
    refused(outOfRange, 'validation_failed', /DefaultChatHistory must be a whole number from 1 to 500/);
    // No command: the overview on stdout, exit 2.
    assert.equal(bare.code, 2, bare.stderr);
    listed = helpCommands(bare.stdout);
    assert.ok(listed.includes('room create') && listed.includes('check'), bare.stdout);
    usage(unknown, /unknown command: room lst/);
    usage(badFlag, /--bogus/);

    assert.match(dryRunText(carol, 'user.create'), /"username":"carol"/);
    const c = dryRunJson(opsDry, 'category.delete');
    assert.deepEqual(c.result, { removed: 'Ops' });
    assert.equal(c.planned[0]?.actor, CLI_ACTOR);
  });

  test('rooms and categories: list-valued settings take --add-X, --remove-X and --set-X', async () => {
    const [general, scratch, members, grant, bobSet, engSet] = await Promise.all([
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
        '--description',
        'Everyone',
        '--json',
      ),
      stoa('room', 'create', 'Scratch', '--category', 'Eng', '--members', 'alice,bob', '--managers', 'bob'),
      stoa('group', 'members', 'Team', '--add', 'bob', '--remove', 'alice', '--json'),
      stoa('policy', 'grant', 'bob', '--policy', 'Restricted', '--json'),
      stoa('user', 'set', 'bob', '--display-name', 'Bobby', '--email', 'bob@example.com', '--json'),
      stoa(
        'category',
        'set',
        'Eng',
        '--add-creators',
        'alice,group:Team',
        '--add-allowed',
        'group:Team',
        '--add-denied',
        'domain:evil.example',
        '--description',
        'Engineering',
        '--json',
      ),
    ]);
    const g = json(general);
    generalId = g.id;
    assert.deepEqual(
      [g.name, g.category, g.privacy, g.members, g.managers],
      ['General', 'Eng', 'closed', ['user:alice'], ['user:alice']],
    );
    const s = keyValues(scratch);
    assert.deepEqual(sorted((s.get('members') ?? '').split(', ')), ['user:alice', 'user:bob']);
    assert.equal(s.get('managers'), 'user:bob'); // no creator: the command line is not a user
    assert.deepEqual(json(members), { group: 'Team', ok: true });
    assert.deepEqual(json(grant), { principal: 'bob', policy: 'Restricted' });
    assert.deepEqual([json(bobSet).displayName, json(bobSet).email], ['Bobby', 'bob@example.com']);
    const es = json(engSet);
    assert.deepEqual(
      [es.description, sorted(es.creators), sorted(es.allowed), es.denied],
      [
        'Engineering',
        ['group:Team', 'user:alice'],
        ['domain:stoa.local', 'group:Team'],
        ['domain:evil.example'],
      ],
    );

    const [added, engUnset, planMembers] = await Promise.all([
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
      stoa('category', 'set', 'Eng', '--remove-creators', 'group:Team', '--set-denied', '', '--json'),
      stoa('room', 'set', 'Scratch', '--add-members', 'group:Team', '--dry-run', '--json'),
    ]);
    // A plan names principals as people type them, not by id.
    const plan = JSON.stringify(dryRunJson(planMembers, 'room.update').planned[0]?.details);
    assert.match(plan, /"group:Team"/);
    assert.doesNotMatch(plan, /"[ug]:/);
    const a = json(added);
    assert.deepEqual(sorted(a.members), ['group:Team', 'user:alice', 'user:bob']);
    assert.deepEqual(sorted(a.managers), ['user:alice', 'user:bob']);
    assert.equal(a.privacy, 'open');
    assert.deepEqual([json(engUnset).creators, json(engUnset).denied], [['user:alice'], []]);

    const real = json(
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
    assert.deepEqual(sorted(real.members), ['user:alice', 'user:bob']);
    assert.deepEqual(real.managers, ['user:alice']);
  });

  test('list and show commands: tables with a header row, JSON with --json', async () => {
    const [categories, eng, rooms, general, users, groups, policies, config, eligible] = await Promise.all([
      stoa('category', 'list'),
      stoa('category', 'show', 'Eng', '--json'),
      stoa('room', 'list', '--category', 'Eng', '--member', 'bob', '--filter', 'every'),
      stoa('room', 'show', 'General', '--json'),
      stoa('user', 'list'),
      stoa('group', 'list'),
      stoa('policy', 'list'),
      stoa('config', 'show'),
      stoa('principal', 'eligible', '--category', 'Ops'),
    ]);
    const names = (rows: string[][]) => sorted(rows.map((r) => r[0] ?? ''));
    const categoryHeader = [
      'NAME',
      'INVITATIONS',
      'FILEUPLOAD',
      'CHATHISTORY',
      'ALLOWED',
      'DENIED',
      'CREATORS',
    ];
    // The dry-run removal left Ops in place.
    assert.deepEqual(names(tableWith(categories, categoryHeader)), ['Eng', 'Ops']);
    const e = json(eng);
    assert.deepEqual(
      [e.description, e.creators, e.denied, e.fileUpload],
      ['Engineering', ['user:alice'], [], true],
    );
    const roomHeader = ['NAME', 'CATEGORY', 'PRIVACY', 'TYPE', 'DISABLED', 'MESSAGES', 'MEMBERS', 'MANAGERS'];
    const roomRows = tableWith(rooms, roomHeader).map((r) =>
      r.map((cell) => sorted(cell.split(', ')).join(', ')),
    );
    assert.deepEqual(roomRows, [
      ['General', 'Eng', 'open', 'normal', 'false', '0', 'user:alice, user:bob', 'user:alice'],
    ]);
    const gr = json(general);
    assert.deepEqual([gr.privacy, gr.description, gr.managers], ['open', 'Everyone', ['user:alice']]);
    // No carol: her creation was a dry run.
    assert.deepEqual(tableWith(users, ['USERNAME', 'DISPLAYNAME', 'SIPURI', 'ADMIN', 'DISABLED']), [
      ['alice', 'Alice', 'sip:alice@stoa.local', 'true', 'false'],
      ['bob', 'Bobby', 'sip:bob@stoa.local', 'false', 'false'],
    ]);
    assert.deepEqual(tableWith(groups, ['NAME', 'DESCRIPTION', 'MEMBERS']), [
      ['Team', 'The team', 'user:bob'],
    ]);
    const policyRows = tableWith(policies, ['NAME', 'CHATENABLED', 'DESCRIPTION', 'GRANTEDTO']);
    assert.ok(
      policyRows.some((r) => r.join('|') === 'Restricted|false|No chat|user:bob'),
      JSON.stringify(policyRows),
    );
    const configRows = tableWith(config, ['NAME', 'VALUE', 'DEFAULT', 'BOUNDS', 'MEANING']);
    assert.deepEqual(configRows.find((r) => r[0] === 'DefaultChatHistory')?.slice(0, 4), [
      'DefaultChatHistory',
      '50',
      '30',
      '1–500',
    ]);
    // Ops allows only alice.
    assert.deepEqual(tableWith(eligible, ['USERNAME', 'SIPURI', 'DISPLAYNAME']), [
      ['alice', 'sip:alice@stoa.local', 'Alice'],
    ]);
  });

  test('a folder in use by a running server: changes refused (conflict), reads and dry runs allowed', async () => {
    const server = await startServer(dir);
    try {
      assert.equal(server.adminPassword, undefined, 'users exist: no first-start administrator');
      const url = server.url;
      const [blocked, status, dry] = await Promise.all([
        stoa('room', 'create', 'Blocked', '--category', 'Eng'),
        stoa('status', '--json'),
        stoa('config', 'set', 'DefaultChatHistory', '99', '--dry-run', '--json'),
      ]);
      refused(blocked, 'conflict', new RegExp(`a server is running on .*\\(${url}\\): use --url ${url}`));
      // Neither Half nor Orphan nor Blocked was made.
      assert.deepEqual(json(status), {
        users: 2,
        groups: 1,
        categories: 2,
        rooms: 2,
        disabledRooms: 0,
        messages: 0,
      });
      const dryRun = dryRunJson(dry, 'setting.set');
      const planned = dryRun.planned[0];
      assert.deepEqual([planned?.target, planned?.details], ['setting:DefaultChatHistory', { value: '99' }]);
      assert.equal(dryRun.result.DefaultChatHistory, 99, 'a dry run shows the settings as they would be');

      // The token made by `stoa token create` works; the server sees what the CLI did.
      const me = await ok200(http(url, 'GET', '/api/v1/me', { token: aliceToken }));
      assert.deepEqual([me.username, me.isAdmin], ['alice', true]);
      const settings = await ok200(http(url, 'GET', '/api/v1/settings', { token: aliceToken }));
      assert.equal(settings.DefaultChatHistory, 50);
      const room = await ok200(http(url, 'GET', `/api/v1/rooms/${generalId}`, { token: aliceToken }));
      assert.deepEqual([room.name, room.category.name, room.privacy], ['General', 'Eng', 'open']);
      const bobToken = await login(url, 'bob', 'bob-pass-12');
      const bob = await ok200(http(url, 'GET', '/api/v1/me', { token: bobToken }));
      assert.deepEqual([bob.displayName, bob.chatEnabled], ['Bobby', false]); // the Restricted policy

      // Set-up for the content and add-in tests: messages, and an add-in registered over the API
      // (by alice: the folder is in use).
      const post = async (text: string) =>
        (
          await ok200(
            http(url, 'POST', `/api/v1/rooms/${generalId}/messages`, { token: aliceToken, json: { text } }),
          )
        ).message;
      firstPostAt = (await post('old news')).at;
      await new Promise((r) => setTimeout(r, 20));
      for (const text of ['the secret plan', 'lunch?', 'another secret']) await post(text);
      await command(url, aliceToken, 'addin create', { name: 'Board', url: 'https://addins.example/board' });
    } finally {
      await server.stop();
    }
    assert.equal(existsSync(join(dir, 'stoa.pid')), false, 'the server removes its mark on exit');
    // A stale mark (its process is gone) does not block the command line: the next tests change things.
    writeFileSync(join(dir, 'stoa.pid'), JSON.stringify({ pid: server.pid, url: server.url }));
  });

  test('message remove and room clear; invalid dates are refused', async () => {
    const [badSince, badUntil, replaced, addins] = await Promise.all([
      stoa('message', 'remove', 'General', '--since', 'last tuesday'),
      stoa('room', 'clear', 'General', '--until', '2026-13-45'),
      stoa('message', 'remove', 'General', '--filter', 'secret', '--json'),
      stoa('addin', 'list'), // for the add-in test below, before any room uses it
    ]);
    addinList = addins;
    refused(badSince, 'validation_failed', /since: not a date/);
    refused(badUntil, 'validation_failed', /until: not a date/);
    assert.deepEqual(json(replaced), { room: 'General', removed: 0, replaced: 2, seqs: [2, 4] });
    const cleared = json(
      await stoa('room', 'clear', 'General', '--until', new Date(firstPostAt).toISOString(), '--json'),
    );
    assert.deepEqual(cleared, { room: 'General', removed: 1 });
    // The history itself is read back through the server at the end.
  });

  test('add-ins: list, attach to a room, rename, remove', async () => {
    assert.ok(addinList, 'listed with the content commands');
    assert.deepEqual(tableWith(addinList, ['NAME', 'URL', 'ROOMS']), [
      ['Board', 'https://addins.example/board'],
    ]);
    assert.equal(json(await stoa('room', 'set', 'General', '--addin', 'Board', '--json')).addin, 'Board');
    const renamed = json(await stoa('addin', 'set', 'Board', '--name', 'Whiteboard', '--json'));
    assert.deepEqual([renamed.name, renamed.url], ['Whiteboard', 'https://addins.example/board']);
    assert.deepEqual(json(await stoa('addin', 'remove', 'Whiteboard', '--json')), { removed: 'Whiteboard' });
  });

  test('addin create takes the add-in page as --url (not the global --url of remote mode)', async () => {
    const created = await stoa('addin', 'create', 'Wiki', '--url', 'https://addins.example/wiki', '--json');
    assert.equal(created.code, 0, `addin create --url: exit ${String(created.code)}: ${created.stderr}`);
    assert.equal(json(created).url, 'https://addins.example/wiki');
  });

  test('compliance: status, config, set (with a dry run), run', async () => {
    const [dryRunNow, status, config, dry, runNow, outOfRange] = await Promise.all([
      // Sent first: it reports what a run would hand over, and hands over nothing.
      stoa('compliance', 'run', '--dry-run', '--json'),
      stoa('compliance', 'status', '--json'),
      stoa('compliance', 'config'),
      stoa('compliance', 'set', '--run-interval', '00:10:00', '--dry-run', '--json'),
      stoa('compliance', 'run', '--json'),
      stoa('compliance', 'set', '--run-interval', '00:00:10'),
    ]);
    assert.equal(typeof json(status).backlog, 'object');
    const wouldRun = dryRunJson(dryRunNow, 'compliance.run');
    assert.equal(typeof wouldRun.planned[0]?.details.pending.count, 'number');
    assert.equal(wouldRun.planned[0]?.actor, CLI_ACTOR);
    assert.equal(keyValues(config).get('RunInterval'), '00:15:00'); // the dry run below changed nothing
    assert.equal(dryRunJson(dry, 'compliance.config').planned[0]?.actor, CLI_ACTOR);
    assert.equal(typeof json(runNow).outcome, 'string');
    refused(outOfRange, 'validation_failed', /RunInterval/);
    const set = json(
      await stoa('compliance', 'set', '--run-interval', '00:10:00', '--add-user-details', '--json'),
    );
    assert.deepEqual([set.RunInterval, set.AddUserDetails], ['00:10:00', true]);
  });

  test('rooms: disable, enable, move (roles outside the new scope purged), remove; categories and groups removed', async () => {
    assert.equal(json(await stoa('room', 'disable', 'Scratch', '--json')).disabled, true);
    assert.equal(json(await stoa('room', 'enable', 'Scratch', '--json')).disabled, false);
    const [moved, notEmpty] = await Promise.all([
      stoa('room', 'move', 'Scratch', 'Ops', '--json'),
      stoa('category', 'remove', 'Eng'),
    ]);
    // Ops allows only alice: bob loses his membership and his manager role.
    const m = json(moved);
    assert.deepEqual([m.category, m.members, m.managers], ['Ops', ['user:alice'], []]);
    refused(notEmpty, 'category_not_empty');
    assert.deepEqual(json(await stoa('room', 'remove', 'Scratch', '--json')), { removed: 'Scratch' });
    const [ops, team] = await Promise.all([
      stoa('category', 'remove', 'Ops', '--json'),
      stoa('group', 'remove', 'Team', '--json'),
    ]);
    assert.deepEqual(json(ops), { removed: 'Ops' });
    assert.deepEqual(json(team), { removed: 'Team' });
  });

  test('every change is audited with the CLI actor; dry runs and refusals leave no trace', async () => {
    const rows = tableWith(await stoa('audit', '--limit', '500'), ['AT', 'ACTOR', 'ACTION', 'TARGET']);
    for (const r of rows) assert.equal(r.length, 4, JSON.stringify(r));
    // Everything but the bootstrap and the add-in registered over HTTP (by alice) came from here.
    const mine = rows.filter(
      (r) => r[1] !== 'system:bootstrap' && !(r[2] === 'addin.create' && r[1]?.startsWith('user:')),
    );
    assert.ok(mine.length >= 20, JSON.stringify(rows));
    for (const r of mine) assert.equal(r[1], CLI_ACTOR, JSON.stringify(r));
    const count = (action: string) => rows.filter((r) => r[2] === action).length;
    assert.equal(count('user.create'), 2); // alice, bob; not the dry-run carol
    assert.equal(count('setting.set'), 1); // 50; not 900 (refused) nor 99 (dry run)
    assert.equal(count('room.create'), 2); // General, Scratch; not Half, Orphan, Blocked
    assert.equal(count('category.delete'), 1); // the real removal of Ops only
    assert.equal(count('compliance.config'), 1); // not the dry run nor the refused one
    for (const action of [
      'category.create',
      'category.update',
      'room.update',
      'room.delete',
      'room.clear',
      'messages.replace',
      'group.create',
      'group.members',
      'group.delete',
      'policy.set',
      'policy.grant',
      'token.create',
      'user.update',
      'addin.update',
      'addin.delete',
    ])
      assert.ok(count(action) >= 1, `no ${action} in the audit log`);
    // Newest first in commit order. An action takes its time when it starts, before it waits for
    // the write lock, so two commands run at once (as above) may commit in the other order and
    // show times a few milliseconds out of order; never more than the wait.
    const times = rows.map((r) => Date.parse(r[0] ?? ''));
    times.forEach((t, i) => {
      if (i > 0)
        assert.ok(t <= (times[i - 1] ?? 0) + 1000, `newest first: ${rows[i - 1]?.[0]} then ${rows[i]?.[0]}`);
    });
    assert.ok((times[0] ?? 0) > (times.at(-1) ?? 0), 'newest first');
  });

  test('the server sees what the command line did', async () => {
    const server = await startServer(dir);
    try {
      const url = server.url;
      const token = await login(url, 'alice', 'alice-pass-1');
      const history = await ok200(
        http(url, 'GET', `/api/v1/rooms/${generalId}/messages?afterSeq=0`, { token }),
      );
      assert.deepEqual(
        history.messages.map((m: { seq: number; text: string }) => [m.seq, m.text]),
        [
          [2, REPLACED],
          [3, 'lunch?'],
          [4, REPLACED],
        ],
      );
      const room = await ok200(http(url, 'GET', `/api/v1/rooms/${generalId}`, { token }));
      assert.equal(room.addin, null);
      const categories = await ok200(http(url, 'GET', '/api/v1/categories', { token }));
      assert.deepEqual(
        categories.categories.map((c: { name: string }) => c.name),
        ['Eng'],
      );
      const audit = await ok200(http(url, 'GET', '/api/v1/audit', { token }));
      const cli = audit.entries.filter((e: { actor: { kind: string } }) => e.actor.kind === 'cli');
      assert.ok(cli.length >= 20);
      for (const e of cli) assert.equal(`cli:${e.actor.osUser as string}`, CLI_ACTOR);
    } finally {
      await server.stop();
    }
  });

  test('export and import (the round trips and refusals are in test/archive)', async () => {
    const file = join(dir, 'directory.zip');
    const exported = json(await stoa('export', file, '--level', 'RoomDirectory', '--json'));
    assert.equal(exported.level, 'RoomDirectory');
    assert.ok(existsSync(file));
    // Into the same folder: everything exists already, so nothing would change but the import record.
    const dry = dryRunJson(await stoa('import', file, '--dry-run', '--json'), 'import');
    assert.equal(dry.result.rooms.skipped, exported.rooms);
    assert.equal(dry.result.rooms.created, 0);
  });

  test('every command of `stoa --help` (but check, which needs a server) ran here', () => {
    assert.ok(listed.length > 30, 'the command list was read');
    assert.deepEqual(coverage.missing(listed.filter((name) => name !== 'check')), []);
  });
});
