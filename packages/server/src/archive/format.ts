/**
 * The export archive (docs/export-format.md): a ZIP of JSON Lines sections and a manifest. This
 * module is the format alone: levels, sections, the shape of every record and of the manifest.
 * Records name what they refer to by its natural key (user name, group name, category name, …),
 * never by a server's internal id, so an archive can be restored into another server.
 */
import Type, { type Static, type TSchema } from 'typebox';
import Compile from 'typebox/compile';

export const ARCHIVE_FORMAT = 'stoa-export';
export const ARCHIVE_VERSION = 1;
export const MANIFEST = 'manifest.json';

/** Export levels (spec §6.2). Each includes what it needs to be restored on an empty server. */
export const LEVELS = ['All', 'User', 'Category', 'RoomDirectory', 'Content'] as const;
export type Level = (typeof LEVELS)[number];

export type Section = 'users' | 'groups' | 'policies' | 'settings' | 'categories' | 'addins' | 'rooms';

/** Sections of each level, in the order they are written and restored; messages follow rooms. */
const CHAIN: readonly Section[][] = [
  ['users', 'groups', 'policies'],
  ['categories'],
  ['addins', 'rooms'],
  [],
  ['settings'],
];
const DEPTH: Record<Level, number> = { User: 1, Category: 2, RoomDirectory: 3, Content: 4, All: 5 };

export function sectionsOf(level: Level): Section[] {
  const order: Section[] = ['users', 'groups', 'policies', 'settings', 'categories', 'addins', 'rooms'];
  const included = new Set(CHAIN.slice(0, DEPTH[level]).flat());
  return order.filter((s) => included.has(s));
}

export const hasContent = (level: Level): boolean => DEPTH[level] >= DEPTH.Content;

export const isLevel = (value: string): value is Level => (LEVELS as readonly string[]).includes(value);

/** The entry holding a section, and the entry of one room's messages (by its position in rooms). */
export const sectionEntry = (section: Section): string => `${section}.jsonl`;
export const messagesEntry = (roomIndex: number): string =>
  `messages/${String(roomIndex + 1).padStart(6, '0')}.jsonl`;

// ---- records

const Text = (max = 65_536) => Type.String({ maxLength: max });
const Time = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });
/** `user:NAME`, `group:NAME` or `domain:NAME`. */
const Principal = Type.String({ pattern: '^(user|group|domain):.+$', maxLength: 1024 });
const Principals = Type.Array(Principal, { maxItems: 1_000_000 });

export const UserRecord = Type.Object(
  {
    id: Text(128),
    username: Text(64),
    displayName: Text(),
    email: Type.Union([Text(), Type.Null()]),
    sipUri: Text(1024),
    isAdmin: Type.Boolean(),
    disabled: Type.Boolean(),
    createdAt: Time,
    /** Only in archives exported with --password-hashes (a one-way hash, never the password). */
    passwordHash: Type.Optional(Text(1024)),
  },
  { additionalProperties: false },
);

export const GroupRecord = Type.Object(
  { id: Text(128), name: Text(256), description: Text(), createdAt: Time, members: Principals },
  { additionalProperties: false },
);

export const PolicyRecord = Type.Object(
  {
    id: Text(128),
    name: Text(256),
    description: Text(),
    chatEnabled: Type.Boolean(),
    /** Users and groups this policy is granted to. */
    grantedTo: Principals,
  },
  { additionalProperties: false },
);

export const SettingRecord = Type.Object({ name: Text(256), value: Text() }, { additionalProperties: false });

export const CategoryRecord = Type.Object(
  {
    id: Text(128),
    name: Text(1024),
    description: Text(),
    invitations: Type.Boolean(),
    fileUpload: Type.Boolean(),
    chatHistory: Type.Boolean(),
    allowed: Principals,
    denied: Principals,
    creators: Principals,
    createdAt: Time,
    updatedAt: Time,
  },
  { additionalProperties: false },
);

export const AddinRecord = Type.Object(
  { id: Text(128), name: Text(256), url: Text(4096) },
  { additionalProperties: false },
);

export const RoomRecord = Type.Object(
  {
    id: Text(128),
    name: Text(1024),
    description: Text(),
    category: Text(1024),
    privacy: Type.Union([Type.Literal('open'), Type.Literal('closed'), Type.Literal('secret')]),
    type: Type.Union([Type.Literal('normal'), Type.Literal('auditorium')]),
    invitations: Type.Union([Type.Literal('inherit'), Type.Literal('false')]),
    addin: Type.Union([Text(256), Type.Null()]),
    disabled: Type.Boolean(),
    /** The room's last sequence number when it was exported (messages never go above it). */
    lastSeq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    members: Principals,
    managers: Principals,
    presenters: Principals,
    /** User name of the creator; null when created by the command line. */
    createdBy: Type.Union([Text(64), Type.Null()]),
    createdAt: Time,
    updatedAt: Time,
    /** The entry holding its messages (levels with content). */
    messages: Type.Optional(Text(64)),
  },
  { additionalProperties: false },
);

