/**
 * The storage port. Domain-shaped: callers speak of rooms, roles and messages, never of SQL.
 * Every adapter (SQLite now, PostgreSQL later) implements it and passes storage/contract.ts.
 *
 * Reads outside a write see committed data only. All writes go through `write`, which runs the
 * work in one transaction; adapters may commit several concurrent `write` calls together (group
 * commit), but each one's effects are all-or-nothing and its promise settles only once durable.
 */
import type {
  AuditEntry,
  Category,
  ComplianceRecord,
  Group,
  Message,
  Policy,
  Room,
  User,
} from '../domain/model.ts';
import type { PrincipalRef } from '../domain/principals.ts';

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
}

export type RoomPatch = Partial<
  Pick<
    Room,
    'name' | 'description' | 'categoryId' | 'privacy' | 'type' | 'invitations' | 'addinId' | 'disabled'
  >
> & { readonly updatedAt: number; readonly purgedAt?: number };

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

  /** The last `count` kept messages, oldest first. */
  lastMessages(roomId: string, count: number): Promise<Message[]>;
  history(roomId: string, window: HistoryWindow): Promise<Message[]>;
  findMessageByClientId(roomId: string, authorId: string, clientMsgId: string): Promise<Message | undefined>;

  getSession(tokenHash: string): Promise<SessionRecord | undefined>;

  listAudit(limit: number): Promise<(AuditEntry & { id: number })[]>;
  listCompliance(afterId: number, limit: number): Promise<(ComplianceRecord & { id: number })[]>;
}

export interface StoreWriter extends StoreReader {
  insertUser(user: User, passwordHash: string | null): Promise<void>;
  updateUser(id: string, patch: UserPatch): Promise<void>;
  setPasswordHash(id: string, hash: string): Promise<void>;

  insertGroup(group: Group): Promise<void>;
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

  /** Reserves the room's next sequence number. */
  nextSeq(roomId: string): Promise<number>;
  insertMessage(message: NewMessage): Promise<number>;

  recordCompliance(record: ComplianceRecord): Promise<void>;
  recordAudit(entry: AuditEntry): Promise<void>;

  insertSession(session: SessionRecord): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  deleteSessionsOfUser(userId: string): Promise<void>;
}

export interface Store {
  readonly dialect: Dialect;
  readonly read: StoreReader;
  write<T>(work: (tx: StoreWriter) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
