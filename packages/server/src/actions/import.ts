/**
 * Import (spec §6.3): restores an export archive (docs/export-format.md) into this server, empty or
 * not. Administrators only. Two passes over the file:
 *
 * 1. Verify, changing nothing: the manifest, every entry's size, SHA-256 and record count, the shape
 *    of every record, names, settings bounds, and every reference (a principal, category, add-in or
 *    author must be in the archive or already on the server). Messages are streamed, never held.
 * 2. Apply, in one transaction with its audit records: a failure leaves nothing behind. Bus events
 *    go out after the commit, so a running server's caches and clients see the new rooms.
 *
 * Objects are matched by name (user name, group, policy, category, add-in, room). `onConflict`
 * says what happens to one that exists: `skip` leaves it as it is (default), `update` sets it to
 * the archive's values, `fail` refuses the whole import. History is append-only: a room's messages
 * are restored with their own sequence numbers, times and authors, and only those above the
 * room's last sequence number on this server are added, so importing the same archive twice adds
 * nothing the second time. Imported messages are history, not new chat: they create no compliance
 * events; the import itself is audited.
 */
import { ArchiveReader } from '../archive/zip.ts';
import {
  hasContent,
  messageChecker,
  sectionChecker,
  sectionEntry,
  sectionsOf,
  type AddinRecord,
  type CategoryRecord,
  type GroupRecord,
  type Level,
  type MessageRecord,
  type PolicyRecord,
  type RoomRecord,
  type Section,
  type SectionRecords,
  type SettingRecord,
  type UserRecord,
} from '../archive/format.ts';
import type { BusEvent } from '../bus/types.ts';
import { fail, StoaError } from '../domain/errors.ts';
import type { Actor } from '../domain/model.ts';
import { checkDescription, checkName, checkUsername } from '../domain/names.ts';
import { GLOBAL_POLICY_ID } from '../domain/policy.ts';
import { domainRef, groupRef, userRef, type PrincipalRef } from '../domain/principals.ts';
import { parseSetting } from '../domain/settings.ts';
import type { StoreReader } from '../storage/types.ts';
import { requireAdmin, transact, type ActionContext } from './context.ts';

export type OnConflict = 'skip' | 'update' | 'fail';
export const ON_CONFLICT: readonly OnConflict[] = ['skip', 'update', 'fail'];

export interface ImportOptions {
  readonly onConflict: OnConflict;
}

/** Progress of a long import: `verify` then `import`, in messages. */
export type ImportProgress = (phase: 'verify' | 'import', done: number, total: number) => void;

export interface ImportTally {
  created: number;
  updated: number;
  skipped: number;
}

export interface ImportResult {
  readonly level: Level;
  readonly onConflict: OnConflict;
  readonly users: ImportTally;
  readonly groups: ImportTally;
  readonly policies: ImportTally;
  readonly settings: ImportTally;
  readonly categories: ImportTally;
  readonly addins: ImportTally;
  readonly rooms: ImportTally;
  /** Messages added, and those already present (sequence number not above the room's last). */
  readonly messages: { added: number; present: number };
}

const lower = (s: string) => s.toLowerCase();

/** Runs a domain check at a place in the archive, keeping its code and naming the place. */
function at<T>(where: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof StoaError) fail(error.code, `${where}: ${error.message}`, error.details);
    throw error;
  }
}

interface Loaded {
  readonly level: Level;
  readonly users: UserRecord[];
  readonly groups: GroupRecord[];
  readonly policies: PolicyRecord[];
  readonly settings: SettingRecord[];
  readonly categories: CategoryRecord[];
  readonly addins: AddinRecord[];
  readonly rooms: RoomRecord[];
  /** Messages in the archive, for progress. */
  readonly messageCount: number;
}

async function readSection<S extends Section>(
  archive: ArchiveReader,
  section: S,
): Promise<SectionRecords[S][]> {
  const name = sectionEntry(section);
  const out: SectionRecords[S][] = [];
  if (!archive.entry(name)) return out;
  for await (const { line, value } of archive.records(name)) {
    const problem = sectionChecker[section].problem(value);
    if (problem !== undefined)
      fail('archive_invalid', `${name} line ${line}: ${problem}`, { entry: name, line });
    out.push(value as SectionRecords[S]);
  }
  return out;
}

