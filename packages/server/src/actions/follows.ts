/**
 * Following rooms and read positions (spec §4.7). The list is stored on the server so it roams;
 * every change is published to all connections of the user (on any node) after commit.
 *
 * Following needs read rights on the room, not a join; a room the user may not read fails exactly
 * like a missing one. Read positions only move forwards and never past the room's last message.
 */
import type { WireFollow } from '@stoa/protocol';
import type { UserSubject } from '../access/access-state.ts';
import { rulesOf, type RoomAccess } from '../access/access-room.ts';
import { fail, notFound } from '../domain/errors.ts';
import type { Actor } from '../domain/model.ts';
import { roomRights } from '../domain/permissions.ts';
import { followToWire } from '../queries/follows.ts';
import { subjectOf, transact, type ActionContext } from './context.ts';

async function userSubject(ctx: ActionContext, actor: Actor): Promise<UserSubject> {
  const subject = await subjectOf(ctx, actor);
  if (!subject) notFound('room');
  return subject;
}

/** The room if the user may read it; otherwise `not_found`, whatever the reason. */
async function readableRoom(ctx: ActionContext, subject: UserSubject, roomId: string): Promise<RoomAccess> {
  const view = await ctx.access.room(roomId);
  if (!view) notFound('room');
  const rights = roomRights(subject, rulesOf(view));
  if (!rights.read) notFound('room');
  return { ...view, rights };
}

/** Follows a room (idempotent: following it again keeps the read position). */
export async function doFollowRoom(ctx: ActionContext, actor: Actor, roomId: string): Promise<WireFollow> {
  const subject = await userSubject(ctx, actor);
  const access = await readableRoom(ctx, subject, roomId);
  const at = ctx.clock();
  return transact(ctx, async (tx, emit) => {
    const created = await tx.insertFollow(subject.userId, roomId, at);
    const follow = await tx.getFollow(subject.userId, roomId);
    if (!follow) notFound('room'); // deleted meanwhile
    const wire = followToWire(access, follow.lastReadSeq, follow.unread);
    if (created)
      emit({ kind: 'user.event', userId: subject.userId, event: { type: 'followed', follow: wire } });
    return wire;
  });
}

/** Stops following. Allowed even after access was lost, so that the list can be tidied. */
export async function doUnfollowRoom(ctx: ActionContext, actor: Actor, roomId: string): Promise<void> {
  const subject = await userSubject(ctx, actor);
  await transact(ctx, async (tx, emit) => {
    if (!(await tx.deleteFollow(subject.userId, roomId))) notFound('room');
    emit({ kind: 'user.event', userId: subject.userId, event: { type: 'unfollowed', room: roomId } });
  });
}

export interface ReadPosition {
  readonly room: string;
  readonly lastReadSeq: number;
  readonly unread: number;
}

/** Marks a followed room read up to `seq`: forwards only, clamped to the room's last sequence number. */
export async function doMarkRead(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  seq: number,
): Promise<ReadPosition> {
  const subject = await userSubject(ctx, actor);
  await readableRoom(ctx, subject, roomId);
  return transact(ctx, async (tx, emit) => {
    const moved = await tx.advanceReadPosition(subject.userId, roomId, seq);
    if (!moved) fail('conflict', 'follow the room before marking it read');
    const unread = (await tx.getFollow(subject.userId, roomId))?.unread ?? 0;
    const position = { room: roomId, lastReadSeq: moved.lastReadSeq, unread };
    if (moved.changed)
      emit({ kind: 'user.event', userId: subject.userId, event: { type: 'read', ...position } });
    return position;
  });
}
