/**
 * Invitations (spec §4.12, §2.13, §3.7; docs/decisions/0005). When a change newly gives users
 * access to a room whose invitations are in effect (category on, room `inherit`), each of them
 * gets an invitation, stored in the same transaction as the change and delivered live after the
 * commit. Access means "may join the room" by scope and roles: members of a closed or secret room,
 * everyone in the category's scope for an open one (decision 0003). Only access that is *newly*
 * granted invites; switching invitations on is not retroactive.
 *
 * Called by the room and category actions inside their transactions: room creation, members
 * added, privacy changed to open, a move to another category (inviteAfterRoomChange), and the
 * category's allowed list widened or denied list narrowed (inviteAfterScopeChange). The directory
 * actions call inviteAfterDirectoryChange: a user created (a domain may be allowed), made an
 * administrator, or added to or removed from a group (a denied group too).
 *
 * Candidates are found by expanding the principals that could have granted the access (groups
 * through the group graph, domains through the user list) and each is then checked with the same
 * rules as every access check (domain/permissions.ts), before and after the change.
 */
import type { UserSubject } from '../access/access-state.ts';
import type { BusEvent } from '../bus/types.ts';
import { fail } from '../domain/errors.ts';
import type { Actor, Category, Room, User } from '../domain/model.ts';
import { inScope, roomRights, type RoomRules, type Subject } from '../domain/permissions.ts';
import { affiliationsOf, domainOfAddress, type PrincipalRef } from '../domain/principals.ts';
import type { InvitationRecord, RoomRoleName, StoreWriter } from '../storage/types.ts';
import { subjectOf, transact, type ActionContext } from './context.ts';

type Emit = (event: BusEvent) => void;

/** A room with the category whose rules apply to it. */
export interface AccessRules {
  readonly room: Room;
  readonly category: Category;
}

/** Spec §3.7: the category allows invitations and the room inherits that. */
export function invitationsEffective(
  room: Pick<Room, 'invitations'>,
  category: Pick<Category, 'invitations'>,
): boolean {
  return category.invitations && room.invitations === 'inherit';
}

/** Above this many candidates, one read of every user beats one read per user. */
const FETCH_ONE_BY_ONE = 200;

/**
 * The directory as the invitation rules need it, read once per transaction: the group graph in
 * both directions, and users (one by one for a few, all at once for many or for a domain).
 */
class UserDirectory {
  private graph:
    | Promise<{
        parents: Map<PrincipalRef, PrincipalRef[]>;
        children: Map<PrincipalRef, PrincipalRef[]>;
      }>
    | undefined;
  private all: Promise<User[]> | undefined;

  constructor(private readonly tx: StoreWriter) {}

  private edges() {
    this.graph ??= this.tx.groupEdges().then((edges) => {
      const parents = new Map<PrincipalRef, PrincipalRef[]>();
      const children = new Map<PrincipalRef, PrincipalRef[]>();
      const add = (map: Map<PrincipalRef, PrincipalRef[]>, key: PrincipalRef, value: PrincipalRef) => {
        const list = map.get(key);
        if (list) list.push(value);
        else map.set(key, [value]);
      };
      for (const { groupId, member } of edges) {
        add(parents, member, `g:${groupId}`);
        add(children, `g:${groupId}`, member);
      }
      return { parents, children };
    });
    return this.graph;
  }

  allUsers(): Promise<User[]> {
    this.all ??= this.tx.listUsers();
    return this.all;
  }

  /** User ids covered by the principals (a superset is fine), or 'all' when a domain is involved. */
  async expand(refs: readonly PrincipalRef[]): Promise<Set<string> | 'all'> {
    const { children } = await this.edges();
    const users = new Set<string>();
    const seen = new Set<PrincipalRef>();
    const queue = [...refs];
    for (let ref = queue.pop(); ref !== undefined; ref = queue.pop()) {
      if (seen.has(ref)) continue;
      seen.add(ref);
      if (ref.startsWith('d:')) return 'all';
      if (ref.startsWith('u:')) users.add(ref.slice(2));
      else queue.push(...(children.get(ref) ?? []));
    }
    return users;
  }

  /** Enabled users among `candidates`. */
  async users(candidates: Set<string> | 'all'): Promise<User[]> {
    let users: User[];
    if (candidates !== 'all' && candidates.size <= FETCH_ONE_BY_ONE) {
      users = [];
      for (const id of candidates) {
        const user = await this.tx.getUser(id);
        if (user) users.push(user);
      }
    } else {
      const all = await this.allUsers();
      users = candidates === 'all' ? all : all.filter((u) => candidates.has(u.id));
    }
    return users.filter((u) => !u.disabled);
  }

