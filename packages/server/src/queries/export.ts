/**
 * Export (spec §6.2): writes an archive (docs/export-format.md) of one level, optionally limited to
 * some categories and, for content, to messages from a start date. Administrators only. Streamed:
 * messages are read a page at a time from the store and written out as they come, so memory stays
 * bounded whatever the size of the history. Each room is cut at its last sequence number when the
 * export starts; messages posted meanwhile are not included.
 */
import type { Writable } from 'node:stream';
import { requireAdmin, type ActionContext } from '../actions/context.ts';
import { ArchiveWriter } from '../archive/zip.ts';
import {
  emptyCounts,
  hasContent,
  messagesEntry,
  sectionEntry,
  sectionsOf,
  type ArchiveCounts,
  type Level,
  type Manifest,
  type MessageRecord,
  type RoomRecord,
  type Section,
  type SectionRecords,
} from '../archive/format.ts';
import { fail } from '../domain/errors.ts';
import type { Actor, Message, Room } from '../domain/model.ts';
import type { PrincipalRef } from '../domain/principals.ts';
import type { StoreReader } from '../storage/types.ts';

export interface ExportOptions {
  readonly level: Level;
  /** Category names or ids; all when absent. */
  readonly categories?: readonly string[];
  /** Only messages posted at or after this time (epoch ms); levels with content only. */
  readonly startDate?: number;
  /** Include users' password hashes (one-way hashes; off by default). */
  readonly passwordHashes?: boolean;
  /** Written to the manifest. */
  readonly server: string;
}

export interface ExportProgress {
  (done: number, total: number): void;
}

export interface ExportResult {
  readonly manifest: Manifest;
  /** The rooms exported (for --disable). */
  readonly roomIds: readonly string[];
}

/** Messages read per store query. */
const PAGE = 2000;

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** What an export will contain, checked before anything is written. */
export interface ExportPlan {
  readonly options: ExportOptions;
  readonly rooms: readonly Room[];
  readonly categoryIds: ReadonlySet<string> | undefined;
}

/** Checks the caller and the options, resolves the categories: refusals happen before any byte is written. */
export async function planExport(
  ctx: ActionContext,
  actor: Actor,
  options: ExportOptions,
): Promise<ExportPlan> {
  await requireAdmin(ctx, actor);
  if (options.startDate !== undefined && !hasContent(options.level))
    fail(
      'validation_failed',
      `a start date filters content: use it with level Content or All, not ${options.level}`,
    );
  let categoryIds: Set<string> | undefined;
  if (options.categories !== undefined) {
    categoryIds = new Set();
    for (const name of options.categories) {
      const c = (await ctx.store.read.getCategory(name)) ?? (await ctx.store.read.findCategory(name));
      if (!c) fail('not_found', `category not found: ${name}`);
      categoryIds.add(c.id);
    }
  }
  const rooms = sectionsOf(options.level).includes('rooms')
    ? (await ctx.store.read.listRooms({ includeDisabled: true }))
        .filter((r) => categoryIds === undefined || categoryIds.has(r.categoryId))
        .sort(byName)
    : [];
  return { options, rooms, categoryIds };
}

/** Names for ids: principal references, users, categories and add-ins as the archive writes them. */
async function namesOf(read: StoreReader) {
  const [users, groups, categories, addins] = await Promise.all([
    read.listUsers(),
    read.listGroups(),
    read.listCategories(),
    read.listAddins(),
  ]);
  const userNames = new Map(users.map((u) => [u.id, u.username]));
  const groupNames = new Map(groups.map((g) => [g.id, g.name]));
  // A reference to a group deleted since (its entries in lists stay behind) means nothing: left out.
  const principal = (ref: PrincipalRef): string | undefined => {
    const id = ref.slice(2);
    if (ref.startsWith('u:')) return userNames.has(id) ? `user:${userNames.get(id) ?? ''}` : undefined;
    if (ref.startsWith('g:')) return groupNames.has(id) ? `group:${groupNames.get(id) ?? ''}` : undefined;
    return `domain:${id}`;
  };
  return {
    principals: (refs: readonly PrincipalRef[]) =>
      refs
        .map(principal)
        .filter((p): p is string => p !== undefined)
        .sort(),
    user: (id: string) => userNames.get(id) ?? id,
    category: new Map(categories.map((c) => [c.id, c.name])),
    addin: new Map(addins.map((a) => [a.id, a.name])),
  };
}

type Names = Awaited<ReturnType<typeof namesOf>>;

async function sectionRecords<S extends Section>(
  read: StoreReader,
  section: S,
  plan: ExportPlan,
  names: Names,
): Promise<SectionRecords[S][]> {
  const records = await sectionRecordsOf(read, section, plan, names);
  return records as SectionRecords[S][];
}

