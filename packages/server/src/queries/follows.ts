/**
 * Following and invitations as seen by one user (spec §4.7, §4.12): the followed rooms with unread
 * counts, and the invitations not yet seen. Both show only rooms the user may still use now: a
 * followed room they can no longer read is left out (the follow is kept, and comes back with the
 * access); an invitation to a room they cannot join (any more, or while it is disabled) is too.
 */
import type { WireFollow, WireInvitation } from '@stoa/protocol';
import type { AccessState, UserSubject } from '../access/access-state.ts';
import { rulesOf, type RoomAccess } from '../access/access-room.ts';
import { notFound } from '../domain/errors.ts';
import { roomRights } from '../domain/permissions.ts';
import { roomToWire } from '../live/wire.ts';
import type { FollowRecord, InvitationRecord, StoreReader } from '../storage/types.ts';

/** Invitations returned by one listing, at most. */
export const MAX_INVITATIONS_PAGE = 1000;

export function followToWire(access: RoomAccess, lastReadSeq: number, unread: number): WireFollow {
  return { room: roomToWire(access), lastReadSeq, unread };
}

export function invitationToWire(invitation: InvitationRecord, name: string): WireInvitation {
  return { id: invitation.id, room: invitation.roomId, name, at: invitation.at };
}

export interface FollowList {
  /** Followed rooms the user may read now, oldest follow first. */
  readonly follows: WireFollow[];
  /** Every followed room id, readable or not (the hub's follower index). */
  readonly roomIds: string[];
}

export async function listFollows(
  access: AccessState,
  read: StoreReader,
  subject: UserSubject,
): Promise<FollowList> {
  const rows: FollowRecord[] = await read.listFollows(subject.userId);
  const follows: WireFollow[] = [];
  for (const row of rows) {
    const view = await access.room(row.roomId);
    if (!view) continue;
    const rights = roomRights(subject, rulesOf(view));
    if (!rights.read) continue;
    follows.push(followToWire({ ...view, rights }, row.lastReadSeq, row.unread));
  }
  return { follows, roomIds: rows.map((r) => r.roomId) };
}

/** One followed room; `not_found` when not followed or no longer readable. */
export async function getFollow(
  access: AccessState,
  read: StoreReader,
  subject: UserSubject,
  roomId: string,
): Promise<WireFollow> {
  const row = await read.getFollow(subject.userId, roomId);
  const view = row && (await access.room(roomId));
  const rights = view && roomRights(subject, rulesOf(view));
  if (!row || !view || !rights?.read) notFound('room');
  return followToWire({ ...view, rights }, row.lastReadSeq, row.unread);
}

export interface InvitationList {
  readonly invitations: WireInvitation[];
  /** The last invitation id the user has seen. */
  readonly lastSeen: number;
}

/** Invitations with id > `since` (default: the user's last seen one), to rooms they may join now. */
export async function listInvitations(
  access: AccessState,
  read: StoreReader,
  subject: UserSubject,
  q: { since?: number; limit?: number } = {},
): Promise<InvitationList> {
  const lastSeen = await read.invitationCursor(subject.userId);
  const limit = Math.min(Math.max(1, q.limit ?? MAX_INVITATIONS_PAGE), MAX_INVITATIONS_PAGE);
  const rows = await read.listInvitations(subject.userId, q.since ?? lastSeen, limit);
  const invitations: WireInvitation[] = [];
  for (const row of rows) {
    const view = await access.room(row.roomId);
    if (!view || !roomRights(subject, rulesOf(view)).join) continue;
    invitations.push(invitationToWire(row, view.room.name));
  }
  return { invitations, lastSeen };
}
