/**
 * Rooms (spec §2.4, §3): create, change properties and roles, move, disable, delete. Every role
 * added is checked against the category scope; roles that fall out of scope are purged.
 */
import { accessRoom } from '../access/access-room.ts';
import { checkDescription, checkName } from '../domain/names.ts';
import { fail, notFound } from '../domain/errors.ts';
import type { Actor, Category, Room, RoomInvitations } from '../domain/model.ts';
import { canCreateIn, canMoveTo, type Privacy, type RoomType } from '../domain/permissions.ts';
import { userRef, type PrincipalRef } from '../domain/principals.ts';
import type { RoomRoleName, StoreWriter } from '../storage/types.ts';
import { subjectOf, transact, type ActionContext } from './context.ts';
import { applyListChange, principalName, type ListChange } from './principals.ts';
import { isEligible, purgeRoomRoles } from './purge.ts';
import { inviteAfterRoomChange } from './invitations.ts';
import { rulesOf } from '../access/access-room.ts';

export interface NewRoomInput {
  readonly name: string;
  readonly category: string;
  readonly description?: string;
  readonly privacy?: Privacy;
  readonly type?: RoomType;
  readonly invitations?: RoomInvitations;
  readonly addin?: string | null;
  readonly disabled?: boolean;
  readonly members?: readonly string[];
  readonly managers?: readonly string[];
  readonly presenters?: readonly string[];
}

async function findCategory(tx: StoreWriter, idOrName: string): Promise<Category> {
  const category = (await tx.getCategory(idOrName)) ?? (await tx.findCategory(idOrName));
  if (!category) fail('not_found', `category not found: ${idOrName}`);
  return category;
}

/** A registered add-in by id or name; empty or null detaches (spec §2.5: at most one per room). */
async function findAddin(tx: StoreWriter, idOrName: string | null | undefined): Promise<string | null> {
  if (idOrName === null || idOrName === undefined || idOrName === '') return null;
  const addin = await tx.getAddin(idOrName);
  if (!addin) fail('not_found', `add-in not found: ${idOrName}`);
  return addin.id;
}

async function checkRoles(
  ctx: ActionContext,
  tx: StoreWriter,
  room: Pick<Room, 'type'>,
  category: Category,
  role: RoomRoleName,
  refs: readonly PrincipalRef[],
): Promise<void> {
  for (const ref of refs) {
    const problem = await isEligible(ctx.access, tx, ref, role, room, category);
    if (problem === 'out_of_scope')
      fail('out_of_scope', `${await principalName(tx, ref)} is not allowed in category ${category.name}`, {
        principal: ref,
      });
    if (problem === 'presenters_need_auditorium')
      fail('presenters_need_auditorium', 'only auditorium rooms have presenters');
  }
}

export async function doCreateRoom(ctx: ActionContext, actor: Actor, input: NewRoomInput): Promise<Room> {
  const subject = await subjectOf(ctx, actor);
  const now = ctx.clock();
  const name = checkName('room', input.name);
  const description = checkDescription(input.description ?? '');
  return transact(ctx, async (tx, emit) => {
    const category = await findCategory(tx, input.category);
    if (subject && !canCreateIn(subject, category)) {
      // A category the user may not create in is reported like a missing one.
      fail('not_found', `category not found: ${input.category}`);
    }
    if (await tx.findRoom(name)) fail('name_taken', 'a room with that name exists');
    const type = input.type ?? 'normal';
    const members = await applyListChange(tx, [], { set: input.members ?? [] });
    // The creator becomes a manager (spec §3.3); managers are not members unless added.
    const managers = await applyListChange(tx, subject ? [userRef(subject.userId)] : [], {
      add: input.managers ?? [],
    });
    const presenters = await applyListChange(tx, [], { set: input.presenters ?? [] });
    await checkRoles(ctx, tx, { type }, category, 'member', members);
    await checkRoles(ctx, tx, { type }, category, 'manager', managers);
    await checkRoles(ctx, tx, { type }, category, 'presenter', presenters);
    const room: Room = {
      id: ctx.newId(),
      name,
      description,
      categoryId: category.id,
      privacy: input.privacy ?? 'closed',
      type,
      invitations: input.invitations ?? 'inherit',
      addinId: await findAddin(tx, input.addin),
      disabled: input.disabled === true,
      lastSeq: 0,
      members,
      managers,
      presenters,
      createdAt: now,
      createdBy: subject?.userId ?? '',
      updatedAt: now,
    };
    await tx.insertRoom(room);
    await tx.recordAudit({
      at: now,
      actor,
      action: 'room.create',
      target: `room:${room.id}`,
      details: { name, category: category.name },
    });
    emit({ kind: 'room.changed', roomId: room.id, access: true });
    await inviteAfterRoomChange(tx, emit, undefined, { room, category }, now, actor);
    return room;
  });
}

export interface RoomChanges {
  readonly name?: string;
  readonly description?: string;
  readonly privacy?: Privacy;
  readonly type?: RoomType;
  readonly invitations?: RoomInvitations;
  readonly addin?: string | null;
  readonly disabled?: boolean;
  /** Move to another category (by id or name). */
  readonly category?: string;
  readonly members?: ListChange;
  readonly managers?: ListChange;
  readonly presenters?: ListChange;
}

