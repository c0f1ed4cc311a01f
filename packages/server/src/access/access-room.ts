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
  const rights = roomRights(subject, rulesOf(view));
  if (!rights.see) notFound('room');
  if (!rights[need]) fail('forbidden', `not allowed to ${need} in this room`);
  return { ...view, rights };
}