  /**
   * The users as access rules see them. The policy is left out on purpose: it can change at any
   * time without touching rooms, and listings check it (decision 0005).
   */
  async subjects(users: readonly User[]): Promise<Subject[]> {
    const { parents } = await this.edges();
    const parentsOf = (r: PrincipalRef) => parents.get(r) ?? [];
    return users.map((user) => ({
      userId: user.id,
      isAdmin: user.isAdmin,
      chatEnabled: true,
      affiliations: affiliationsOf(user.id, domainOfAddress(user.sipUri), parentsOf),
    }));
  }
}

/** The rules that decide access here: a disabled room counts as accessible (disabling grants nothing). */
function accessRules(rules: AccessRules): RoomRules {
  return { ...rules.room, disabled: false, category: rules.category };
}

/** May join by scope and roles. */
const canAccess = (subject: Subject, rules: RoomRules): boolean => roomRights(subject, rules).join;

const sameList = (a: readonly PrincipalRef[], b: readonly PrincipalRef[]) =>
  a.length === b.length && a.every((r) => b.includes(r));

const sameScope = (a: Category, b: Category) =>
  a.id === b.id && sameList(a.allowed, b.allowed) && sameList(a.denied, b.denied);

const userIdOf = (actor: Actor | undefined) => (actor?.kind === 'user' ? actor.userId : undefined);

async function invite(
  tx: StoreWriter,
  emit: Emit,
  room: Room,
  userIds: readonly string[],
  at: number,
): Promise<InvitationRecord[]> {
  if (userIds.length === 0) return [];
  const rows = await tx.insertInvitations(room.id, userIds, at);
  // A disabled room cannot be joined: its invitations wait, unannounced, for it to be enabled.
  if (room.disabled) return rows;
  emit({
    kind: 'invitations',
    roomId: room.id,
    roomName: room.name,
    at,
    invited: rows.map((r) => ({ userId: r.userId, id: r.id })),
  });
  return rows;
}

/**
 * A room was created (`before` undefined) or changed, possibly moved: invites everyone who may
 * access it now and could not before, except the user who made the change. Returns the
 * invitations made.
 */
export async function inviteAfterRoomChange(
  tx: StoreWriter,
  emit: Emit,
  before: AccessRules | undefined,
  after: AccessRules,
  at: number,
  actor?: Actor,
): Promise<InvitationRecord[]> {
  if (!invitationsEffective(after.room, after.category)) return [];
  const actorId = userIdOf(actor);
  const directory = new UserDirectory(tx);
  const scopeKept = before !== undefined && sameScope(before.category, after.category);
  let candidates: Set<string> | 'all';
  if (after.room.privacy === 'open') {
    // Everyone in scope may join an open room: only a first opening or a scope change grants.
    if (scopeKept && before.room.privacy === 'open') return [];
    candidates = 'all';
  } else {
    // Closing an open room in the same scope grants nothing: members were all in scope already.
    if (scopeKept && before.room.privacy === 'open') return [];
    const refs = scopeKept
      ? after.room.members.filter((r) => !before.room.members.includes(r))
      : after.room.members;
    if (refs.length === 0) return [];
    candidates = await directory.expand(refs);
  }
  const was = before && accessRules(before);
  const now = accessRules(after);
  const users = (await directory.users(candidates)).filter((u) => u.id !== actorId);
  const granted = (await directory.subjects(users))
    .filter((s) => canAccess(s, now) && !(was && canAccess(s, was)))
    .map((s) => s.userId);
  return invite(tx, emit, after.room, granted, at);
}

export interface RoomBeforeAfter {
  readonly before: Room;
  readonly after: Room;
}

/** The room once the roles `purgeRoomRoles` reported removed are gone. */
export function afterPurge(
  room: Room,
  removed: Readonly<Record<RoomRoleName, readonly PrincipalRef[]>>,
): Room {
  const keep = (list: readonly PrincipalRef[], gone: readonly PrincipalRef[]) =>
    gone.length === 0 ? list : list.filter((r) => !gone.includes(r));
  return {
    ...room,
    members: keep(room.members, removed.member),
    managers: keep(room.managers, removed.manager),
    presenters: keep(room.presenters, removed.presenter),
  };
}

/**
 * A category's scope changed (its rooms' out-of-scope roles already purged): invites the users
 * who entered the scope and may now access rooms of it. Only they can have gained anything, since
 * roles are only ever removed by a scope change.
 */