function unique<T>(entry: string, records: readonly T[], key: (r: T) => string): void {
  const seen = new Set<string>();
  records.forEach((r, i) => {
    const k = lower(key(r));
    if (seen.has(k)) fail('archive_invalid', `${entry} line ${i + 1}: ${key(r)} appears twice`, { entry });
    seen.add(k);
  });
}

/** Pass 1: everything checked against the archive and this server; nothing changed. */
async function verify(
  read: StoreReader,
  archive: ArchiveReader,
  options: ImportOptions,
  progress?: ImportProgress,
): Promise<Loaded> {
  const level = archive.manifest.level;
  const expected = sectionsOf(level);
  for (const section of expected)
    if (!archive.entry(sectionEntry(section)))
      fail('archive_invalid', `level ${level} needs ${sectionEntry(section)}, which is missing`);
  const loaded: Loaded = {
    level,
    users: await readSection(archive, 'users'),
    groups: await readSection(archive, 'groups'),
    policies: await readSection(archive, 'policies'),
    settings: await readSection(archive, 'settings'),
    categories: await readSection(archive, 'categories'),
    addins: await readSection(archive, 'addins'),
    rooms: await readSection(archive, 'rooms'),
    messageCount: archive.manifest.entries
      .filter((e) => e.name.startsWith('messages/'))
      .reduce((n, e) => n + e.records, 0),
  };

  // Names and values.
  loaded.users.forEach((u, i) => at(`users.jsonl line ${i + 1}`, () => checkUsername(u.username)));
  loaded.groups.forEach((g, i) => at(`groups.jsonl line ${i + 1}`, () => checkName('group', g.name)));
  loaded.policies.forEach((p, i) =>
    at(`policies.jsonl line ${i + 1}`, () => checkName('policy', p.name, 64)),
  );
  loaded.settings.forEach((s, i) => at(`settings.jsonl line ${i + 1}`, () => parseSetting(s.name, s.value)));
  loaded.categories.forEach((c, i) =>
    at(
      `categories.jsonl line ${i + 1}`,
      () => (checkName('category', c.name), checkDescription(c.description)),
    ),
  );
  loaded.addins.forEach((a, i) => at(`addins.jsonl line ${i + 1}`, () => checkName('add-in', a.name, 50)));
  loaded.rooms.forEach((r, i) =>
    at(`rooms.jsonl line ${i + 1}`, () => (checkName('room', r.name), checkDescription(r.description))),
  );
  unique('users.jsonl', loaded.users, (u) => u.username);
  unique('users.jsonl', loaded.users, (u) => u.sipUri);
  unique('groups.jsonl', loaded.groups, (g) => g.name);
  unique('policies.jsonl', loaded.policies, (p) => p.name);
  unique('settings.jsonl', loaded.settings, (s) => s.name);
  unique('categories.jsonl', loaded.categories, (c) => c.name);
  unique('addins.jsonl', loaded.addins, (a) => a.name);
  unique('rooms.jsonl', loaded.rooms, (r) => r.name);

  // References: in the archive, or already here.
  const names = (xs: readonly { name: string }[]) => new Set(xs.map((x) => lower(x.name)));
  const archived = {
    users: new Set(loaded.users.map((u) => lower(u.username))),
    groups: names(loaded.groups),
    categories: names(loaded.categories),
    addins: names(loaded.addins),
  };
  const known = new Map<string, boolean>();
  const exists = async (kind: string, name: string, look: () => Promise<unknown>) => {
    const key = `${kind}:${lower(name)}`;
    let found = known.get(key);
    if (found === undefined) known.set(key, (found = (await look()) !== undefined));
    return found;
  };
  const userKnown = (n: string) => archived.users.has(lower(n)) || exists('user', n, () => read.findUser(n));
  const principalKnown = async (p: string) => {
    const name = p.slice(p.indexOf(':') + 1);
    if (p.startsWith('user:')) return userKnown(name);
    if (p.startsWith('group:'))
      return archived.groups.has(lower(name)) || exists('group', name, () => read.findGroup(name));
    return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(name);
  };
  const checkPrincipals = async (where: string, list: readonly string[]) => {
    for (const p of list)
      if (!(await principalKnown(p)))
        fail('archive_invalid', `${where}: ${p} is neither in the archive nor on this server`, {
          principal: p,
        });
  };
  for (const g of loaded.groups) await checkPrincipals(`group ${g.name}`, g.members);
  for (const p of loaded.policies) {
    await checkPrincipals(`policy ${p.name}`, p.grantedTo);
    if (p.grantedTo.some((x) => x.startsWith('domain:')))
      fail('archive_invalid', `policy ${p.name}: policies are granted to users or groups`);
  }
  for (const c of loaded.categories)
    await checkPrincipals(`category ${c.name}`, [...c.allowed, ...c.denied, ...c.creators]);
  const messageEntries = new Set<string>();
  for (const r of loaded.rooms) {
    await checkPrincipals(`room ${r.name}`, [...r.members, ...r.managers, ...r.presenters]);
    if (
      !archived.categories.has(lower(r.category)) &&
      !(await exists('category', r.category, () => read.findCategory(r.category)))
    )
      fail(
        'archive_invalid',
        `room ${r.name}: category ${r.category} is neither in the archive nor on this server`,
      );
    if (
      r.addin !== null &&
      !archived.addins.has(lower(r.addin)) &&
      !(await exists('addin', r.addin, () => read.getAddin(r.addin ?? '')))
    )
      fail(
        'archive_invalid',
        `room ${r.name}: add-in ${r.addin} is neither in the archive nor on this server`,
      );
    if (r.createdBy !== null && !(await userKnown(r.createdBy)))
      fail(
        'archive_invalid',
        `room ${r.name}: creator ${r.createdBy} is neither in the archive nor on this server`,
      );
    if (r.messages !== undefined) {
      if (!archive.entry(r.messages) || messageEntries.has(r.messages))
        fail('archive_invalid', `room ${r.name}: messages entry ${r.messages} is missing or shared`);
      messageEntries.add(r.messages);
    } else if (hasContent(level)) fail('archive_invalid', `room ${r.name} has no messages entry`);
  }
  for (const e of archive.manifest.entries)
    if (e.name.startsWith('messages/') && !messageEntries.has(e.name))
      fail('archive_invalid', `entry ${e.name} belongs to no room`);

  // Conflicts, when asked to refuse them; a SIP address taken by someone else always conflicts.
  if (options.onConflict === 'fail') await refuseExisting(read, loaded);
  for (const u of loaded.users) {
    const bySip = await read.findUser(u.sipUri);
    if (bySip && lower(bySip.username) !== lower(u.username))
      fail('name_taken', `user ${u.username}: SIP address ${u.sipUri} belongs to ${bySip.username} here`);
  }

  // Messages: shape, order, authors. Streamed.
  let checked = 0;
  for (const r of loaded.rooms) {
    if (r.messages === undefined) continue;
    let last = 0;
    for await (const { line, value } of archive.records(r.messages)) {
      const where = `${r.messages} line ${line}`;
      const problem = messageChecker.problem(value);
      if (problem !== undefined) fail('archive_invalid', `${where}: ${problem}`, { entry: r.messages, line });
      const m = value as MessageRecord;
      if (m.seq <= last || m.seq > r.lastSeq)
        fail(
          'archive_invalid',
          `${where}: sequence number ${m.seq} out of order or above the room's ${r.lastSeq}`,
        );
      last = m.seq;
      if (!(await userKnown(m.author)))
        fail('archive_invalid', `${where}: author ${m.author} is neither in the archive nor on this server`);
      if (++checked % 10_000 === 0) progress?.('verify', checked, loaded.messageCount);
    }
  }
  progress?.('verify', checked, loaded.messageCount);
  return loaded;
}

