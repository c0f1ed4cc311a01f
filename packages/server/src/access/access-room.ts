/**
 * The only way to load a room as seen by a user. A room the user may not see fails exactly like a
 * missing one (`not_found`); a room they see but may not use in the asked way fails `forbidden`.
 */
import { fail, notFound } from '../domain/errors.ts';
import { roomRights, type RoomRights, type RoomRules } from '../domain/permissions.ts';
import type { AccessState, RoomView, UserSubject } from './access-state.ts';

export interface RoomAccess extends RoomView {
  readonly rights: RoomRights;
}

export function rulesOf(view: Pick<RoomView, 'room' | 'category'>): RoomRules {
  return { ...view.room, category: view.category };
}

export async function accessRoom(
  state: AccessState,
  subject: UserSubject,
  roomId: string,
  need: keyof RoomRights,
): Promise<RoomAccess> {
  const view = await state.room(roomId);
  if (!view) notFound('room');
  return accessView(state, subject, view, need);
}

/** `accessRoom` on a view already at hand (the cached one: `state.cachedRoom`). */
export function accessView(
  state: AccessState,
  subject: UserSubject,
  view: RoomView,
  need: keyof RoomRights,
): RoomAccess {
  const rights = rightsOf(state, subject, view);
  if (!rights.see) notFound('room');
  if (!rights[need]) fail('forbidden', `not allowed to ${need} in this room`);
  // Field by field: this runs for every post.
  return { room: view.room, category: view.category, addin: view.addin, rights };
}

/**
 * Rights of a subject in a room, remembered while nothing that decides access changed: an entry
 * is used only under the access state's generation it was computed in (every invalidation of
 * rooms, categories, users, groups, policies increments it), and only entries computed from the
 * cached subject and the cached room are kept. A posted message changes no rule.
 */
const rightsCache = new WeakMap<UserSubject, Map<string, { generation: number; rights: RoomRights }>>();

function rightsOf(state: AccessState, subject: UserSubject, view: RoomView): RoomRights {
  const roomId = view.room.id;
  let perRoom = rightsCache.get(subject);
  const hit = perRoom?.get(roomId);
  if (hit && hit.generation === state.generation) return hit.rights;
  const rights = roomRights(subject, rulesOf(view));
  if (state.cachedSubject(subject.userId) === subject && state.cachedRoom(roomId) === view) {
    if (!perRoom) {
      perRoom = new Map();
      rightsCache.set(subject, perRoom);
    }
    perRoom.set(roomId, { generation: state.generation, rights });
  }
  return rights;
}
