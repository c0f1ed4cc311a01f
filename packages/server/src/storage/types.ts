/**
 * The storage port. Domain-shaped: callers speak of rooms, roles and messages, never of SQL.
 * Every adapter (SQLite now, PostgreSQL later) implements it and passes storage/contract.ts.
 *
 * Reads outside a write see committed data only. All writes go through `write`, which runs the
 * work in one transaction; adapters may commit several concurrent `write` calls together (group
 * commit), but each one's effects are all-or-nothing and its promise settles only once durable.
 */
import type {
  Addin,
  FileRef,
  StoredFile,
  AuditEntry,
  Category,
  ComplianceKind,
  ComplianceRecord,
  Group,
  Message,
  Policy,
  Room,
  User,
} from '../domain/model.ts';
import type { PrincipalRef } from '../domain/principals.ts';
import type { AlertFilter, AlertMatch } from '../domain/alerts.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface SessionRecord {
  readonly tokenHash: string;
  readonly userId: string;
  readonly kind: 'session' | 'bot';
  readonly name: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
}

export interface HistoryWindow {
  /** Messages with seq strictly greater than this, oldest first. */
  readonly afterSeq?: number;
  /** Messages with seq strictly less than this, newest page, returned oldest first. */
  readonly beforeSeq?: number;
  /** Messages at or after this time (epoch ms). */
  readonly since?: number;
  /** Messages at or before this time (epoch ms). */
  readonly until?: number;
  readonly limit: number;
}

export interface RoomListFilter {
  readonly categoryId?: string;
  readonly includeDisabled?: boolean;
}

export interface NewMessage {
  readonly roomId: string;
  readonly seq: number;
  readonly authorId: string;
  readonly at: number;
  readonly clientMsgId: string | null;
  readonly kept: boolean;
  readonly text: string;
  readonly alert: boolean;
  readonly storyTitle: string | null;
  readonly rtf: string | null;
  readonly file?: FileRef;
}

export interface FileTokenRecord {
  readonly tokenHash: string;
  readonly kind: 'upload' | 'download';
  readonly userId: string;
  readonly roomId: string;
  readonly fileId: string | null;
  readonly name: string | null;
  readonly contentType: string | null;
  readonly expiresAt: number;
  readonly usedAt: number | null;
}

export type RoomPatch = Partial<
  Pick<
    Room,
    'name' | 'description' | 'categoryId' | 'privacy' | 'type' | 'invitations' | 'addinId' | 'disabled'
  >
> & {
  readonly updatedAt: number;
  readonly purgedAt?: number;
  /** Raises the last sequence number (import restores history with its own sequence numbers). */
  readonly lastSeq?: number;
};

export type CategoryPatch = Partial<
  Pick<Category, 'name' | 'description' | 'invitations' | 'fileUpload' | 'chatHistory'>
> & { readonly updatedAt: number };

export type UserPatch = Partial<Pick<User, 'displayName' | 'email' | 'sipUri' | 'isAdmin' | 'disabled'>>;

export type CategoryList = 'allowed' | 'denied' | 'creator';
export type RoomRoleName = 'member' | 'manager' | 'presenter';

export interface StoreReader {
  getUser(id: string): Promise<User | undefined>;
  /** By username or SIP URI, case-insensitively. */
  findUser(nameOrSip: string): Promise<User | undefined>;
  getPasswordHash(userId: string): Promise<string | null>;
  listUsers(): Promise<User[]>;
  countUsers(): Promise<number>;

  getGroup(id: string): Promise<Group | undefined>;
  findGroup(name: string): Promise<Group | undefined>;
  listGroups(): Promise<Group[]>;
  /** Every direct group membership edge: the whole graph, small enough to cache. */
  groupEdges(): Promise<{ groupId: string; member: PrincipalRef }[]>;

  listPolicies(): Promise<Policy[]>;
  policyAssignments(): Promise<{ principal: PrincipalRef; policyId: string }[]>;
  getSettings(): Promise<Record<string, string>>;

  getCategory(id: string): Promise<Category | undefined>;
  findCategory(name: string): Promise<Category | undefined>;
  listCategories(): Promise<Category[]>;

