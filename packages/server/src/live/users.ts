/**
 * User-directed live delivery on one node (spec §4.7, §4.12): which connections each user has,
 * which rooms the connected users follow, and the events meant for a user rather than a room —
 * follow changes, read positions, invitations — delivered to every connection of that user.
 *
 * The follower index covers connected users only: loaded when a user's first connection opens,
 * then kept in step by the user's own follow and unfollow events, so that posting a message costs
 * one map lookup when nobody connected follows the room.
 */
import type { AccessState } from '../access/access-state.ts';
import { rulesOf } from '../access/access-room.ts';
import type { BusEvent, UserEvent } from '../bus/types.ts';
import { roomRights } from '../domain/permissions.ts';
import type { WireEvent } from './wire.ts';

/** What this registry needs of a connection (a subset of the hub's LiveConnection). */
export interface UserConnection {
  readonly userId: string;
  /** Queues one serialised user-directed event. */
  notify(serialized: string): void;
}

interface UserLive<C> {
  readonly connections: Set<C>;
  /** Followed room ids once loaded; until then follow changes wait in `pending`. */
  follows: Set<string> | undefined;
  pending: { roomId: string; follow: boolean }[];
}

export class UserConnections<C extends UserConnection> {
  private readonly users = new Map<string, UserLive<C>>();
  /** Room id → connected users following it. */
  private readonly followers = new Map<string, Set<string>>();

  constructor(
    private readonly access: AccessState,
    /** Whether the connection has joined (or is joining) the room: it gets the messages themselves. */
    private readonly inRoom: (conn: C, roomId: string) => boolean,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** A connection opened. Call `followsLoaded` once its user's followed rooms are read. */
  connect(conn: C): void {
    let user = this.users.get(conn.userId);
    if (!user) {
      user = { connections: new Set(), follows: undefined, pending: [] };
      this.users.set(conn.userId, user);
    }
    user.connections.add(conn);
  }

  /**
   * The user's followed rooms as read from storage after `connect`. Ignored when another
   * connection of the user loaded them first (events have kept them current since). Changes that
   * arrived while reading are applied on top, so none is lost whatever the interleaving.
   */
  followsLoaded(userId: string, roomIds: readonly string[]): void {
    const user = this.users.get(userId);
    if (!user || user.follows) return;
    user.follows = new Set();
    for (const roomId of roomIds) this.setFollow(userId, user, roomId, true);
    for (const { roomId, follow } of user.pending) this.setFollow(userId, user, roomId, follow);
    user.pending = [];
  }

  disconnect(conn: C): void {
    const user = this.users.get(conn.userId);
    if (!user?.connections.delete(conn) || user.connections.size > 0) return;
    this.users.delete(conn.userId);
    for (const roomId of user.follows ?? []) this.unindex(conn.userId, roomId);
  }

  private setFollow(userId: string, user: UserLive<C>, roomId: string, follow: boolean): void {
    if (!user.follows) {
      user.pending.push({ roomId, follow });
      return;
    }
    if (follow) {
      user.follows.add(roomId);
      let set = this.followers.get(roomId);
      if (!set) {
        set = new Set();
        this.followers.set(roomId, set);
      }
      set.add(userId);
    } else if (user.follows.delete(roomId)) {
      this.unindex(userId, roomId);
    }
  }

  private unindex(userId: string, roomId: string): void {
    const set = this.followers.get(roomId);
    set?.delete(userId);
    if (set?.size === 0) this.followers.delete(roomId);
  }

  private send(userId: string, event: WireEvent): void {
    const user = this.users.get(userId);
    if (!user) return;
    const serialized = JSON.stringify(event);
    for (const conn of user.connections) conn.notify(serialized);
  }

  /** A user event from the bus: keep the follower index in step, then tell every connection. */
  onUserEvent(userId: string, event: UserEvent): void {
    const user = this.users.get(userId);
    if (!user) return;
    if (event.type === 'followed') this.setFollow(userId, user, event.follow.room.id, true);
    else if (event.type === 'unfollowed') this.setFollow(userId, user, event.room, false);
    this.send(userId, event);
  }

  onInvitations(event: Extract<BusEvent, { kind: 'invitations' }>): void {
    for (const { userId, id } of event.invited) {
      if (!this.users.has(userId)) continue;
      this.send(userId, {
        type: 'invitation',
        invitation: { id, room: event.roomId, name: event.roomName, at: event.at },
      });
    }
  }

  /**
   * A message was posted: tells connected followers who have not joined the room, if they may
   * still read it. Costs one map lookup when nobody connected follows the room.
   */
  messagePosted(roomId: string, seq: number): void {
    const followers = this.followers.get(roomId);
    if (!followers || followers.size === 0) return;
    this.activity(roomId, seq, [...followers]).catch(this.onError);
  }

  private async activity(roomId: string, seq: number, userIds: readonly string[]): Promise<void> {
    const view = await this.access.room(roomId);
    // Nothing is kept in a category without history: nothing to come back and read.
    if (!view || !view.category.chatHistory) return;
    const rules = rulesOf(view);
    let serialized: string | undefined;
    for (const userId of userIds) {
      const user = this.users.get(userId);
      if (!user) continue;
      const targets = [...user.connections].filter((c) => !this.inRoom(c, roomId));
      if (targets.length === 0) continue;
      const subject = await this.access.subject(userId);
      if (!subject || !roomRights(subject, rules).read) continue;
      serialized ??= JSON.stringify({ type: 'activity', room: roomId, seq } satisfies WireEvent);
      for (const conn of targets) conn.notify(serialized);
    }
  }
}
