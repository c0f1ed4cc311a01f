/**
 * `stoa export` and `stoa import` (spec §6, docs/export-format.md), as the real binary: on data
 * folders, then against running servers (--url). Round trips at every level give the same archive
 * entries (same SHA-256); filters, merging into a server that has data, --disable, dry runs; and
 * refusals — unknown category, invalid dates and levels, corrupt, truncated, tampered, unsupported
 * or inconsistent archives, out-of-range settings — exit 1 with their code and change nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  dryRunJson,
  http,
  json,
  login,
  ok,
  ok200,
  refused,
  startServer,
  stoa,
  stopAllServers,
  type ServerProcess,
} from '../cli/helpers.ts';
import { seedMessages } from './seed.ts';
import { checksums, craft, fingerprint, lines, manifestOf, recordsOf } from './support.ts';

const LEVELS = ['User', 'Category', 'RoomDirectory', 'Content', 'All'] as const;
const T0 = Date.UTC(2026, 0, 1);

describe('stoa export and import', { timeout: 1_200_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'stoa-archive-'));
  const dirA = join(root, 'a');
  const at = (...parts: string[]) => join(root, ...parts);
  const inDir =
    (dir: string) =>
    (...args: string[]) =>
      stoa(['--data-dir', dir, ...args]);
  const a = inDir(dirA);
  /** Messages seeded in lobby and stage. */
  const LOBBY = 300;
  const STAGE = 40;

  before(async () => {
    ok(await a('user', 'create', 'root', '--admin', '--password', 'root-pass-12'));
    await Promise.all(
      [
        ['user', 'create', 'alice', '--display-name', 'Alice', '--email', 'alice@example.com'],
        ['user', 'create', 'bob', '--password', 'bob-pass-123'],
        ['user', 'create', 'carol', '--sip-uri', 'sip:carol@example.com'],
        [
          'category',
          'create',
          'Eng',
          '--allowed',
          'domain:stoa.local',
          '--invitations',
          '--description',
          'engineering',
        ],
        ['addin', 'create', 'Board', '--url', 'https://addins.example/board'],
        ['policy', 'set', 'quiet', '--no-enabled', '--description', 'no chat'],
        ['config', 'set', 'DefaultChatHistory', '50'],
      ].map(async (args) => ok(await a(...args))),
    );
    await Promise.all(
      [
        ['group', 'create', 'staff', '--members', 'alice,bob'],
        ['policy', 'grant', 'carol', '--policy', 'quiet'],
        [
          'room',
          'create',
          'lobby',
          '--category',
          'Eng',
          '--members',
          'alice,bob',
          '--managers',
          'alice',
          '--addin',
          'Board',
        ],
        [
          'room',
          'create',
          'stage',
          '--category',
          'Eng',
          '--type',
          'auditorium',
          '--privacy',
          'open',
          '--presenters',
          'bob',
        ],
      ].map(async (args) => ok(await a(...args))),
    );
    await Promise.all(
      [
        ['category', 'create', 'Ops', '--allowed', 'group:staff,carol', '--creators', 'group:staff'],
        ['group', 'create', 'leads', '--members', 'group:staff,carol'],
      ].map(async (args) => ok(await a(...args))),
    );
    // A deleted group leaves its entry in Ops's scope behind: the export leaves it out.
    ok(await a('group', 'create', 'gone'));
    ok(await a('category', 'set', 'Ops', '--add-allowed', 'group:gone'));
    ok(await a('group', 'remove', 'gone'));
    ok(await a('room', 'create', 'ops-room', '--category', 'Ops', '--members', 'group:staff', '--disabled'));
    await seedMessages({
      dataDir: dirA,
      room: 'lobby',
      authors: ['alice', 'bob'],
      count: LOBBY,
      from: T0,
      stepMs: 60_000,
      inFlight: 10,
    });
    await seedMessages({
      dataDir: dirA,
      room: 'stage',
      authors: ['bob'],
      count: STAGE,
      from: T0,
      stepMs: 3600_000,
      inFlight: 5,
    });
  });
  after(async () => {
    await stopAllServers();
    rmSync(root, { recursive: true, force: true });
  });

  test('a round trip at every level gives the same archive', async () => {
    await Promise.all(
      LEVELS.map(async (level) => {
        const first = at(`a-${level}.zip`);
        const second = at(`b-${level}.zip`);
        const b = inDir(at(`b-${level}`));
        const exported = json(await a('export', first, '--level', level, '--json'));
        assert.equal(exported.level, level);
        const imported = json(await b('import', first, '--json'));
        assert.equal(imported.level, level);
        json(await b('export', second, '--level', level, '--json'));
        assert.deepEqual(await checksums(second), await checksums(first), level);
        const m = await manifestOf(first);
        const names = m.entries.map((e: { name: string }) => e.name);
        const has = (entry: string) => names.includes(entry);
        assert.equal(has('users.jsonl'), true, level);
        assert.equal(has('categories.jsonl'), level !== 'User', level);
        assert.equal(
          has('rooms.jsonl'),
          level === 'RoomDirectory' || level === 'Content' || level === 'All',
          level,
        );
        assert.equal(has('messages/000001.jsonl'), level === 'Content' || level === 'All', level);
        assert.equal(has('settings.jsonl'), level === 'All', level);
        if (level === 'All') {
          assert.deepEqual(
            {
              users: m.counts.users,
              rooms: m.counts.rooms,
              messages: m.counts.messages,
              groups: m.counts.groups,
            },
            { users: 4, rooms: 3, messages: LOBBY + STAGE, groups: 2 },
          );
          assert.deepEqual(imported.messages, { added: LOBBY + STAGE, present: 0 });
          assert.equal(imported.rooms.created, 3);
          const ops = (await recordsOf(first, 'categories.jsonl')).find((c) => c.name === 'Ops');
          assert.deepEqual(ops.allowed, ['group:staff', 'user:carol']);
          // Passwords are not exported unless asked: the restored users cannot sign in yet.
          const users = await recordsOf(first, 'users.jsonl');
          assert.ok(users.every((u) => u.passwordHash === undefined));
        }
      }),
    );
  });

  test('a category filter and a start date limit what is exported', async () => {
    const mid = T0 + (LOBBY / 2) * 60_000;
    const [ops, since, hashes] = await Promise.all([
      a('export', at('ops.zip'), '--level', 'Content', '--category', 'Ops', '--json'),
      a(
        'export',
        at('since.zip'),
        '--level',
        'All',
        '--category',
        'Eng',
        '--start-date',
        new Date(mid).toISOString(),
        '--json',
      ),
      a('export', at('hashes.zip'), '--level', 'User', '--password-hashes', '--json'),
    ]);
    assert.deepEqual(
      [json(ops).categories, json(ops).rooms, json(ops).messages, json(ops).categoryFilter],
      [1, 1, 0, ['Ops']],
    );
    assert.deepEqual(
      (await recordsOf(at('ops.zip'), 'rooms.jsonl')).map((r) => r.name),
      ['ops-room'],
    );
    const s = json(since);
    assert.equal(s.rooms, 2);
    assert.equal(s.addins, 1);
    assert.ok(s.messages > 0 && s.messages < LOBBY + STAGE, String(s.messages));
    const rooms = await recordsOf(at('since.zip'), 'rooms.jsonl');
    let counted = 0;
    for (const r of rooms) {
      const messages = await recordsOf(at('since.zip'), r.messages);
      counted += messages.length;
      assert.ok(messages.every((m) => m.at >= mid));
      assert.equal(r.lastSeq, r.name === 'lobby' ? LOBBY : STAGE);
    }
    assert.equal(counted, s.messages);
    assert.equal(json(hashes).users, 4);
    const users = await recordsOf(at('hashes.zip'), 'users.jsonl');
    assert.match(users.find((u) => u.username === 'bob').passwordHash, /^\$argon2/);
    assert.equal(users.find((u) => u.username === 'alice').passwordHash, undefined);

    // Restored with its hash, bob can sign in on the new server.
    const dir = at('hashes');
    json(await stoa(['--data-dir', dir, 'import', at('hashes.zip'), '--json']));
    const server = await startServer(dir);
    try {
      assert.equal(typeof (await login(server.url, 'bob', 'bob-pass-123')), 'string');
    } finally {
      await server.stop();
    }
  });

  test('merging into a server that has data: skip, fail, update, and only new messages added', async () => {
    const full = at('a-All.zip');
    const b = inDir(at('b-All'));
    const before = fingerprint(at('b-All'));
    // Everything exists already: skip adds nothing (but the import's own audit record).
    const again = json(await b('import', full, '--json'));
    assert.deepEqual(again.messages, { added: 0, present: LOBBY + STAGE });
    assert.deepEqual(again.rooms, { created: 0, updated: 0, skipped: 3 });
    refused(await b('import', full, '--on-conflict', 'fail'), 'name_taken', /exists on this server/);
    refused(await b('import', full, '--on-conflict', 'sometimes'), 'validation_failed');
    // Changed here, restored by update.
    ok(await b('room', 'set', 'lobby', '--description', 'changed here', '--remove-members', 'bob'));
    const updated = json(await b('import', full, '--on-conflict', 'update', '--json'));
    assert.equal(updated.rooms.updated, 3);
    json(await b('export', at('b-All-2.zip'), '--json'));
    assert.deepEqual(await checksums(at('b-All-2.zip')), await checksums(full));
    assert.notEqual(fingerprint(at('b-All')), before, 'the audit log has the imports');

    // New messages in the source: a second import adds only those.
    await seedMessages({
      dataDir: dirA,
      room: 'lobby',
      authors: ['bob'],
      count: 10,
      from: T0 + 86_400_000,
      stepMs: 1000,
      inFlight: 5,
    });
    json(await a('export', at('a-Content-2.zip'), '--level', 'Content', '--json'));
    const c = inDir(at('b-Content'));
    const added = json(await c('import', at('a-Content-2.zip'), '--json'));
    assert.deepEqual(added.messages, { added: 10, present: LOBBY + STAGE });
    json(await c('export', at('b-Content-2.zip'), '--level', 'Content', '--json'));
    assert.deepEqual(await checksums(at('b-Content-2.zip')), await checksums(at('a-Content-2.zip')));
  });

  test('--disable disables the exported rooms; --dry-run writes no file and changes nothing', async () => {
    const dir = at('b-RoomDirectory');
    const b = inDir(dir);
    const before = fingerprint(dir);
    const dry = dryRunJson(
      await b('export', at('dry.zip'), '--category', 'Eng', '--disable', '--dry-run', '--json'),
      'room.update',
      'room.update',
    );
    assert.equal(dry.result.disabled, 2);
    assert.equal(existsSync(at('dry.zip')), false);
    assert.equal(fingerprint(dir), before);
    const done = json(
      await b(
        'export',
        at('eng.zip'),
        '--level',
        'RoomDirectory',
        '--category',
        'Eng',
        '--disable',
        '--json',
      ),
    );
    assert.equal(done.disabled, 2);
    const rows = json(await b('room', 'list', '--disabled', '--json')).rows.map(
      (r: { name: string }) => r.name,
    );
    assert.deepEqual(rows.sort(), ['lobby', 'ops-room', 'stage']);
    // The archive has the rooms as they were: enabled.
    assert.deepEqual(
      (await recordsOf(at('eng.zip'), 'rooms.jsonl')).map((r) => r.disabled),
      [false, false],
    );

    // An import dry run reports what it would create and creates nothing.
    const empty = at('empty');
    // (A reading command does not create a database; a change does.)
    ok(await stoa(['--data-dir', empty, 'config', 'set', 'DefaultChatHistory', '30']));
    const was = fingerprint(empty);
    const plan = json(
      await stoa(['--data-dir', empty, 'import', at('a-RoomDirectory.zip'), '--dry-run', '--json']),
    );
    const actions = plan.planned.map(
      (p: { action: string; target: string }) => `${p.action} ${p.target.split(':')[0] ?? ''}`,
    );
    assert.equal(actions.filter((x: string) => x === 'import.create room').length, 3);
    assert.equal(actions.filter((x: string) => x === 'import.create user').length, 4);
    assert.equal(actions.at(-1), 'import archive');
    assert.equal(fingerprint(empty), was);
  });

  test('bad input: a clear error, exit 1, no file written, nothing imported', async () => {
    const full = at('a-All.zip');
    const empty = at('target');
    const e = inDir(empty);
    ok(await e('user', 'create', 'root', '--admin'));
    const bad = (name: string) => at(`bad-${name}.zip`);
    writeFileSync(bad('garbage'), 'PK\u0003\u0004 this is not a zip archive at all');
    const bytes = readFileSync(full);
    writeFileSync(bad('truncated'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await Promise.all([
      craft(
        full,
        bad('tampered'),
        lines('messages/000001.jsonl', (ms) => ms.map((m, i) => (i === 7 ? { ...m, text: 'forged' } : m))),
        {
          keepChecksums: true,
        },
      ),
      craft(full, bad('version'), () => undefined, { manifest: (m) => (m.version = 99) }),
      craft(
        full,
        bad('setting'),
        lines('settings.jsonl', () => [{ name: 'DefaultChatHistory', value: '9999' }]),
      ),
      craft(
        full,
        bad('reference'),
        lines('rooms.jsonl', (rs) => rs.map((r, i) => (i === 1 ? { ...r, category: 'Nowhere' } : r))),
      ),
      craft(
        full,
        bad('shape'),
        lines('users.jsonl', (us) => us.map((u, i) => (i === 2 ? { ...u, isAdmin: 'yes' } : u))),
      ),
      // Wrong only in the last room's last messages: found before anything is written.
      craft(
        full,
        bad('late'),
        lines('messages/000003.jsonl', (ms) => [...ms, { ...ms.at(-1), seq: 1 }]),
      ),
      craft(
        full,
        bad('author'),
        lines('messages/000001.jsonl', (ms) => ms.map((m, i) => (i === 3 ? { ...m, author: 'nobody' } : m))),
      ),
    ]);
    const sourceBefore = fingerprint(dirA);
    const targetBefore = fingerprint(empty);
    const [
      cat,
      date,
      level,
      startWithUser,
      missing,
      garbage,
      truncated,
      tampered,
      version,
      setting,
      reference,
      shape,
      late,
      author,
    ] = await Promise.all([
      a('export', at('x1.zip'), '--category', 'Eng,Nowhere'),
      a('export', at('x2.zip'), '--start-date', 'yesterday-ish'),
      a('export', at('x3.zip'), '--level', 'Everything'),
      a('export', at('x4.zip'), '--level', 'User', '--start-date', '2026-01-01'),
      e('import', at('missing.zip')),
      e('import', bad('garbage')),
      e('import', bad('truncated')),
      e('import', bad('tampered')),
      e('import', bad('version')),
      e('import', bad('setting')),
      e('import', bad('reference')),
      e('import', bad('shape')),
      e('import', bad('late')),
      e('import', bad('author')),
    ]);
    refused(cat, 'not_found', /category not found: Nowhere/);
    refused(date, 'validation_failed', /start-date: not a date/);
    refused(level, 'validation_failed', /level must be one of/);
    refused(startWithUser, 'validation_failed', /start date filters content/);
    for (const n of [1, 2, 3, 4]) {
      assert.equal(existsSync(at(`x${n}.zip`)), false);
      assert.equal(existsSync(at(`x${n}.zip.partial`)), false);
    }
    refused(missing, 'not_found', /file not found/);
    refused(garbage, 'archive_invalid', /not a readable ZIP/);
    refused(truncated, 'archive_invalid', /not a readable ZIP/);
    refused(tampered, 'checksum_mismatch', /messages\/000001\.jsonl does not match the manifest/);
    refused(version, 'unsupported_archive_version', /version 99/);
    refused(setting, 'validation_failed', /DefaultChatHistory must be a whole number from 1 to 500/);
    refused(reference, 'archive_invalid', /category Nowhere is neither in the archive nor on this server/);
    refused(shape, 'archive_invalid', /users\.jsonl line 3: \/isAdmin/);
    refused(late, 'archive_invalid', /messages\/000003\.jsonl line \d+: sequence number 1 out of order/);
    refused(author, 'archive_invalid', /author nobody/);
    assert.equal(fingerprint(dirA), sourceBefore);
    assert.equal(fingerprint(empty), targetBefore);
  });
});