const FileRefRecord = Type.Object(
  {
    id: Text(128),
    name: Text(1024),
    size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    contentType: Text(256),
  },
  { additionalProperties: false },
);

/** One message; optional fields are left out when empty. */
export const MessageRecord = Type.Object(
  {
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    at: Time,
    author: Text(64),
    text: Text(16 * 1024 * 1024),
    clientMsgId: Type.Optional(Text(256)),
    alert: Type.Optional(Type.Literal(true)),
    storyTitle: Type.Optional(Text()),
    rtf: Type.Optional(Text(16 * 1024 * 1024)),
    file: Type.Optional(FileRefRecord),
  },
  { additionalProperties: false },
);

export type UserRecord = Static<typeof UserRecord>;
export type GroupRecord = Static<typeof GroupRecord>;
export type PolicyRecord = Static<typeof PolicyRecord>;
export type SettingRecord = Static<typeof SettingRecord>;
export type CategoryRecord = Static<typeof CategoryRecord>;
export type AddinRecord = Static<typeof AddinRecord>;
export type RoomRecord = Static<typeof RoomRecord>;
export type MessageRecord = Static<typeof MessageRecord>;

export interface SectionRecords {
  users: UserRecord;
  groups: GroupRecord;
  policies: PolicyRecord;
  settings: SettingRecord;
  categories: CategoryRecord;
  addins: AddinRecord;
  rooms: RoomRecord;
}

const SECTION_SCHEMAS: Record<Section, TSchema> = {
  users: UserRecord,
  groups: GroupRecord,
  policies: PolicyRecord,
  settings: SettingRecord,
  categories: CategoryRecord,
  addins: AddinRecord,
  rooms: RoomRecord,
};

export interface RecordChecker {
  /** Undefined when valid, else the first problem. */
  problem(value: unknown): string | undefined;
}

/** Compiled on first use: every `stoa` command loads this module, few of them read archives. */
function checker(schema: TSchema): RecordChecker {
  let compiled: ReturnType<typeof Compile> | undefined;
  return {
    problem(value) {
      compiled ??= Compile(schema);
      if (compiled.Check(value)) return undefined;
      const first = [...compiled.Errors(value)][0];
      return first ? `${first.instancePath || '/'} ${first.message}` : 'invalid record';
    },
  };
}

export const sectionChecker = Object.fromEntries(
  Object.entries(SECTION_SCHEMAS).map(([k, s]) => [k, checker(s)]),
) as Record<Section, RecordChecker>;
export const messageChecker = checker(MessageRecord);

// ---- manifest

export const ManifestEntry = Type.Object(
  {
    name: Text(256),
    records: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    bytes: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  },
  { additionalProperties: false },
);

export const Manifest = Type.Object(
  {
    format: Type.Literal(ARCHIVE_FORMAT),
    version: Type.Integer({ minimum: 1 }),
    createdAt: Text(64),
    server: Text(256),
    level: Type.Union([
      Type.Literal('All'),
      Type.Literal('User'),
      Type.Literal('Category'),
      Type.Literal('RoomDirectory'),
      Type.Literal('Content'),
    ]),
    categories: Type.Union([Type.Array(Text(1024), { maxItems: 100_000 }), Type.Null()]),
    startDate: Type.Union([Text(64), Type.Null()]),
    passwordHashes: Type.Boolean(),
    counts: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    entries: Type.Array(ManifestEntry, { maxItems: 10_000_000 }),
  },
  { additionalProperties: false },
);
export type ManifestEntry = Static<typeof ManifestEntry>;
export type Manifest = Static<typeof Manifest>;
export const manifestChecker = checker(Manifest);

/** The counts a manifest carries, by kind of record. */
export interface ArchiveCounts {
  users: number;
  groups: number;
  policies: number;
  settings: number;
  categories: number;
  addins: number;
  rooms: number;
  messages: number;
}

export const emptyCounts = (): ArchiveCounts => ({
  users: 0,
  groups: 0,
  policies: 0,
  settings: 0,
  categories: 0,
  addins: 0,
  rooms: 0,
  messages: 0,
});
