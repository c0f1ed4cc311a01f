/**
 * The room directory as seen by one user (spec §3.4 row 1): rooms they may discover, optionally
 * filtered by name/description text and category. Secret rooms appear only to members; disabled
 * rooms to no one.
 */
import type { AccessState, UserSubject } from '../access/access-state.ts';
import { rulesOf, type RoomAccess } from '../access/access-room.ts';
import { roomRights } from '../domain/permissions.ts';

export interface DirectoryQuery {
  readonly text?: string;
  readonly categoryId?: string;
  /** Only rooms where the user holds this role. */
  readonly role?: 'member' | 'manager';
  readonly limit?: number;
}

export async function listVisibleRooms(
  access: AccessState,
  subject: UserSubject,
  q: DirectoryQuery,
): Promise<RoomAccess[]> {
  const text = q.text?.toLowerCase();
  const out: RoomAccess[] = [];
  for (const view of await access.allRooms()) {
    const rights = roomRights(subject, rulesOf(view));
    const holds = (list: readonly string[]) => list.some((r) => subject.affiliations.has(r as never));
    if (q.role === 'manager') {
      // Managers see their rooms even when disabled, so they can enable them again.
      if (!(rights.manage && holds(view.room.managers))) continue;
    } else if (!rights.discover || (q.role === 'member' && !holds(view.room.members))) continue;
    if (q.categoryId !== undefined && view.room.categoryId !== q.categoryId) continue;
    if (
      text &&
      !view.room.name.toLowerCase().includes(text) &&
      !view.room.description.toLowerCase().includes(text)
    )
      continue;
    out.push({ ...view, rights });
    if (out.length >= (q.limit ?? 1000)) break;
  }
  return out;
}
