/**
 * The reader/writer of the storage port written once with Kysely, so SQLite and PostgreSQL share
 * every query. Adapters bind it to a connection (or transaction) and override hot paths only
 * where a dialect can do better.
 */
import { sql, type Kysely, type Selectable, type SelectQueryBuilder } from 'kysely';
import type {
  Addin,
  StoredFile,
  AuditEntry,
  Category,
  ComplianceRecord,
  ComplianceKind,
  Group,
  Message,
  Policy,
  Room,
  User,
} from '../domain/model.ts';
import { actorLabel } from '../domain/model.ts';
import type { PrincipalRef } from '../domain/principals.ts';
import type { AlertFilter, AlertMatch } from '../domain/alerts.ts';
import * as alerts from './alert-ops.ts';
import { bool, int, num, toCategory, toGroup, toMessage, toPolicy, toRoom, toUser } from './rows.ts';
import type { CategoryLists, RoomRoleLists } from './rows.ts';
import type { DB } from './schema.ts';
import type { ComplianceTables } from './migrations/0002-compliance.ts';
import type { FollowRecord, InvitationRecord } from './types.ts';
import type {
  ComplianceBacklog,
  ComplianceBatchPlan,
  ComplianceRange,
  ComplianceState,
  ComplianceStatePatch,
} from './types.ts';
import type {
  CategoryList,
  CategoryPatch,
  FileTokenRecord,
  HistoryWindow,
  NewMessage,
  RoomListFilter,
  RoomPatch,
  RoomRoleName,
  SessionRecord,
  StoreWriter,
  UserPatch,
} from './types.ts';

const lower = (s: string) => s.toLowerCase();

export class KyselyStoreOps implements StoreWriter {
  constructor(protected readonly db: Kysely<DB>) {}

  // ---- users