async function refuseExisting(read: StoreReader, loaded: Loaded): Promise<void> {
  const taken = (what: string, name: string): never =>
    fail('name_taken', `${what} ${name} exists on this server (--on-conflict skip or update to merge)`);
  for (const u of loaded.users) if (await read.findUser(u.username)) taken('user', u.username);
  for (const g of loaded.groups) if (await read.findGroup(g.name)) taken('group', g.name);
  const policies = new Set((await read.listPolicies()).map((p) => lower(p.name)));
  for (const p of loaded.policies)
    if (policies.has(lower(p.name)) && p.id !== GLOBAL_POLICY_ID) taken('policy', p.name);
  for (const c of loaded.categories) if (await read.findCategory(c.name)) taken('category', c.name);
  for (const a of loaded.addins) if (await read.getAddin(a.name)) taken('add-in', a.name);
  for (const r of loaded.rooms) if (await read.findRoom(r.name)) taken('room', r.name);
}

const tally = (): ImportTally => ({ created: 0, updated: 0, skipped: 0 });

/** Pass 2: one transaction. */
async function apply(
  ctx: ActionContext,
  actor: Actor,
  archive: ArchiveReader,
  loaded: Loaded,
  options: ImportOptions,
  progress?: ImportProgress,
): Promise<ImportResult> {
  const update = options.onConflict === 'update';
  return transact(ctx, async (tx, emit) => {
    const now = ctx.clock();
    const result: ImportResult = {
      level: loaded.level,
      onConflict: options.onConflict,
      users: tally(),
      groups: tally(),
      policies: tally(),
      settings: tally(),
      categories: tally(),
      addins: tally(),
      rooms: tally(),
      messages: { added: 0, present: 0 },
    };
    const audit = (
      action: 'import.create' | 'import.update',
      target: string,
      details: Record<string, unknown>,
    ) => tx.recordAudit({ at: now, actor, action, target, details });
    /** An archive id kept when free here, else a new one. */
    const freeId = async (id: string, taken: (id: string) => Promise<unknown>) =>
      (await taken(id)) === undefined ? id : ctx.newId();
    const events: BusEvent[] = [];
    let directoryChanged = false;

    // Users.
    const createdPrincipals = new Set<string>();
    for (const u of loaded.users) {
      const existing = await tx.findUser(u.username);
      const fields = {
        displayName: u.displayName,
        email: u.email,
        sipUri: u.sipUri,
        isAdmin: u.isAdmin,
        disabled: u.disabled,
      };
      if (!existing) {
        const id = await freeId(u.id, (x) => tx.getUser(x));
        await tx.insertUser(
          { id, username: u.username, createdAt: u.createdAt, ...fields },
          u.passwordHash ?? null,
        );
        await audit('import.create', `user:${id}`, { username: u.username });
        createdPrincipals.add(`user:${lower(u.username)}`);
        result.users.created++;
      } else if (update) {
        await tx.updateUser(existing.id, fields);
        if (u.passwordHash !== undefined) await tx.setPasswordHash(existing.id, u.passwordHash);
        if (u.disabled && !existing.disabled) await tx.deleteSessionsOfUser(existing.id);
        await audit('import.update', `user:${existing.id}`, { username: u.username });
        result.users.updated++;
      } else result.users.skipped++;
    }
    directoryChanged ||= result.users.created + result.users.updated > 0;

    // Principal names → references on this server (after users, while groups are made).
    const userIds = new Map<string, string>();
    for (const u of await tx.listUsers()) userIds.set(lower(u.username), u.id);
    const groupIds = new Map<string, string>();
    for (const g of await tx.listGroups()) groupIds.set(lower(g.name), g.id);
    const ref = (p: string): PrincipalRef => {
      const name = p.slice(p.indexOf(':') + 1);
      if (p.startsWith('domain:')) return domainRef(lower(name));
      const id = (p.startsWith('user:') ? userIds : groupIds).get(lower(name));
      if (id === undefined) return fail('internal', `unresolved principal ${p}`);
      return p.startsWith('user:') ? userRef(id) : groupRef(id);
    };
    const refs = (list: readonly string[]) => [...new Set(list.map(ref))].sort();

    // Groups: all of them first, then their members (groups may contain groups).
    const groupsToFill: GroupRecord[] = [];
    for (const g of loaded.groups) {
      const existing = groupIds.get(lower(g.name));
      if (existing === undefined) {
        const id = await freeId(g.id, (x) => tx.getGroup(x));
        await tx.insertGroup({ id, name: g.name, description: g.description, createdAt: g.createdAt });
        groupIds.set(lower(g.name), id);
        await audit('import.create', `group:${id}`, { name: g.name });
        createdPrincipals.add(`group:${lower(g.name)}`);
        groupsToFill.push(g);
        result.groups.created++;
      } else if (update) {
        await audit('import.update', `group:${existing}`, { name: g.name });
        groupsToFill.push(g);
        result.groups.updated++;
      } else result.groups.skipped++;
    }
    if (groupsToFill.length > 0) {
      const edges = await tx.groupEdges();
      for (const g of groupsToFill) {
        const id = groupIds.get(lower(g.name)) ?? '';
        const current = edges.filter((e) => e.groupId === id).map((e) => e.member);
        if (current.length > 0) await tx.removeGroupMembers(id, current);
        await tx.addGroupMembers(id, refs(g.members));
      }
      directoryChanged = true;
    }

    // Policies and their grants.
    const policies = new Map((await tx.listPolicies()).map((p) => [lower(p.name), p]));
    for (const p of loaded.policies) {
      const existing = policies.get(lower(p.name));
      let policyId: string;
      if (!existing) {
        policyId = await freeId(p.id, async (x) => (await tx.listPolicies()).find((q) => q.id === x));
        await tx.upsertPolicy({
          id: policyId,
          name: p.name,
          description: p.description,
          chatEnabled: p.chatEnabled,
        });
        await audit('import.create', `policy:${p.name}`, { chatEnabled: p.chatEnabled });
        result.policies.created++;
      } else if (update) {
        policyId = existing.id;
        await tx.upsertPolicy({ ...existing, description: p.description, chatEnabled: p.chatEnabled });
        await audit('import.update', `policy:${p.name}`, { chatEnabled: p.chatEnabled });
        result.policies.updated++;
      } else {
        policyId = existing.id;
        result.policies.skipped++;
      }
      if (policyId === GLOBAL_POLICY_ID) continue;
      for (const grantee of p.grantedTo)
        if (update || !existing || createdPrincipals.has(lower(grantee)))
          await tx.assignPolicy(ref(grantee), policyId);
    }
    directoryChanged ||= result.policies.created + result.policies.updated > 0;

    // Settings: kept as they are here unless updating (or not set here at all).
    const stored = await tx.getSettings();
    for (const s of loaded.settings) {
      if (stored[s.name] === s.value) result.settings.skipped++;
      else if (stored[s.name] !== undefined && !update) result.settings.skipped++;
      else {
        await tx.setSetting(s.name, s.value);
        await audit(stored[s.name] === undefined ? 'import.create' : 'import.update', `setting:${s.name}`, {
          value: s.value,
        });
        result.settings[stored[s.name] === undefined ? 'created' : 'updated']++;
      }
    }
    if (result.settings.created + result.settings.updated > 0) events.push({ kind: 'settings.changed' });

    // Categories.
    const categoryIds = new Map<string, string>();
    for (const c of await tx.listCategories()) categoryIds.set(lower(c.name), c.id);
    for (const c of loaded.categories) {
      const existing = categoryIds.get(lower(c.name));
      const lists = { allowed: refs(c.allowed), denied: refs(c.denied), creators: refs(c.creators) };
      const fields = {
        description: c.description,
        invitations: c.invitations,
        fileUpload: c.fileUpload,
        chatHistory: c.chatHistory,
      };
      if (existing === undefined) {
        const id = await freeId(c.id, (x) => tx.getCategory(x));
        await tx.insertCategory({
          id,
          name: c.name,
          createdAt: c.createdAt,
          updatedAt: c.updatedAt,
          ...fields,
          ...lists,
        });
        categoryIds.set(lower(c.name), id);
        await audit('import.create', `category:${id}`, { name: c.name });
        events.push({ kind: 'category.changed', categoryId: id });
        result.categories.created++;
      } else if (update) {
        await tx.updateCategory(existing, { ...fields, updatedAt: c.updatedAt });
        await tx.setCategoryList(existing, 'allowed', lists.allowed);
        await tx.setCategoryList(existing, 'denied', lists.denied);
        await tx.setCategoryList(existing, 'creator', lists.creators);
        await audit('import.update', `category:${existing}`, { name: c.name });
        events.push({ kind: 'category.changed', categoryId: existing });
        result.categories.updated++;
      } else result.categories.skipped++;
    }

    // Add-ins.
    const addinIds = new Map<string, string>();
    for (const a of await tx.listAddins()) addinIds.set(lower(a.name), a.id);
    for (const a of loaded.addins) {
      const existing = addinIds.get(lower(a.name));
      if (existing === undefined) {
        const id = await freeId(a.id, (x) => tx.getAddin(x));
        await tx.insertAddin({ id, name: a.name, url: a.url });
        addinIds.set(lower(a.name), id);
        await audit('import.create', `addin:${id}`, { name: a.name });
        result.addins.created++;
      } else if (update) {
        await tx.updateAddin(existing, { url: a.url });
        await audit('import.update', `addin:${existing}`, { name: a.name });
        result.addins.updated++;
      } else result.addins.skipped++;
    }

    // Rooms, then their messages.
    const target = (map: Map<string, string>, name: string) =>
      map.get(lower(name)) ?? fail('internal', `unresolved ${name}`);
    let added = 0;
    for (const r of loaded.rooms) {
      const existing = await tx.findRoom(r.name);
      const fields = {
        description: r.description,
        categoryId: target(categoryIds, r.category),
        privacy: r.privacy,
        type: r.type,
        invitations: r.invitations,
        addinId: r.addin === null ? null : target(addinIds, r.addin),
        disabled: r.disabled,
      };
      const roles = { members: refs(r.members), managers: refs(r.managers), presenters: refs(r.presenters) };
      let roomId: string;
      let floor: number;
      if (!existing) {
        roomId = await freeId(r.id, (x) => tx.getRoom(x));
        floor = 0;
        await tx.insertRoom({
          id: roomId,
          name: r.name,
          lastSeq: r.lastSeq,
          createdBy: r.createdBy === null ? '' : target(userIds, r.createdBy),
          createdAt: r.createdAt,
          updatedAt: r.updatedAt,
          ...fields,
          ...roles,
        });
        await audit('import.create', `room:${roomId}`, { name: r.name });
        result.rooms.created++;
      } else {
        roomId = existing.id;
        floor = existing.lastSeq;
        if (update) {
          await tx.updateRoom(roomId, { ...fields, updatedAt: r.updatedAt });
          await tx.setRoomRole(roomId, 'member', roles.members);
          await tx.setRoomRole(roomId, 'manager', roles.managers);
          await tx.setRoomRole(roomId, 'presenter', roles.presenters);
          await audit('import.update', `room:${roomId}`, { name: r.name });
          if (r.disabled && !existing.disabled) events.push({ kind: 'room.disabled', roomId });
          result.rooms.updated++;
        } else result.rooms.skipped++;
        if (r.lastSeq > floor)
          await tx.updateRoom(roomId, { lastSeq: r.lastSeq, updatedAt: existing.updatedAt });
      }
      if (r.messages !== undefined) {
        let roomAdded = 0;
        for await (const { value } of archive.records(r.messages)) {
          const m = value as MessageRecord;
          if (m.seq <= floor) {
            result.messages.present++;
            continue;
          }
          await tx.insertMessage({
            roomId,
            seq: m.seq,
            authorId: target(userIds, m.author),
            at: m.at,
            clientMsgId: m.clientMsgId ?? null,
            kept: true,
            text: m.text,
            alert: m.alert === true,
            storyTitle: m.storyTitle ?? null,
            rtf: m.rtf ?? null,
            ...(m.file ? { file: m.file } : {}),
          });
          roomAdded++;
          if (++added % 10_000 === 0) progress?.('import', added, loaded.messageCount);
        }
        if (roomAdded > 0) await audit('import.create', `room:${roomId}`, { messages: roomAdded });
        result.messages.added += roomAdded;
      }
      if (!existing || update || r.lastSeq > floor)
        events.push({ kind: 'room.changed', roomId, access: true });
    }
    progress?.('import', added, loaded.messageCount);

    await tx.recordAudit({
      at: now,
      actor,
      action: 'import',
      target: `archive:${archive.manifest.level}`,
      details: { ...result, createdAt: archive.manifest.createdAt },
    });
    if (directoryChanged) emit({ kind: 'directory.changed' });
    for (const e of events) emit(e);
    return result;
  });
}

/** Verifies the archive in `file`, then restores it in one transaction. */
export async function doImportArchive(
  ctx: ActionContext,
  actor: Actor,
  file: string,
  options: ImportOptions,
  progress?: ImportProgress,
): Promise<ImportResult> {
  await requireAdmin(ctx, actor);
  if (!ON_CONFLICT.includes(options.onConflict))
    fail('validation_failed', `on-conflict must be ${ON_CONFLICT.join(', ')}`);
  const archive = await ArchiveReader.open(file);
  try {
    const loaded = await verify(ctx.store.read, archive, options, progress);
    return await apply(ctx, actor, archive, loaded, options, progress);
  } finally {
    archive.close();
  }
}