async function sectionRecordsOf(
  read: StoreReader,
  section: Section,
  plan: ExportPlan,
  names: Names,
): Promise<SectionRecords[Section][]> {
  switch (section) {
    case 'users': {
      const users = (await read.listUsers()).sort((a, b) => (a.username < b.username ? -1 : 1));
      const out: SectionRecords['users'][] = [];
      for (const u of users) {
        const hash = plan.options.passwordHashes === true ? await read.getPasswordHash(u.id) : null;
        out.push({ ...u, ...(hash !== null ? { passwordHash: hash } : {}) });
      }
      return out;
    }
    case 'groups': {
      const edges = await read.groupEdges();
      return (await read.listGroups()).sort(byName).map((g) => ({
        ...g,
        members: names.principals(edges.filter((e) => e.groupId === g.id).map((e) => e.member)),
      }));
    }
    case 'policies': {
      const grants = await read.policyAssignments();
      return (await read.listPolicies()).sort(byName).map((p) => ({
        ...p,
        grantedTo: names.principals(grants.filter((a) => a.policyId === p.id).map((a) => a.principal)),
      }));
    }
    case 'settings':
      return Object.entries(await read.getSettings())
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, value]) => ({ name, value }));
    case 'categories':
      return (await read.listCategories())
        .filter((c) => plan.categoryIds === undefined || plan.categoryIds.has(c.id))
        .sort(byName)
        .map((c) => ({
          ...c,
          allowed: names.principals(c.allowed),
          denied: names.principals(c.denied),
          creators: names.principals(c.creators),
        }));
    case 'addins': {
      // With a category filter, only the add-ins its rooms use.
      const used = new Set(plan.rooms.map((r) => r.addinId));
      return (await read.listAddins())
        .filter((a) => plan.categoryIds === undefined || used.has(a.id))
        .sort(byName)
        .map((a) => ({ ...a }));
    }
    case 'rooms':
      return plan.rooms.map((r, i) => roomRecord(r, i, plan, names));
  }
}

function roomRecord(r: Room, index: number, plan: ExportPlan, names: Names): RoomRecord {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    category: names.category.get(r.categoryId) ?? r.categoryId,
    privacy: r.privacy,
    type: r.type,
    invitations: r.invitations,
    addin: r.addinId === null ? null : (names.addin.get(r.addinId) ?? r.addinId),
    disabled: r.disabled,
    lastSeq: r.lastSeq,
    members: names.principals(r.members),
    managers: names.principals(r.managers),
    presenters: names.principals(r.presenters),
    createdBy: r.createdBy === '' ? null : names.user(r.createdBy),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    ...(hasContent(plan.options.level) ? { messages: messagesEntry(index) } : {}),
  };
}

export function messageRecord(m: Message, author: string): MessageRecord {
  return {
    seq: m.seq,
    at: m.at,
    author,
    text: m.text,
    ...(m.clientMsgId !== null ? { clientMsgId: m.clientMsgId } : {}),
    ...(m.alert ? { alert: true as const } : {}),
    ...(m.storyTitle !== null ? { storyTitle: m.storyTitle } : {}),
    ...(m.rtf !== null ? { rtf: m.rtf } : {}),
    ...(m.file
      ? { file: { id: m.file.id, name: m.file.name, size: m.file.size, contentType: m.file.contentType } }
      : {}),
  };
}

/** A room's kept messages up to `lastSeq`, from `since`, a page at a time, oldest first. */
async function* roomMessages(
  read: StoreReader,
  room: Room,
  since: number | undefined,
  names: Names,
  onPage: (n: number) => void,
): AsyncGenerator<MessageRecord[]> {
  let after = 0;
  while (after < room.lastSeq) {
    const page = await read.history(room.id, {
      afterSeq: after,
      beforeSeq: room.lastSeq + 1,
      ...(since !== undefined ? { since } : {}),
      limit: PAGE,
    });
    if (page.length === 0) return;
    after = page[page.length - 1]?.seq ?? room.lastSeq;
    onPage(page.length);
    yield page.map((m) => messageRecord(m, names.user(m.authorId)));
  }
}

async function* once<T>(records: T[]): AsyncGenerator<T[]> {
  await Promise.resolve();
  yield records;
}

/** Writes the archive of a plan to `out`; fails (leaving `out` broken, never complete) on any error. */
export async function writeExport(
  ctx: ActionContext,
  plan: ExportPlan,
  out: Writable,
  progress?: ExportProgress,
): Promise<ExportResult> {
  const read = ctx.store.read;
  const started = new Date(ctx.clock());
  const writer = new ArchiveWriter(out, started);
  try {
    const names = await namesOf(read);
    const counts: ArchiveCounts = emptyCounts();
    for (const section of sectionsOf(plan.options.level)) {
      const records = await sectionRecords(read, section, plan, names);
      counts[section] = records.length;
      await writer.add(sectionEntry(section), once<unknown>(records));
    }
    if (hasContent(plan.options.level)) {
      // The total is an upper bound (sequence numbers, not kept messages): enough for progress.
      const total = plan.rooms.reduce((n, r) => n + r.lastSeq, 0);
      let done = 0;
      for (const [i, room] of plan.rooms.entries()) {
        const entry = await writer.add(
          messagesEntry(i),
          roomMessages(read, room, plan.options.startDate, names, (n) => progress?.((done += n), total)),
        );
        counts.messages += entry.records;
      }
      progress?.(total, total);
    }
    const manifest = await writer.finish({
      createdAt: started.toISOString(),
      server: plan.options.server,
      level: plan.options.level,
      categories:
        plan.options.categories === undefined
          ? null
          : [...(plan.categoryIds ?? [])].map((id) => names.category.get(id) ?? id).sort(),
      startDate: plan.options.startDate === undefined ? null : new Date(plan.options.startDate).toISOString(),
      passwordHashes: plan.options.passwordHashes === true,
      counts: { ...counts },
    });
    return { manifest, roomIds: plan.rooms.map((r) => r.id) };
  } catch (error) {
    writer.abort(error);
    throw error;
  }
}