describe('stoa export and import against running servers (--url)', { timeout: 1_200_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'stoa-archive-remote-'));
  const at = (...parts: string[]) => join(root, ...parts);
  let source: ServerProcess;
  let target: ServerProcess;
  let sourceToken = '';
  let targetToken = '';
  const remote =
    (server: ServerProcess, token: string) =>
    (...args: string[]) =>
      stoa(['--url', server.url, '--token', token, ...args]);

  before(async () => {
    const [src, dst] = [at('source'), at('target')];
    await Promise.all([
      (async () =>
        ok(
          await stoa(['--data-dir', src, 'user', 'create', 'root', '--admin', '--password', 'root-pass-12']),
        ))(),
      (async () =>
        ok(
          await stoa(['--data-dir', dst, 'user', 'create', 'root', '--admin', '--password', 'root-pass-12']),
        ))(),
    ]);
    const s = (...args: string[]) => stoa(['--data-dir', src, ...args]);
    await Promise.all(
      [
        ['user', 'create', 'alice', '--password', 'alice-pass-1'],
        ['category', 'create', 'Eng', '--allowed', 'domain:stoa.local'],
        ['category', 'create', 'Ops', '--allowed', 'domain:stoa.local'],
      ].map(async (args) => ok(await s(...args))),
    );
    await Promise.all(
      [
        ['room', 'create', 'lobby', '--category', 'Eng', '--members', 'alice', '--privacy', 'open'],
        ['room', 'create', 'ops', '--category', 'Ops', '--members', 'alice'],
      ].map(async (args) => ok(await s(...args))),
    );
    await seedMessages({
      dataDir: src,
      room: 'lobby',
      authors: ['alice'],
      count: 500,
      from: T0,
      stepMs: 1000,
    });
    [source, target] = await Promise.all([startServer(src), startServer(dst)]);
    [sourceToken, targetToken] = await Promise.all([
      login(source.url, 'root', 'root-pass-12'),
      login(target.url, 'root', 'root-pass-12'),
    ]);
  });
  after(async () => {
    await stopAllServers();
    rmSync(root, { recursive: true, force: true });
  });

  test('export over --url equals the export of the folder; import restores it into another server', async () => {
    const src = remote(source, sourceToken);
    const dst = remote(target, targetToken);
    const [overHttp, fromFolder] = await Promise.all([
      src('export', at('http.zip'), '--json'),
      stoa(['--data-dir', at('source'), 'export', at('folder.zip'), '--json']),
    ]);
    assert.equal(json(overHttp).messages, 500);
    json(fromFolder);
    assert.deepEqual(await checksums(at('http.zip')), await checksums(at('folder.zip')));
    assert.deepEqual(
      await manifestOf(at('http.zip')).then((m) => m.counts),
      await manifestOf(at('folder.zip')).then((m) => m.counts),
    );
    // The server left no copy behind once it was downloaded.
    assert.deepEqual(readdirSync(join(at('source'), 'archives')), []);

    const dry = dryRunJson(
      await dst('import', at('http.zip'), '--dry-run', '--json'),
      ...Array(6).fill('import.create'),
      'import',
    );
    assert.equal(dry.result.messages.added, 500);
    assert.deepEqual(
      (await ok200(http(target.url, 'GET', '/api/v1/rooms', { token: targetToken }))).rooms,
      [],
    );

    const imported = json(await dst('import', at('http.zip'), '--json'));
    assert.deepEqual(imported.messages, { added: 500, present: 0 });
    assert.equal(imported.users.skipped, 1); // root exists on both
    // The running server sees the new rooms at once (caches refreshed by the import's events).
    const rooms = (await ok200(http(target.url, 'GET', '/api/v1/rooms', { token: targetToken }))).rooms;
    assert.deepEqual(rooms.map((r: { name: string }) => r.name).sort(), ['lobby', 'ops']);
    const aliceToken = await login(target.url, 'alice', 'alice-pass-1').catch(() => '');
    assert.equal(aliceToken, '', 'no password was exported');

    json(await dst('export', at('again.zip'), '--json'));
    const [first, second] = [await checksums(at('http.zip')), await checksums(at('again.zip'))];
    // Every entry is the same but users.jsonl: each server has its own root.
    for (const name of Object.keys(first))
      if (name !== 'users.jsonl') assert.equal(second[name], first[name], name);
    const users = await recordsOf(at('again.zip'), 'users.jsonl');
    assert.deepEqual(
      users.map((u) => u.username),
      ['alice', 'root'],
    );

    // --disable over --url.
    const disabled = json(
      await dst(
        'export',
        at('eng.zip'),
        '--level',
        'RoomDirectory',
        '--category',
        'Eng',
        '--disable',
        '--json',
      ),
    );
    assert.equal(disabled.disabled, 1);
    const after = (await ok200(http(target.url, 'GET', '/api/v1/rooms', { token: targetToken }))).rooms;
    assert.deepEqual(
      after.map((r: { name: string }) => r.name),
      ['ops'],
    );
  });

  test('refusals over --url: bad archives, unknown categories, non-administrators, too large', async () => {
    const src = remote(source, sourceToken);
    const dst = remote(target, targetToken);
    writeFileSync(at('garbage.zip'), 'not a zip');
    await craft(
      at('http.zip'),
      at('tampered.zip'),
      lines('messages/000001.jsonl', (ms) => ms.slice(1)),
      { keepChecksums: true },
    );
    const aliceToken = await login(source.url, 'alice', 'alice-pass-1');
    const before = fingerprint(at('target'));
    const [garbage, tampered, category, forbidden, forbiddenImport] = await Promise.all([
      dst('import', at('garbage.zip')),
      dst('import', at('tampered.zip')),
      src('export', at('x.zip'), '--category', 'Nowhere'),
      stoa(['--url', source.url, '--token', aliceToken, 'export', at('y.zip')]),
      stoa(['--url', target.url, '--token', aliceToken, 'import', at('http.zip')]),
    ]);
    refused(garbage, 'archive_invalid');
    refused(tampered, 'checksum_mismatch');
    refused(category, 'not_found', /category not found/);
    refused(forbidden, 'forbidden');
    refused(forbiddenImport, 'unauthenticated');
    assert.equal(existsSync(at('x.zip')), false);
    assert.equal(existsSync(at('y.zip')), false);
    assert.equal(fingerprint(at('target')), before);

    // A server that takes archives of at most 1 KiB.
    const small = at('small');
    ok(await stoa(['--data-dir', small, 'user', 'create', 'root', '--admin', '--password', 'root-pass-12']));
    writeFileSync(join(small, 'stoa.json'), JSON.stringify({ maxArchiveBytes: 1024 }));
    const server = await startServer(small);
    const token = await login(server.url, 'root', 'root-pass-12');
    refused(
      await stoa(['--url', server.url, '--token', token, 'import', at('http.zip')]),
      'payload_too_large',
      /maxArchiveBytes/,
    );
    await server.stop();
  });
});
