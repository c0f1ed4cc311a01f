/**
 * Role purge (spec §3.2): when a category's scope changes or a room moves, every role entry that
 * would no longer be allowed is removed. Administrators are never purged (they are not bound by
 * scope). Presenters go when a room is no longer an auditorium (spec §3.5, decision 0003).
 */
import type { AccessState } from '../access/access-state.ts';
import type { Category, Room } from '../domain/model.ts';
import { roleAssignmentProblem, type RoomRole } from '../domain/permissions.ts';
import type { PrincipalRef } from '../domain/principals.ts';
import type { RoomRoleName, StoreWriter } from '../storage/types.ts';

export async function isEligible(
  access: AccessState,
  tx: StoreWriter,
  ref: PrincipalRef,
  role: RoomRole,
  room: Pick<Room, 'type'>,
  category: Category,
): Promise<ReturnType<typeof roleAssignmentProblem>> {
  const isAdminUser = ref.startsWith('u:') && (await tx.getUser(ref.slice(2)))?.isAdmin === true;
  return roleAssignmentProblem(
    role,
    room.type,
    await access.affiliationsOfPrincipal(ref),
    isAdminUser,
    category,
  );
}

/** Removes ineligible role entries of `room` (as it will be) in `category`; returns what went. */
export async function purgeRoomRoles(
  access: AccessState,
  tx: StoreWriter,
  room: Room,
  category: Category,
  now: number,
): Promise<Record<RoomRoleName, PrincipalRef[]>> {
  const removed: Record<RoomRoleName, PrincipalRef[]> = { member: [], manager: [], presenter: [] };
  const lists: [RoomRoleName, readonly PrincipalRef[]][] = [
    ['member', room.members],
    ['manager', room.managers],
    ['presenter', room.presenters],
  ];
  for (const [role, list] of lists) {
    const keep: PrincipalRef[] = [];
    for (const ref of list) {
      if ((await isEligible(access, tx, ref, role, room, category)) === undefined) keep.push(ref);
      else removed[role].push(ref);
    }
    if (removed[role].length > 0) await tx.setRoomRole(room.id, role, keep);
  }
  if (removed.member.length + removed.manager.length + removed.presenter.length > 0) {
    await tx.updateRoom(room.id, { updatedAt: now, purgedAt: now });
  }
  return removed;
}