export async function inviteAfterScopeChange(
  tx: StoreWriter,
  emit: Emit,
  before: Category,
  after: Category,
  rooms: readonly RoomBeforeAfter[],
  at: number,
  actor?: Actor,
): Promise<InvitationRecord[]> {
  if (!after.invitations) return [];
  const actorId = userIdOf(actor);
  const affected = rooms.filter((r) => invitationsEffective(r.after, after));
  // Only an entry added to the allowed list or removed from the denied list lets anyone in.
  const widened = [
    ...after.allowed.filter((r) => !before.allowed.includes(r)),
    ...before.denied.filter((r) => !after.denied.includes(r)),
  ];
  if (affected.length === 0 || widened.length === 0) return [];
  const directory = new UserDirectory(tx);
  const users = (await directory.users(await directory.expand(widened))).filter((u) => u.id !== actorId);
  const entered = (await directory.subjects(users)).filter((s) => !inScope(s, before) && inScope(s, after));
  if (entered.length === 0) return [];
  const out: InvitationRecord[] = [];
  for (const room of affected) {
    const was = accessRules({ room: room.before, category: before });
    const now = accessRules({ room: room.after, category: after });
    const granted = entered.filter((s) => canAccess(s, now) && !canAccess(s, was)).map((s) => s.userId);
    out.push(...(await invite(tx, emit, room.after, granted, at)));
  }
  return out;
}

/** The users a directory change may affect, as access rules saw them before it; read it first. */
export async function directoryBefore(
  tx: StoreWriter,
  refs: readonly PrincipalRef[],
): Promise<ReadonlyMap<string, Subject>> {
  const directory = new UserDirectory(tx);
  const subjects = await directory.subjects(await directory.users(await directory.expand(refs)));
  return new Map(subjects.map((s) => [s.userId, s]));
}

/**
 * The directory changed: a user was created or made an administrator, or group members were added
 * or removed, or a group deleted. Invites each of `userIds` to the rooms with invitations in effect
 * that they may access now and could not before (`before`, from `directoryBefore`; a user absent
 * from it could access nothing). Only a room whose members or category scope name an affiliation
 * the user gained or lost can decide differently now, so only those are checked, unless
 * `everyRoom` (a new administrator is in every scope). When the change also rewrote rooms and
 * categories (a deleted group's entries go with it), `was` holds them as they were: access before
 * is judged by those.
 */
export async function inviteAfterDirectoryChange(
  tx: StoreWriter,
  emit: Emit,
  before: ReadonlyMap<string, Subject>,
  userIds: Iterable<string>,
  at: number,
  actor?: Actor,
  options: {
    readonly everyRoom?: boolean;
    readonly was?: ReadonlyMap<string, { readonly room: Room; readonly category: Category }>;
  } = {},
): Promise<InvitationRecord[]> {
  const everyRoom = options.everyRoom ?? false;
  const actorId = userIdOf(actor);
  const candidates = new Set([...userIds].filter((id) => id !== actorId));
  if (candidates.size === 0) return [];
  const directory = new UserDirectory(tx);
  const after = await directory.subjects(await directory.users(candidates));
  const changed = new Set<PrincipalRef>();
  for (const subject of after) {
    const was = before.get(subject.userId)?.affiliations ?? new Set<PrincipalRef>();
    for (const ref of subject.affiliations) if (!was.has(ref)) changed.add(ref);
    for (const ref of was) if (!subject.affiliations.has(ref)) changed.add(ref);
  }
  if (after.length === 0 || (changed.size === 0 && !everyRoom)) return [];
  const names = (list: readonly PrincipalRef[]) => everyRoom || list.some((ref) => changed.has(ref));
  const categories = new Map((await tx.listCategories()).map((c) => [c.id, c]));
  const out: InvitationRecord[] = [];
  for (const room of await tx.listRooms({ includeDisabled: true })) {
    const category = categories.get(room.categoryId);
    if (!category || !invitationsEffective(room, category)) continue;
    const old = options.was?.get(room.id) ?? { room, category };
    const named = [room.members, category.allowed, category.denied];
    if (old.room !== room) named.push(old.room.members, old.category.allowed, old.category.denied);
    if (!named.some(names)) continue;
    const rules = accessRules({ room, category });
    const rulesBefore = old.room === room ? rules : accessRules(old);
    const granted = after
      .filter((s) => {
        const was = before.get(s.userId);
        return canAccess(s, rules) && !(was && canAccess(was, rulesBefore));
      })
      .map((s) => s.userId);
    out.push(...(await invite(tx, emit, room, granted, at)));
  }
  return out;
}

/** Marks every invitation up to `id` seen, for all the user's connections (the cursor roams). */
export async function doMarkInvitationsSeen(
  ctx: ActionContext,
  actor: Actor,
  id: number,
): Promise<{ lastSeen: number }> {
  const subject: UserSubject | undefined = await subjectOf(ctx, actor);
  if (!subject) fail('forbidden', 'invitations belong to users');
  return transact(ctx, async (tx, emit) => {
    const { lastSeen, changed } = await tx.advanceInvitationCursor(subject.userId, id);
    if (changed) emit({ kind: 'user.event', userId: subject.userId, event: { type: 'seen', lastSeen } });
    return { lastSeen };
  });
}