  getRoom(id: string): Promise<Room | undefined>;
  findRoom(name: string): Promise<Room | undefined>;
  listRooms(filter?: RoomListFilter): Promise<Room[]>;
  countRooms(categoryId: string): Promise<number>;

  getAddin(idOrName: string): Promise<Addin | undefined>;
  listAddins(): Promise<Addin[]>;

  /** The last `count` kept messages, oldest first. */
  lastMessages(roomId: string, count: number): Promise<Message[]>;
  history(roomId: string, window: HistoryWindow): Promise<Message[]>;
  findMessageByClientId(roomId: string, authorId: string, clientMsgId: string): Promise<Message | undefined>;

  getSession(tokenHash: string): Promise<SessionRecord | undefined>;

  getFile(id: string): Promise<StoredFile | undefined>;
  getFileToken(tokenHash: string): Promise<FileTokenRecord | undefined>;

  listAudit(limit: number): Promise<(AuditEntry & { id: number })[]>;
  listCompliance(afterId: number, limit: number): Promise<(ComplianceRecord & { id: number })[]>;

  // ---- follows and invitations (spec §4.7, §4.12; docs/decisions/0005)

  /** The rooms a user follows, each with its count of kept messages after the read position. */
  listFollows(userId: string): Promise<FollowRecord[]>;
  getFollow(userId: string, roomId: string): Promise<FollowRecord | undefined>;
  /** A user's stored invitations with id > `afterId`, oldest first. */
  listInvitations(userId: string, afterId: number, limit: number): Promise<InvitationRecord[]>;
  /** The id of the last invitation the user has seen (0 before any). */
  invitationCursor(userId: string): Promise<number>;
  /** Invitations stored, all users (spec §8.1 guard: keep under 1,000,000). */
  countInvitations(): Promise<number>;

  // ---- topic feeds and keyword alerts (spec §4.9; docs/decisions/0007)

  /** One user's saved filters, oldest first; every user's when `userId` is undefined. */
  listAlertFilters(userId?: string): Promise<AlertFilter[]>;
  getAlertFilter(id: string): Promise<AlertFilter | undefined>;
  /**
   * A user's matches, newest first, with the message as stored now (undefined when it was removed
   * or is not kept): all of them, or one filter's; ids below `before` when given.
   */
  listAlertMatches(
    userId: string,
    page: { filterId?: string; before?: number; limit: number },
  ): Promise<(AlertMatch & { message: Message | undefined })[]>;
  /** The id of the last alert the user has seen (0 before any). */
  alertCursor(userId: string): Promise<number>;
  /** Distinct messages matched after `afterId`, counted up to `cap`. */
  countAlertsAfter(userId: string, afterId: number, cap: number): Promise<number>;

  // ---- compliance processing (spec §5.1; see compliance/processor.ts)

  /** The stored compliance parameters (spec §5.3), as strings; domain/compliance-config.ts parses them. */
  getComplianceConfig(): Promise<Record<string, string>>;
  complianceState(): Promise<ComplianceState>;
  complianceBacklog(): Promise<ComplianceBacklog>;
  /** The id range of the next `limit` pending events with id ≤ `maxId`; undefined when none. */
  nextComplianceRange(limit: number, maxId: number): Promise<ComplianceRange | undefined>;
  /** Pending events with `firstId ≤ id ≤ lastId`, in id order. */
  listComplianceRange(firstId: number, lastId: number): Promise<(ComplianceRecord & { id: number })[]>;
}

export interface StoreWriter extends StoreReader {
  insertUser(user: User, passwordHash: string | null): Promise<void>;
  updateUser(id: string, patch: UserPatch): Promise<void>;
  setPasswordHash(id: string, hash: string): Promise<void>;

  insertGroup(group: Group): Promise<void>;
  /** Deletes the group, its memberships, and every entry naming it in categories and room roles. */
  deleteGroup(id: string): Promise<void>;
  addGroupMembers(groupId: string, members: readonly PrincipalRef[]): Promise<void>;
  removeGroupMembers(groupId: string, members: readonly PrincipalRef[]): Promise<void>;

  upsertPolicy(policy: Policy): Promise<void>;
  deletePolicy(id: string): Promise<void>;
  assignPolicy(principal: PrincipalRef, policyId: string | null): Promise<void>;
  setSetting(key: string, value: string): Promise<void>;

