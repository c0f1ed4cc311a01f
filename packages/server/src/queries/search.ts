/**
 * Which rooms a user's history search may look into (spec §3.4 "read / get history / search
 * content", §3.8, §4.8): rooms they may read — policy enabled, in the category's scope (ethical
 * walls), a member unless the room is open — that are not disabled and whose category keeps
 * history.
 *
 * Listing every room from storage costs tens of milliseconds with a thousand rooms, so the list is
 * cached here and kept fresh by the same bus events that invalidate the access cache, on any node:
 * a changed, disabled or deleted room is reloaded alone (through the access cache), a changed
 * category reloads everything. Each user's readable list is cached against the subject object,
 * which the access cache replaces whenever users, groups or policies change, and recomputed after
 * any room change. Rights are therefore exactly as fresh as for every other access check.
 */
import type { AccessState, RoomView, UserSubject } from '../access/access-state.ts';
import { accessRoom, rulesOf, type RoomAccess } from '../access/access-room.ts';
import type { BusEvent } from '../bus/types.ts';
import { roomRights } from '../domain/permissions.ts';

export class SearchScope {
  private generation = 0;
  /** Every room with its category; rooms that changed since are refreshed one by one. */
  private views: Promise<Map<string, RoomView>> | undefined;
  private readonly changed = new Set<string>();
  private readonly readable = new WeakMap<UserSubject, { generation: number; rooms: RoomAccess[] }>();

  constructor(private readonly access: AccessState) {}

  /** Subscribe this to the bus. */
  readonly onBusEvent = (event: BusEvent): void => {
    if (event.kind === 'room.changed' || event.kind === 'room.disabled' || event.kind === 'room.deleted') {
      this.generation++;
      this.changed.add(event.roomId);
    } else if (event.kind === 'category.changed') {
      this.generation++;
      this.views = undefined;
      this.changed.clear();
    }
  };

  private async allViews(): Promise<{ generation: number; list: RoomView[] }> {
    const generation = this.generation;
    if (!this.views) {
      const fresh = this.access.allRooms().then((list) => new Map(list.map((v) => [v.room.id, v])));
      fresh.catch(() => {
        if (this.views === fresh) this.views = undefined;
      });
      this.views = fresh;
    }
    const views = await this.views;
    for (const roomId of [...this.changed]) {
      this.changed.delete(roomId);
      const view = await this.access.room(roomId);
      if (view) views.set(roomId, view);
      else views.delete(roomId);
    }
    return { generation, list: [...views.values()] };
  }

  /**
   * With `requested` rooms: exactly those, each checked like a history read (a room the user may
   * not see fails `not_found`, one they see but may not read `forbidden`); rooms whose category
   * keeps no history contribute nothing. Without: every room the user may read.
   */
  async rooms(subject: UserSubject, requested?: readonly string[]): Promise<RoomAccess[]> {
    if (requested !== undefined) {
      const out: RoomAccess[] = [];
      for (const roomId of new Set(requested)) {
        const room = await accessRoom(this.access, subject, roomId, 'read');
        if (room.category.chatHistory) out.push(room);
      }
      return out;
    }
    const cached = this.readable.get(subject);
    if (cached?.generation === this.generation) return cached.rooms;
    const { generation, list } = await this.allViews();
    const rooms: RoomAccess[] = [];
    for (const view of list) {
      if (view.room.disabled || !view.category.chatHistory) continue;
      const rights = roomRights(subject, rulesOf(view));
      if (rights.read) rooms.push({ ...view, rights });
    }
    // A load that raced with an invalidation is used once but not kept.
    if (generation === this.generation) this.readable.set(subject, { generation, rooms });
    return rooms;
  }
}