/** Loads the room for a change: managers and administrators only; others see `not_found`/`forbidden`. */
async function roomForChange(ctx: ActionContext, actor: Actor, roomId: string) {
  const subject = await subjectOf(ctx, actor);
  if (subject) {
    const access = await accessRoom(ctx.access, subject, roomId, 'manage');
    return { subject, room: access.room };
  }
  const view = await ctx.access.room(roomId);
  if (!view) notFound('room');
  return { subject, room: view.room };
}

export async function doUpdateRoom(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  changes: RoomChanges,
): Promise<Room> {
  const { subject } = await roomForChange(ctx, actor, roomId);
  const now = ctx.clock();
  const name = changes.name === undefined ? undefined : checkName('room', changes.name);
  if (changes.description !== undefined) checkDescription(changes.description);
  return transact(ctx, async (tx, emit) => {
    const before = await tx.getRoom(roomId);
    if (!before) notFound('room');
    const fromCategory = (await tx.getCategory(before.categoryId)) as Category;
    let category = fromCategory;
    if (changes.category !== undefined) {
      category = await findCategory(tx, changes.category);
      if (
        subject &&
        category.id !== fromCategory.id &&
        !canMoveTo(subject, rulesOf({ room: before, category: fromCategory }), category)
      ) {
        fail('not_found', `category not found: ${changes.category}`);
      }
    }
    if (name !== undefined && name.toLowerCase() !== before.name.toLowerCase() && (await tx.findRoom(name))) {
      fail('name_taken', 'a room with that name exists');
    }
    const type = changes.type ?? before.type;
    const addinId = changes.addin === undefined ? before.addinId : await findAddin(tx, changes.addin);
    await tx.updateRoom(roomId, {
      updatedAt: now,
      ...(name !== undefined ? { name } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.privacy !== undefined ? { privacy: changes.privacy } : {}),
      ...(changes.type !== undefined ? { type } : {}),
      ...(changes.invitations !== undefined ? { invitations: changes.invitations } : {}),
      ...(changes.addin !== undefined ? { addinId } : {}),
      ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
      ...(category.id !== before.categoryId ? { categoryId: category.id } : {}),
    });
    const roleChanges = await changeRoles(ctx, tx, before, { type }, category, changes);
    const after = (await tx.getRoom(roomId)) as Room;
    // Out-of-scope roles go when the category changes; presenters go when it stops being an auditorium.
    const purged =
      category.id !== before.categoryId || (before.type === 'auditorium' && type === 'normal')
        ? await purgeRoomRoles(ctx.access, tx, after, category, now)
        : undefined;
    const { members: _m, managers: _g, presenters: _p, ...plain } = changes;
    await tx.recordAudit({
      at: now,
      actor,
      action: 'room.update',
      target: `room:${roomId}`,
      details: { ...plain, ...roleChanges, ...(purged ? { purged } : {}) },
    });
    if (changes.disabled === true && !before.disabled) emit({ kind: 'room.disabled', roomId });
    emit({ kind: 'room.changed', roomId, access: true });
    const changed = (await tx.getRoom(roomId)) as Room;
    const was = { room: before, category: fromCategory };
    await inviteAfterRoomChange(tx, emit, was, { room: changed, category }, now, actor);
    return changed;
  });
}

async function changeRoles(
  ctx: ActionContext,
  tx: StoreWriter,
  before: Room,
  room: Pick<Room, 'type'>,
  category: Category,
  changes: Pick<RoomChanges, 'members' | 'managers' | 'presenters'>,
): Promise<Record<string, PrincipalRef[]>> {
  const out: Record<string, PrincipalRef[]> = {};
  const plan: [RoomRoleName, 'members' | 'managers' | 'presenters'][] = [
    ['member', 'members'],
    ['manager', 'managers'],
    ['presenter', 'presenters'],
  ];
  for (const [role, key] of plan) {
    const change = changes[key];
    if (!change) continue;
    const next = await applyListChange(tx, before[key], change);
    const added = next.filter((r) => !before[key].includes(r));
    await checkRoles(ctx, tx, room, category, role, added);
    await tx.setRoomRole(before.id, role, next);
    out[key] = next;
  }
  return out;
}

/** Changes members, managers and presenters in one step (managers and administrators). */
export async function doSetRoomRoles(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  changes: Pick<RoomChanges, 'members' | 'managers' | 'presenters'>,
): Promise<Room> {
  return doUpdateRoom(ctx, actor, roomId, changes);
}

/** Administrators only (spec §3.3): managers can only disable. */
export async function doDeleteRoom(ctx: ActionContext, actor: Actor, roomId: string): Promise<void> {
  const subject = await subjectOf(ctx, actor);
  if (subject) {
    const access = await accessRoom(ctx.access, subject, roomId, 'see');
    if (!access.rights.administer) fail('forbidden', 'only administrators delete rooms');
  }
  await transact(ctx, async (tx, emit) => {
    const room = await tx.getRoom(roomId);
    if (!room) notFound('room');
    await tx.deleteRoom(roomId);
    await tx.recordAudit({
      at: ctx.clock(),
      actor,
      action: 'room.delete',
      target: `room:${roomId}`,
      details: { name: room.name },
    });
    emit({ kind: 'room.deleted', roomId });
  });
}