  insertCategory(category: Category): Promise<void>;
  updateCategory(id: string, patch: CategoryPatch): Promise<void>;
  setCategoryList(id: string, list: CategoryList, principals: readonly PrincipalRef[]): Promise<void>;
  deleteCategory(id: string): Promise<void>;

  insertRoom(room: Room): Promise<void>;
  updateRoom(id: string, patch: RoomPatch): Promise<void>;
  setRoomRole(id: string, role: RoomRoleName, principals: readonly PrincipalRef[]): Promise<void>;
  deleteRoom(id: string): Promise<void>;

  insertAddin(addin: Addin): Promise<void>;
  updateAddin(id: string, patch: Partial<Pick<Addin, 'name' | 'url'>>): Promise<void>;
  deleteAddin(id: string): Promise<void>;

  /** Kept messages of a room matching author and time bounds, oldest first (removal candidates). */
  selectMessages(
    roomId: string,
    filter: { authorId?: string; since?: number; until?: number },
  ): Promise<Message[]>;
  deleteMessages(roomId: string, seqs: readonly number[]): Promise<void>;
  replaceMessageText(roomId: string, seq: number, text: string): Promise<void>;
  /** Deletes every message at or before `until`; returns the sequence numbers removed. */
  deleteMessagesUntil(roomId: string, until: number): Promise<number[]>;

  /** Reserves the room's next sequence number. */
  nextSeq(roomId: string): Promise<number>;
  insertMessage(message: NewMessage): Promise<number>;

  recordCompliance(record: ComplianceRecord): Promise<void>;
  recordAudit(entry: AuditEntry): Promise<void>;

  insertSession(session: SessionRecord): Promise<void>;

  insertFile(file: StoredFile): Promise<void>;
  insertFileToken(token: FileTokenRecord): Promise<void>;
  /** Marks an unused token used; false when it was already used (one-time tokens). */
  useFileToken(tokenHash: string, at: number): Promise<boolean>;
  deleteSession(tokenHash: string): Promise<void>;
  deleteSessionsOfUser(userId: string): Promise<void>;

  // ---- follows and invitations (spec §4.7, §4.12; docs/decisions/0005)

  /** Starts following at the room's current last sequence number; false when already following. */
  insertFollow(userId: string, roomId: string, at: number): Promise<boolean>;
  /** False when the user did not follow the room. */
  deleteFollow(userId: string, roomId: string): Promise<boolean>;
  /**
   * Moves the read position forwards only, to `seq` clamped to the room's last sequence number.
   * Undefined when the user does not follow the room.
   */
  advanceReadPosition(
    userId: string,
    roomId: string,
    seq: number,
  ): Promise<{ lastReadSeq: number; changed: boolean } | undefined>;
  /** Invites users to a room, replacing any invitation they still hold for it (new, higher id). */
  insertInvitations(roomId: string, userIds: readonly string[], at: number): Promise<InvitationRecord[]>;
  /**
   * Moves the user's seen cursor forwards only (never past their newest invitation) and deletes
   * the invitations it covers. Returns the cursor.
   */
  advanceInvitationCursor(userId: string, id: number): Promise<{ lastSeen: number; changed: boolean }>;

  // ---- topic feeds and keyword alerts (spec §4.9; docs/decisions/0007)

  insertAlertFilter(filter: AlertFilter): Promise<void>;
  /** Replaces a filter's fields; false when there is no such filter of that user. */
  updateAlertFilter(filter: AlertFilter): Promise<boolean>;
  /** Deletes the filter and its matches; false when there is no such filter of that user. */
  deleteAlertFilter(userId: string, id: string): Promise<boolean>;
  /**
   * Stores matches in one statement per 1,000 rows; rows whose filter or room no longer exists are
   * skipped. Returns the stored rows with their ids.
   */
  insertAlertMatches(rows: readonly Omit<AlertMatch, 'id'>[]): Promise<AlertMatch[]>;
  /** Moves the user's seen cursor forwards only, never past their newest alert. */
  advanceAlertCursor(userId: string, id: number): Promise<{ lastSeen: number; changed: boolean }>;

  // ---- compliance processing (spec §5.1; see compliance/processor.ts)

