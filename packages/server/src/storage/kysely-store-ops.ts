/**
 * The reader/writer of the storage port written once with Kysely, so SQLite and PostgreSQL share
 * every query. Adapters bind it to a connection (or transaction) and override hot paths only
 * where a dialect can do better.
 */
import { sql, type Kysely } from 'kysely';
import type {
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
import { bool, int, num, toCategory, toGroup, toMessage, toPolicy, toRoom, toUser } from './rows.ts';
import type { CategoryLists, RoomRoleLists } from './rows.ts';
import type { DB } from './schema.ts';
import type {
  CategoryList,
  CategoryPatch,
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
    await this.db.deleteFrom('messages').where('room_id', '=', id).execute();
    await this.db.deleteFrom('room_roles').where('room_id', '=', id).execute();
    await this.db.deleteFrom('rooms').where('id', '=', id).execute();
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
    if (w.since !== undefined) q = q.where('created_at', '>=', w.since);
    if (w.until !== undefined) q = q.where('created_at', '<=', w.until);
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
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return num(r.id);
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
    return rows.map((r) => ({
      id: num(r.id),
      kind: r.kind as ComplianceKind,
      at: num(r.at),
      roomId: r.room_id,
      userId: r.user_id,
      messageSeq: r.message_seq === null ? null : num(r.message_seq),
      content: r.content,
      ...(r.details ? { details: JSON.parse(r.details) as Record<string, unknown> } : {}),
    }));
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