  async getUser(id: string): Promise<User | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toUser(r);
  }

  async findUser(nameOrSip: string): Promise<User | undefined> {
    const key = lower(nameOrSip);
    const r = await this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) =>
        eb.or([eb(eb.fn('lower', ['username']), '=', key), eb(eb.fn('lower', ['sip_uri']), '=', key)]),
      )
      .executeTakeFirst();
    return r && toUser(r);
  }

  async getPasswordHash(userId: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', userId)
      .executeTakeFirst();
    return r?.password_hash ?? null;
  }

  async listUsers(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(toUser);
  }

  async countUsers(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return num(r.n);
  }

  async insertUser(user: User, passwordHash: string | null): Promise<void> {
    await this.db
      .insertInto('users')
      .values({
        id: user.id,
        username: user.username,
        display_name: user.displayName,
        email: user.email,
        sip_uri: user.sipUri,
        password_hash: passwordHash,
        is_admin: int(user.isAdmin),
        disabled: int(user.disabled),
        created_at: user.createdAt,
      })
      .execute();
  }

  async updateUser(id: string, patch: UserPatch): Promise<void> {
    const values: Partial<DB['users']> = {};
    if (patch.displayName !== undefined) values.display_name = patch.displayName;
    if (patch.email !== undefined) values.email = patch.email;
    if (patch.sipUri !== undefined) values.sip_uri = patch.sipUri;
    if (patch.isAdmin !== undefined) values.is_admin = int(patch.isAdmin);
    if (patch.disabled !== undefined) values.disabled = int(patch.disabled);
    if (Object.keys(values).length === 0) return;
    await this.db.updateTable('users').set(values).where('id', '=', id).execute();
  }

  async setPasswordHash(id: string, hash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: hash }).where('id', '=', id).execute();
  }

  // ---- groups

  async getGroup(id: string): Promise<Group | undefined> {
    const r = await this.db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toGroup(r);
  }

  async findGroup(name: string): Promise<Group | undefined> {
    const r = await this.db
      .selectFrom('groups')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['name']), '=', lower(name)))
      .executeTakeFirst();
    return r && toGroup(r);
  }

  async listGroups(): Promise<Group[]> {
    return (await this.db.selectFrom('groups').selectAll().orderBy('name').execute()).map(toGroup);
  }

  async groupEdges(): Promise<{ groupId: string; member: PrincipalRef }[]> {
    const rows = await this.db.selectFrom('group_members').select(['group_id', 'member']).execute();
    return rows.map((r) => ({ groupId: r.group_id, member: r.member as PrincipalRef }));
  }

  async insertGroup(group: Group): Promise<void> {
    await this.db
      .insertInto('groups')
      .values({ id: group.id, name: group.name, description: group.description, created_at: group.createdAt })
      .execute();
  }

  async deleteGroup(id: string): Promise<void> {
    // A deleted group names nobody: it leaves no entry behind in scopes, creators or room roles.
    await this.db.deleteFrom('category_principals').where('principal', '=', `g:${id}`).execute();
    await this.db.deleteFrom('room_roles').where('principal', '=', `g:${id}`).execute();
    await this.db.deleteFrom('group_members').where('member', '=', `g:${id}`).execute();
    await this.db.deleteFrom('group_members').where('group_id', '=', id).execute();
    await this.db.deleteFrom('groups').where('id', '=', id).execute();
  }

  async addGroupMembers(groupId: string, members: readonly PrincipalRef[]): Promise<void> {
    if (members.length === 0) return;
    await this.db
      .insertInto('group_members')
      .values(members.map((member) => ({ group_id: groupId, member })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async removeGroupMembers(groupId: string, members: readonly PrincipalRef[]): Promise<void> {
    if (members.length === 0) return;
    await this.db
      .deleteFrom('group_members')
      .where('group_id', '=', groupId)
      .where('member', 'in', [...members])
      .execute();
  }

  // ---- policies and settings

  async listPolicies(): Promise<Policy[]> {
    return (await this.db.selectFrom('policies').selectAll().orderBy('name').execute()).map(toPolicy);
  }

  async policyAssignments(): Promise<{ principal: PrincipalRef; policyId: string }[]> {
    const rows = await this.db.selectFrom('policy_assignments').selectAll().execute();
    return rows.map((r) => ({ principal: r.principal as PrincipalRef, policyId: r.policy_id }));
  }

  async getSettings(): Promise<Record<string, string>> {
    const rows = await this.db.selectFrom('settings').selectAll().execute();
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async upsertPolicy(policy: Policy): Promise<void> {
    const values = {
      id: policy.id,
      name: policy.name,
      description: policy.description,
      chat_enabled: int(policy.chatEnabled),
    };
    await this.db
      .insertInto('policies')
      .values(values)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          name: values.name,
          description: values.description,
          chat_enabled: values.chat_enabled,
        }),
      )
      .execute();
  }

  async deletePolicy(id: string): Promise<void> {
    await this.db.deleteFrom('policy_assignments').where('policy_id', '=', id).execute();
    await this.db.deleteFrom('policies').where('id', '=', id).execute();
  }

  async assignPolicy(principal: PrincipalRef, policyId: string | null): Promise<void> {
    await this.db.deleteFrom('policy_assignments').where('principal', '=', principal).execute();
    if (policyId !== null) {
      await this.db.insertInto('policy_assignments').values({ principal, policy_id: policyId }).execute();
    }
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  // ---- categories

  private async categoryLists(ids: readonly string[]): Promise<Map<string, CategoryLists>> {
    const out = new Map<string, CategoryLists>();
    for (const id of ids) out.set(id, { allowed: [], denied: [], creators: [] });
    if (ids.length === 0) return out;
    const rows = await this.db
      .selectFrom('category_principals')
      .selectAll()
      .where('category_id', 'in', [...ids])
      .orderBy('principal')
      .execute();
    for (const r of rows) {
      const lists = out.get(r.category_id);
      if (!lists) continue;
      const ref = r.principal as PrincipalRef;
      if (r.list === 'allowed') lists.allowed.push(ref);
      else if (r.list === 'denied') lists.denied.push(ref);
      else lists.creators.push(ref);
    }
    return out;
  }

  private async withLists(rows: DB['categories'][]): Promise<Category[]> {
    const lists = await this.categoryLists(rows.map((r) => r.id));
    return rows.map((r) => toCategory(r, lists.get(r.id) ?? { allowed: [], denied: [], creators: [] }));
  }

  async getCategory(id: string): Promise<Category | undefined> {
    const r = await this.db.selectFrom('categories').selectAll().where('id', '=', id).executeTakeFirst();
    return r && (await this.withLists([r]))[0];
  }

  async findCategory(name: string): Promise<Category | undefined> {
    const r = await this.db
      .selectFrom('categories')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['name']), '=', lower(name)))
      .executeTakeFirst();
    return r && (await this.withLists([r]))[0];
  }

  async listCategories(): Promise<Category[]> {
    return this.withLists(await this.db.selectFrom('categories').selectAll().orderBy('name').execute());
  }

  async insertCategory(c: Category): Promise<void> {
    await this.db
      .insertInto('categories')
      .values({
        id: c.id,
        name: c.name,
        description: c.description,
        invitations: int(c.invitations),
        file_upload: int(c.fileUpload),
        chat_history: int(c.chatHistory),
        created_at: c.createdAt,
        updated_at: c.updatedAt,
      })
      .execute();
    await this.setCategoryList(c.id, 'allowed', c.allowed);
    await this.setCategoryList(c.id, 'denied', c.denied);
    await this.setCategoryList(c.id, 'creator', c.creators);
  }

  async updateCategory(id: string, patch: CategoryPatch): Promise<void> {
    const values: Partial<DB['categories']> = { updated_at: patch.updatedAt };
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.description !== undefined) values.description = patch.description;
    if (patch.invitations !== undefined) values.invitations = int(patch.invitations);
    if (patch.fileUpload !== undefined) values.file_upload = int(patch.fileUpload);
    if (patch.chatHistory !== undefined) values.chat_history = int(patch.chatHistory);
    await this.db.updateTable('categories').set(values).where('id', '=', id).execute();
  }

  async setCategoryList(id: string, list: CategoryList, principals: readonly PrincipalRef[]): Promise<void> {
    await this.db
      .deleteFrom('category_principals')
      .where('category_id', '=', id)
      .where('list', '=', list)
      .execute();
    if (principals.length === 0) return;
    await this.db
      .insertInto('category_principals')
      .values([...new Set(principals)].map((principal) => ({ category_id: id, list, principal })))
      .execute();
  }

  async deleteCategory(id: string): Promise<void> {
    await this.db.deleteFrom('category_principals').where('category_id', '=', id).execute();
    await this.db.deleteFrom('categories').where('id', '=', id).execute();
  }

  // ---- rooms

  private async roomRoles(ids: readonly string[]): Promise<Map<string, RoomRoleLists>> {
    const out = new Map<string, RoomRoleLists>();
    for (const id of ids) out.set(id, { members: [], managers: [], presenters: [] });
    if (ids.length === 0) return out;
    const rows = await this.db
      .selectFrom('room_roles')
      .selectAll()
      .where('room_id', 'in', [...ids])
      .orderBy('principal')
      .execute();
    for (const r of rows) {
      const roles = out.get(r.room_id);
      if (!roles) continue;
      const ref = r.principal as PrincipalRef;
      if (r.role === 'member') roles.members.push(ref);
      else if (r.role === 'manager') roles.managers.push(ref);
      else roles.presenters.push(ref);
    }
    return out;
  }

  private async withRoles(rows: DB['rooms'][]): Promise<Room[]> {
    const roles = new Map<string, RoomRoleLists>();
    // Chunk the IN list to stay well under every dialect's parameter limit.
    for (let i = 0; i < rows.length; i += 500) {
      for (const [k, v] of await this.roomRoles(rows.slice(i, i + 500).map((r) => r.id))) roles.set(k, v);
    }
    return rows.map((r) => toRoom(r, roles.get(r.id) ?? { members: [], managers: [], presenters: [] }));
  }

  async getRoom(id: string): Promise<Room | undefined> {
    const r = await this.db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
    return r && (await this.withRoles([r]))[0];
  }

  async findRoom(name: string): Promise<Room | undefined> {
    const r = await this.db
      .selectFrom('rooms')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['name']), '=', lower(name)))
      .executeTakeFirst();
    return r && (await this.withRoles([r]))[0];
  }

  async listRooms(filter: RoomListFilter = {}): Promise<Room[]> {
    let q = this.db.selectFrom('rooms').selectAll();
    if (filter.categoryId !== undefined) q = q.where('category_id', '=', filter.categoryId);
    if (filter.includeDisabled !== true) q = q.where('disabled', '=', 0);
    return this.withRoles(await q.orderBy('name').execute());
  }

  async countRooms(categoryId: string): Promise<number> {
    const r = await this.db
      .selectFrom('rooms')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('category_id', '=', categoryId)
      .executeTakeFirstOrThrow();
    return num(r.n);
  }

  async insertRoom(room: Room): Promise<void> {
    await this.db
      .insertInto('rooms')
      .values({
        id: room.id,
        name: room.name,
        description: room.description,
        category_id: room.categoryId,
        privacy: room.privacy,
        type: room.type,
        invitations: room.invitations,
        addin_id: room.addinId,
        disabled: int(room.disabled),
        last_seq: room.lastSeq,
        last_message_at: 0,
        times_in_order: 1,
        created_at: room.createdAt,
        created_by: room.createdBy,
        updated_at: room.updatedAt,
        purged_at: null,
      })
      .execute();
    await this.setRoomRole(room.id, 'member', room.members);
    await this.setRoomRole(room.id, 'manager', room.managers);
    await this.setRoomRole(room.id, 'presenter', room.presenters);
  }

  async updateRoom(id: string, patch: RoomPatch): Promise<void> {
    const values: Partial<DB['rooms']> = { updated_at: patch.updatedAt };
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.description !== undefined) values.description = patch.description;
    if (patch.categoryId !== undefined) values.category_id = patch.categoryId;
    if (patch.privacy !== undefined) values.privacy = patch.privacy;
    if (patch.type !== undefined) values.type = patch.type;
    if (patch.invitations !== undefined) values.invitations = patch.invitations;
    if (patch.addinId !== undefined) values.addin_id = patch.addinId;
    if (patch.disabled !== undefined) values.disabled = int(patch.disabled);
    if (patch.purgedAt !== undefined) values.purged_at = patch.purgedAt;
    if (patch.lastSeq !== undefined) values.last_seq = patch.lastSeq;
    await this.db.updateTable('rooms').set(values).where('id', '=', id).execute();
  }

  async setRoomRole(id: string, role: RoomRoleName, principals: readonly PrincipalRef[]): Promise<void> {
    await this.db.deleteFrom('room_roles').where('room_id', '=', id).where('role', '=', role).execute();
    const unique = [...new Set(principals)];
    for (let i = 0; i < unique.length; i += 500) {
      await this.db
        .insertInto('room_roles')
        .values(unique.slice(i, i + 500).map((principal) => ({ room_id: id, role, principal })))
        .execute();
    }
  }

  async deleteRoom(id: string): Promise<void> {
    await this.db.deleteFrom('alert_matches').where('room_id', '=', id).execute();
    await this.db.deleteFrom('messages').where('room_id', '=', id).execute();
    await this.db.deleteFrom('room_roles').where('room_id', '=', id).execute();
    await this.db.deleteFrom('rooms').where('id', '=', id).execute();
  }

  // ---- files

  async getFile(id: string): Promise<StoredFile | undefined> {
    const r = await this.db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
    return (
      r && {
        id: r.id,
        roomId: r.room_id,
        uploaderId: r.uploader_id,
        name: r.name,
        size: num(r.size),
        contentType: r.content_type,
        hash: r.hash,
        createdAt: num(r.created_at),
      }
    );
  }

  async getFileToken(tokenHash: string): Promise<FileTokenRecord | undefined> {
    const r = await this.db
      .selectFrom('file_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return (
      r && {
        tokenHash: r.token_hash,
        kind: r.kind,
        userId: r.user_id,
        roomId: r.room_id,
        fileId: r.file_id,
        name: r.name,
        contentType: r.content_type,
        expiresAt: num(r.expires_at),
        usedAt: r.used_at === null ? null : num(r.used_at),
      }
    );
  }

  async insertFile(f: StoredFile): Promise<void> {
    await this.db
      .insertInto('files')
      .values({
        id: f.id,
        room_id: f.roomId,
        uploader_id: f.uploaderId,
        name: f.name,
        size: f.size,
        content_type: f.contentType,
        hash: f.hash,
        created_at: f.createdAt,
      })
      .execute();
  }

  async insertFileToken(t: FileTokenRecord): Promise<void> {
    await this.db
      .insertInto('file_tokens')
      .values({
        token_hash: t.tokenHash,
        kind: t.kind,
        user_id: t.userId,
        room_id: t.roomId,
        file_id: t.fileId,
        name: t.name,
        content_type: t.contentType,
        expires_at: t.expiresAt,
        used_at: t.usedAt,
      })
      .execute();
  }

  async useFileToken(tokenHash: string, at: number): Promise<boolean> {
    const r = await this.db
      .updateTable('file_tokens')
      .set({ used_at: at })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  // ---- add-ins

  async getAddin(idOrName: string): Promise<Addin | undefined> {
    return this.db
      .selectFrom('addins')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrName), eb(eb.fn('lower', ['name']), '=', lower(idOrName))]))
      .executeTakeFirst();
  }

  async listAddins(): Promise<Addin[]> {
    return this.db.selectFrom('addins').selectAll().orderBy('name').execute();
  }

  async insertAddin(addin: Addin): Promise<void> {
    await this.db
      .insertInto('addins')
      .values({ ...addin })
      .execute();
  }

  async updateAddin(id: string, patch: Partial<Pick<Addin, 'name' | 'url'>>): Promise<void> {
    if (patch.name === undefined && patch.url === undefined) return;
    await this.db.updateTable('addins').set(patch).where('id', '=', id).execute();
  }

  async deleteAddin(id: string): Promise<void> {
    await this.db.updateTable('rooms').set({ addin_id: null }).where('addin_id', '=', id).execute();
    await this.db.deleteFrom('addins').where('id', '=', id).execute();
  }

  // ---- messages

  async lastMessages(roomId: string, count: number): Promise<Message[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('kept', '=', 1)
      .orderBy('seq', 'desc')
      .limit(count)
      .execute();
    return rows.reverse().map(toMessage);
  }

  async history(roomId: string, w: HistoryWindow): Promise<Message[]> {
    let q = this.db.selectFrom('messages').selectAll().where('room_id', '=', roomId).where('kept', '=', 1);
    if (w.afterSeq !== undefined) q = q.where('seq', '>', w.afterSeq);
    if (w.beforeSeq !== undefined) q = q.where('seq', '<', w.beforeSeq);
    q = await this.timeBounded(q, roomId, w.since, w.until);
    // Forwards from a point (afterSeq or since alone) reads oldest first; otherwise the newest page.
    const forwards =
      w.afterSeq !== undefined ||
      (w.since !== undefined && w.beforeSeq === undefined && w.until === undefined);
    const rows = await q
      .orderBy('seq', forwards ? 'asc' : 'desc')
      .limit(w.limit)
      .execute();
    if (!forwards) rows.reverse();
    return rows.map(toMessage);
  }

  async findMessageByClientId(
    roomId: string,
    authorId: string,
    clientMsgId: string,
  ): Promise<Message | undefined> {
    const r = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('author_id', '=', authorId)
      .where('client_msg_id', '=', clientMsgId)
      .executeTakeFirst();
    return r && toMessage(r);
  }

  async selectMessages(
    roomId: string,
    f: { authorId?: string; since?: number; until?: number },
  ): Promise<Message[]> {
    let q = this.db.selectFrom('messages').selectAll().where('room_id', '=', roomId).where('kept', '=', 1);
    if (f.authorId !== undefined) q = q.where('author_id', '=', f.authorId);
    q = await this.timeBounded(q, roomId, f.since, f.until);
    return (await q.orderBy('seq').execute()).map(toMessage);
  }

  async deleteMessages(roomId: string, seqs: readonly number[]): Promise<void> {
    for (let i = 0; i < seqs.length; i += 500) {
      await this.db
        .deleteFrom('messages')
        .where('room_id', '=', roomId)
        .where('seq', 'in', seqs.slice(i, i + 500))
        .execute();
    }
  }

  async replaceMessageText(roomId: string, seq: number, text: string): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ text, rtf: null, story_title: null })
      .where('room_id', '=', roomId)
      .where('seq', '=', seq)
      .execute();
  }

  async deleteMessagesUntil(roomId: string, until: number): Promise<number[]> {
    let q = this.db.deleteFrom('messages').where('room_id', '=', roomId).where('created_at', '<=', until);
    const below = (await this.seqBoundsOfTimes(roomId, undefined, until))?.below;
    if (below !== undefined) q = q.where('seq', '<', below);
    const rows = await q.returning('seq').execute();
    return rows.map((r) => num(r.seq)).sort((a, b) => a - b);
  }

  async nextSeq(roomId: string): Promise<number> {
    const r = await this.db
      .updateTable('rooms')
      .set({ last_seq: sql`last_seq + 1` })
      .where('id', '=', roomId)
      .returning('last_seq')
      .executeTakeFirstOrThrow();
    return num(r.last_seq);
  }

  async insertMessage(m: NewMessage): Promise<number> {
    const r = await this.db
      .insertInto('messages')
      .values({
        room_id: m.roomId,
        seq: m.seq,
        author_id: m.authorId,
        created_at: m.at,
        client_msg_id: m.clientMsgId,
        kept: int(m.kept),
        text: m.kept ? m.text : '',
        alert: int(m.alert),
        story_title: m.kept ? m.storyTitle : null,
        rtf: m.kept ? m.rtf : null,
        file: m.kept && m.file ? JSON.stringify(m.file) : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The room's latest time, and whether message times stay in order (decision 0017).
    await this.db
      .updateTable('rooms')
      .set({
        times_in_order: sql<number>`CASE WHEN ${m.at} < last_message_at THEN 0 ELSE times_in_order END`,
        last_message_at: sql<number>`CASE WHEN ${m.at} > last_message_at THEN ${m.at} ELSE last_message_at END`,
      })
      .where('id', '=', m.roomId)
      .execute();
    return num(r.id);
  }

  /**
   * A query of a room's messages limited to times within [since, until]: by the times themselves,
   * and also by the sequence numbers that hold them when the room's times are in order, so that
   * the (room, seq) index reads only those (decision 0017).
   */
  private async timeBounded<O>(
    q: SelectQueryBuilder<DB, 'messages', O>,
    roomId: string,
    since: number | undefined,
    until: number | undefined,
  ): Promise<SelectQueryBuilder<DB, 'messages', O>> {
    if (since === undefined && until === undefined) return q;
    if (since !== undefined) q = q.where('created_at', '>=', since);
    if (until !== undefined) q = q.where('created_at', '<=', until);
    const bounds = await this.seqBoundsOfTimes(roomId, since, until);
    if (bounds?.from !== undefined) q = q.where('seq', '>=', bounds.from);
    if (bounds?.below !== undefined) q = q.where('seq', '<', bounds.below);
    return q;
  }

  /**
   * The sequence numbers that hold a room's messages of times within [since, until], when its
   * times are in order (decision 0017): `from` is the first message at or after `since`, `below`
   * the first after `until` (undefined: no bound). Found by bisecting the numbers on the (room,
   * seq) index, about log2(last_seq) lookups. Undefined when the times are not in order (or there
   * is no such room): the caller then filters on the times alone.
   */
  private async seqBoundsOfTimes(
    roomId: string,
    since: number | undefined,
    until: number | undefined,
  ): Promise<{ from?: number; below?: number } | undefined> {
    const room = await this.db
      .selectFrom('rooms')
      .select(['last_seq', 'times_in_order'])
      .where('id', '=', roomId)
      .executeTakeFirst();
    if (!room || num(room.times_in_order) !== 1) return undefined;
    const last = num(room.last_seq);
    const bounds: { from?: number; below?: number } = {};
    if (since !== undefined) bounds.from = await this.firstSeqFrom(roomId, last, (at) => at >= since);
    if (until !== undefined) bounds.below = await this.firstSeqFrom(roomId, last, (at) => at > until);
    return bounds;
  }

  /**
   * The smallest sequence number of the room's messages whose time passes `reached` (a test that,
   * times being in order, fails and then holds), or `last + 1` when none does.
   */
  private async firstSeqFrom(
    roomId: string,
    last: number,
    reached: (at: number) => boolean,
  ): Promise<number> {
    const firstFrom = (seq: number) =>
      this.db
        .selectFrom('messages')
        .select(['seq', 'created_at'])
        .where('room_id', '=', roomId)
        .where('seq', '>=', seq)
        .orderBy('seq')
        .limit(1)
        .executeTakeFirst();
    // Invariant: every message numbered below `lo` fails the test; the first message numbered
    // `hi` or above (if any) passes it.
    let lo = 1;
    let hi = last + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const m = await firstFrom(mid);
      if (!m || num(m.seq) >= hi) hi = mid;
      else if (reached(num(m.created_at))) hi = mid;
      else lo = num(m.seq) + 1;
    }
    const found = await firstFrom(lo);
    return found ? num(found.seq) : last + 1;
  }

  // ---- compliance and audit

  async recordCompliance(c: ComplianceRecord): Promise<void> {
    await this.db
      .insertInto('compliance_events')
      .values({
        kind: c.kind,
        at: c.at,
        room_id: c.roomId,
        user_id: c.userId,
        message_seq: c.messageSeq,
        content: c.content,
        details: c.details ? JSON.stringify(c.details) : null,
      })
      .execute();
  }

  async listCompliance(afterId: number, limit: number): Promise<(ComplianceRecord & { id: number })[]> {
    const rows = await this.db
      .selectFrom('compliance_events')
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toComplianceRecord);
  }

  async recordAudit(e: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        at: e.at,
        actor: actorLabel(e.actor),
        action: e.action,
        target: e.target,
        details: e.details ? JSON.stringify(e.details) : null,
      })
      .execute();
  }

  async listAudit(limit: number): Promise<(AuditEntry & { id: number })[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: num(r.id),
      at: num(r.at),
      actor: parseActor(r.actor),
      action: r.action,
      target: r.target,
      ...(r.details ? { details: JSON.parse(r.details) as Record<string, unknown> } : {}),
    }));
  }

  // ---- sessions

  async getSession(tokenHash: string): Promise<SessionRecord | undefined> {
    const r = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!r) return undefined;
    return {
      tokenHash: r.token_hash,
      userId: r.user_id,
      kind: r.kind,
      name: r.name,
      createdAt: num(r.created_at),
      expiresAt: r.expires_at === null ? null : num(r.expires_at),
    };
  }

  async insertSession(s: SessionRecord): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        token_hash: s.tokenHash,
        user_id: s.userId,
        kind: s.kind,
        name: s.name,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
      })
      .execute();
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  async deleteSessionsOfUser(userId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  // ---- follows and invitations (spec §4.7, §4.12; docs/decisions/0005)

  private followsOf(userId: string) {
    return this.db
      .selectFrom('follows as f')
      .select(['f.room_id', 'f.last_read_seq', 'f.created_at'])
      .select((eb) =>
        // Exact, through the (room_id, seq) index: only messages after the read position are visited.
        eb
          .selectFrom('messages as m')
          .select((e) => e.fn.countAll().as('n'))
          .whereRef('m.room_id', '=', 'f.room_id')
          .whereRef('m.seq', '>', 'f.last_read_seq')
          .where('m.kept', '=', 1)
          .as('unread'),
      )
      .where('f.user_id', '=', userId);
  }

  async listFollows(userId: string): Promise<FollowRecord[]> {
    const rows = await this.followsOf(userId).orderBy('f.created_at').orderBy('f.room_id').execute();
    return rows.map(toFollow);
  }

  async getFollow(userId: string, roomId: string): Promise<FollowRecord | undefined> {
    const r = await this.followsOf(userId).where('f.room_id', '=', roomId).executeTakeFirst();
    return r && toFollow(r);
  }

  async insertFollow(userId: string, roomId: string, at: number): Promise<boolean> {
    const room = await this.db
      .selectFrom('rooms')
      .select('last_seq')
      .where('id', '=', roomId)
      .executeTakeFirst();
    if (!room) return false;
    const r = await this.db
      .insertInto('follows')
      .values({ user_id: userId, room_id: roomId, last_read_seq: num(room.last_seq), created_at: at })
      .onConflict((oc) => oc.columns(['user_id', 'room_id']).doNothing())
      .returning('room_id')
      .executeTakeFirst();
    return r !== undefined;
  }

  async deleteFollow(userId: string, roomId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('follows')
      .where('user_id', '=', userId)
      .where('room_id', '=', roomId)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async advanceReadPosition(
    userId: string,
    roomId: string,
    seq: number,
  ): Promise<{ lastReadSeq: number; changed: boolean } | undefined> {
    const follow = await this.db
      .selectFrom('follows')
      .select('last_read_seq')
      .where('user_id', '=', userId)
      .where('room_id', '=', roomId)
      .executeTakeFirst();
    if (!follow) return undefined;
    const current = num(follow.last_read_seq);
    const room = await this.db
      .selectFrom('rooms')
      .select('last_seq')
      .where('id', '=', roomId)
      .executeTakeFirst();
    const target = Math.min(seq, room ? num(room.last_seq) : current);
    if (target <= current) return { lastReadSeq: current, changed: false };
    await this.db
      .updateTable('follows')
      .set({ last_read_seq: target })
      .where('user_id', '=', userId)
      .where('room_id', '=', roomId)
      .execute();
    return { lastReadSeq: target, changed: true };
  }

  async insertInvitations(
    roomId: string,
    userIds: readonly string[],
    at: number,
  ): Promise<InvitationRecord[]> {
    const out: InvitationRecord[] = [];
    const unique = [...new Set(userIds)];
    // 1,000 rows (3,000 parameters) a statement: under every dialect's limit, few round trips.
    for (let i = 0; i < unique.length; i += 1000) {
      const chunk = unique.slice(i, i + 1000);
      await this.db
        .deleteFrom('invitations')
        .where('room_id', '=', roomId)
        .where('user_id', 'in', chunk)
        .execute();
      const rows = await this.db
        .insertInto('invitations')
        .values(chunk.map((userId) => ({ user_id: userId, room_id: roomId, created_at: at })))
        .returning(['id', 'user_id'])
        .execute();
      for (const r of rows) out.push({ id: num(r.id), userId: r.user_id, roomId, at });
    }
    return out;
  }

  async listInvitations(userId: string, afterId: number, limit: number): Promise<InvitationRecord[]> {
    const rows = await this.db
      .selectFrom('invitations')
      .selectAll()
      .where('user_id', '=', userId)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: num(r.id), userId: r.user_id, roomId: r.room_id, at: num(r.created_at) }));
  }

  async invitationCursor(userId: string): Promise<number> {
    const r = await this.db
      .selectFrom('invitation_cursors')
      .select('last_seen')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r ? num(r.last_seen) : 0;
  }

  async countInvitations(): Promise<number> {
    const r = await this.db
      .selectFrom('invitations')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return num(r.n);
  }

  async advanceInvitationCursor(userId: string, id: number): Promise<{ lastSeen: number; changed: boolean }> {
    const current = await this.invitationCursor(userId);
    const newest = await this.db
      .selectFrom('invitations')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('user_id', '=', userId)
      .executeTakeFirst();
    // Never past the newest invitation the user has: a cursor from the future would hide new ones.
    const target = Math.min(id, newest?.id == null ? current : num(newest.id));
    if (target <= current) return { lastSeen: current, changed: false };
    await this.db
      .insertInto('invitation_cursors')
      .values({ user_id: userId, last_seen: target })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ last_seen: target }))
      .execute();
    // Seen invitations have served their purpose (the cursor roams): keep the table small (§8.1).
    await this.db.deleteFrom('invitations').where('user_id', '=', userId).where('id', '<=', target).execute();
    return { lastSeen: target, changed: true };
  }

  // ---- topic feeds and keyword alerts (spec §4.9): storage/alert-ops.ts

  listAlertFilters(userId?: string): Promise<AlertFilter[]> {
    return alerts.listAlertFilters(this.db, userId);
  }
  getAlertFilter(id: string): Promise<AlertFilter | undefined> {
    return alerts.getAlertFilter(this.db, id);
  }
  listAlertMatches(
    userId: string,
    page: { filterId?: string; before?: number; limit: number },
  ): Promise<(AlertMatch & { message: Message | undefined })[]> {
    return alerts.listAlertMatches(this.db, userId, page);
  }
  alertCursor(userId: string): Promise<number> {
    return alerts.alertCursor(this.db, userId);
  }
  countAlertsAfter(userId: string, afterId: number, cap: number): Promise<number> {
    return alerts.countAlertsAfter(this.db, userId, afterId, cap);
  }
  insertAlertFilter(filter: AlertFilter): Promise<void> {
    return alerts.insertAlertFilter(this.db, filter);
  }
  updateAlertFilter(filter: AlertFilter): Promise<boolean> {
    return alerts.updateAlertFilter(this.db, filter);
  }
  deleteAlertFilter(userId: string, id: string): Promise<boolean> {
    return alerts.deleteAlertFilter(this.db, userId, id);
  }
  insertAlertMatches(rows: readonly Omit<AlertMatch, 'id'>[]): Promise<AlertMatch[]> {
    return alerts.insertAlertMatches(this.db, rows);
  }
  advanceAlertCursor(userId: string, id: number): Promise<{ lastSeen: number; changed: boolean }> {
    return alerts.advanceAlertCursor(this.db, userId, id);
  }

  // ---- compliance processing (spec §5.1; compliance/processor.ts drives these)

  private get compliance(): Kysely<DB & ComplianceTables> {
    return this.db.withTables<ComplianceTables>();
  }

  async getComplianceConfig(): Promise<Record<string, string>> {
    const rows = await this.compliance.selectFrom('compliance_config').selectAll().execute();
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async setComplianceConfig(key: string, value: string): Promise<void> {
    await this.compliance
      .insertInto('compliance_config')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  async complianceState(): Promise<ComplianceState> {
    const r = await this.compliance
      .selectFrom('compliance_state')
      .selectAll()
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    const optional = (v: number | string | null) => (v === null ? null : num(v));
    const inFlight: ComplianceBatchPlan | null =
      r.batch_first_id === null || r.batch_last_id === null || r.batch_planned_at === null
        ? null
        : {
            number: num(r.batch_no),
            firstId: num(r.batch_first_id),
            lastId: num(r.batch_last_id),
            count: num(r.batch_count ?? 0),
            plannedAt: num(r.batch_planned_at),
          };
    return {
      cursor: num(r.cursor),
      batchNo: num(r.batch_no),
      inFlight,
      leaseOwner: r.lease_owner,
      leaseExpiresAt: optional(r.lease_expires_at),
      lastRunAt: optional(r.last_run_at),
      lastRunOk: r.last_run_ok === null ? null : bool(r.last_run_ok),
      lastRunBy: r.last_run_by,
      lastRunEvents: num(r.last_run_events),
      lastSuccessAt: optional(r.last_success_at),
      lastError: r.last_error,
      lastErrorAt: optional(r.last_error_at),
      processedTotal: num(r.processed_total),
    };
  }

  async complianceBacklog(): Promise<ComplianceBacklog> {
    const r = await this.db
      .selectFrom('compliance_events')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('id').as('first'), eb.fn.max('id').as('last')])
      .executeTakeFirstOrThrow();
    const count = num(r.n);
    if (count === 0) return { count: 0, firstId: null, lastId: null, oldestAt: null };
    const first = num(r.first);
    const oldest = await this.db
      .selectFrom('compliance_events')
      .select('at')
      .where('id', '=', first)
      .executeTakeFirst();
    return { count, firstId: first, lastId: num(r.last), oldestAt: oldest ? num(oldest.at) : null };
  }

  async nextComplianceRange(limit: number, maxId: number): Promise<ComplianceRange | undefined> {
    const r = await this.db
      .selectFrom((eb) =>
        eb
          .selectFrom('compliance_events')
          .select('id')
          .where('id', '<=', maxId)
          .orderBy('id')
          .limit(limit)
          .as('b'),
      )
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('b.id').as('first'), eb.fn.max('b.id').as('last')])
      .executeTakeFirstOrThrow();
    if (num(r.n) === 0) return undefined;
    return { firstId: num(r.first), lastId: num(r.last), count: num(r.n) };
  }

  async listComplianceRange(firstId: number, lastId: number): Promise<(ComplianceRecord & { id: number })[]> {
    const rows = await this.db
      .selectFrom('compliance_events')
      .selectAll()
      .where('id', '>=', firstId)
      .where('id', '<=', lastId)
      .orderBy('id')
      .execute();
    return rows.map(toComplianceRecord);
  }

  async takeComplianceLease(owner: string, now: number, expiresAt: number): Promise<boolean> {
    const r = await this.compliance
      .updateTable('compliance_state')
      .set({ lease_owner: owner, lease_expires_at: expiresAt })
      .where('id', '=', 1)
      .where((eb) =>
        eb.or([
          eb('lease_owner', 'is', null),
          eb('lease_owner', '=', owner),
          eb('lease_expires_at', '<=', now),
        ]),
      )
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async updateComplianceState(owner: string, patch: ComplianceStatePatch): Promise<boolean> {
    const values: Partial<ComplianceTables['compliance_state']> = { lease_owner: owner };
    if (patch.cursor !== undefined) values.cursor = patch.cursor;
    if (patch.batchNo !== undefined) values.batch_no = patch.batchNo;
    if (patch.inFlight !== undefined) {
      const b = patch.inFlight;
      values.batch_first_id = b?.firstId ?? null;
      values.batch_last_id = b?.lastId ?? null;
      values.batch_count = b?.count ?? null;
      values.batch_planned_at = b?.plannedAt ?? null;
      if (b) values.batch_no = b.number;
    }
    if (patch.leaseOwner === null) values.lease_owner = null;
    if (patch.leaseExpiresAt !== undefined) values.lease_expires_at = patch.leaseExpiresAt;
    if (patch.lastRunAt !== undefined) values.last_run_at = patch.lastRunAt;
    if (patch.lastRunOk !== undefined)
      values.last_run_ok = patch.lastRunOk === null ? null : int(patch.lastRunOk);
    if (patch.lastRunBy !== undefined) values.last_run_by = patch.lastRunBy;
    if (patch.lastRunEvents !== undefined) values.last_run_events = patch.lastRunEvents;
    if (patch.lastSuccessAt !== undefined) values.last_success_at = patch.lastSuccessAt;
    if (patch.lastError !== undefined) values.last_error = patch.lastError;
    if (patch.lastErrorAt !== undefined) values.last_error_at = patch.lastErrorAt;
    if (patch.processedTotal !== undefined) values.processed_total = patch.processedTotal;
    const r = await this.compliance
      .updateTable('compliance_state')
      .set(values)
      .where('id', '=', 1)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async deleteComplianceRange(firstId: number, lastId: number): Promise<number> {
    const r = await this.db
      .deleteFrom('compliance_events')
      .where('id', '>=', firstId)
      .where('id', '<=', lastId)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

function toComplianceRecord(r: Selectable<DB['compliance_events']>): ComplianceRecord & { id: number } {
  return {
    id: num(r.id),
    kind: r.kind as ComplianceKind,
    at: num(r.at),
    roomId: r.room_id,
    userId: r.user_id,
    messageSeq: r.message_seq === null ? null : num(r.message_seq),
    content: r.content,
    ...(r.details ? { details: JSON.parse(r.details) as Record<string, unknown> } : {}),
  };
}

function toFollow(r: {
  room_id: string;
  last_read_seq: number | string;
  created_at: number | string;
  unread: number | string | bigint | null;
}): FollowRecord {
  return {
    roomId: r.room_id,
    lastReadSeq: num(r.last_read_seq),
    followedAt: num(r.created_at),
    unread: r.unread === null ? 0 : num(r.unread),
  };
}

function parseActor(label: string): AuditEntry['actor'] {
  const i = label.indexOf(':');
  const kind = label.slice(0, i);
  const rest = label.slice(i + 1);
  if (kind === 'user') return { kind: 'user', userId: rest };
  if (kind === 'cli') return { kind: 'cli', osUser: rest };
  return { kind: 'system', job: rest };
}

export { bool };