  setComplianceConfig(key: string, value: string): Promise<void>;
  /** Takes (or renews) the processing lease unless another owner holds one that has not expired. */
  takeComplianceLease(owner: string, now: number, expiresAt: number): Promise<boolean>;
  /** Changes the processing state if `owner` still holds the lease; false (nothing changed) if not. */
  updateComplianceState(owner: string, patch: ComplianceStatePatch): Promise<boolean>;
  /** Deletes processed events `firstId ≤ id ≤ lastId`; returns how many there were. */
  deleteComplianceRange(firstId: number, lastId: number): Promise<number>;
}

export interface WriteOptions {
  /**
   * `full` (default): the promise settles once the commit is durable (on disk with the SQLite
   * default `synchronous=full`). `deferred`: for records of reads only (the JOIN and BACKCHAT
   * compliance records of a join), never for messages or changes: the promise settles once the
   * commit survives a crash of the process; it survives a power loss once a later full commit or
   * the store's background sync ran, within `DEFERRED_SYNC_MS` (docs/decisions/0009). An adapter
   * without such a mode treats it as `full`.
   */
  readonly durability?: 'full' | 'deferred';
}

/**
 * A message to append, with the compliance record written in the same transaction (its time, room,
 * user and sequence number are the message's) and the file it carries, if any.
 */
export interface NewPost {
  readonly message: Omit<NewMessage, 'seq'>;
  readonly compliance: {
    readonly kind: ComplianceKind;
    readonly content: string;
    readonly details?: Record<string, unknown>;
  };
  readonly file?: StoredFile;
}

/** A post appended (its id and sequence number), or the message it repeats (same client id). */
export type PostOutcome =
  | { readonly duplicate: false; readonly id: number; readonly seq: number }
  | { readonly duplicate: true; readonly message: Message };

export interface Store {
  readonly dialect: Dialect;
  readonly read: StoreReader;
  write<T>(work: (tx: StoreWriter) => Promise<T>, options?: WriteOptions): Promise<T>;
  /**
   * Appends a message and its compliance record in one durable transaction (`appendPost`), the
   * way the store does it fastest: the SQLite store hands it to its post lane, a writer thread
   * of its own (docs/decisions/0013). Settles once durable, like `write`.
   */
  appendMessage(post: NewPost): Promise<PostOutcome>;
  close(): Promise<void>;
}

// ---- follows and invitations

export interface FollowRecord {
  readonly roomId: string;
  readonly lastReadSeq: number;
  readonly followedAt: number;
  /** Kept messages with a sequence number above `lastReadSeq`. */
  readonly unread: number;
}

export interface InvitationRecord {
  /** Global and increasing: each user's cursor compares against it. */
  readonly id: number;
  readonly userId: string;
  readonly roomId: string;
  readonly at: number;
}

// ---- compliance processing

export interface ComplianceRange {
  readonly firstId: number;
  readonly lastId: number;
  readonly count: number;
}

/** A batch handed to an adapter: fixed before the adapter runs, so a re-run writes the same files. */
export interface ComplianceBatchPlan extends ComplianceRange {
  /** Batch number, one more than the previous batch's. */
  readonly number: number;
  readonly plannedAt: number;
}

export interface ComplianceState {
  /** The highest event id processed so far (0 before the first batch). */
  readonly cursor: number;
  /** The number of the last batch planned. */
  readonly batchNo: number;
  /** A batch planned but not yet confirmed processed: the next run writes it again first. */
  readonly inFlight: ComplianceBatchPlan | null;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: number | null;
  readonly lastRunAt: number | null;
  readonly lastRunOk: boolean | null;
  readonly lastRunBy: string | null;
  readonly lastRunEvents: number;
  readonly lastSuccessAt: number | null;
  readonly lastError: string | null;
  readonly lastErrorAt: number | null;
  readonly processedTotal: number;
}

export type ComplianceStatePatch = Partial<Omit<ComplianceState, 'leaseOwner'>> & {
  /** Only `null` (release): the lease is taken with `takeComplianceLease`. */
  readonly leaseOwner?: null;
};

export interface ComplianceBacklog {
  /** Pending events. */
  readonly count: number;
  readonly firstId: number | null;
  readonly lastId: number | null;
  /** Time of the oldest pending event. */
  readonly oldestAt: number | null;
}
