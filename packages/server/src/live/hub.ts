/**
 * Live presence and fan-out on one node. Knows which connections are in which rooms, delivers bus
 * events to them (serialised once per event), keeps the roster with the ParticipantUpdateLimit
 * behaviour, and enforces access changes at once: kicks on membership loss, disconnects everyone
 * when a room is disabled or deleted. Live delivery is an optimisation over durable history: a
 * client that missed anything resumes from its last sequence number.
 */
import type { AccessState } from '../access/access-state.ts';
import { rulesOf } from '../access/access-room.ts';
import type { BusEvent } from '../bus/types.ts';
import type { Message } from '../domain/model.ts';
import { roomRights } from '../domain/permissions.ts';
import { nextRosterSuppressed } from '../domain/roster.ts';
import { messageEventJson, messageToWire, type WireEvent } from './wire.ts';
import { UserConnections } from './users.ts';

export interface Participant {
  readonly userId: string;
  readonly displayName: string;
}

/** A client connection as the hub sees it (implemented by the WebSocket session, later XCCOS). */
export interface LiveConnection {
  readonly userId: string;
  readonly displayName: string;
  /** Queues one serialised event for a room; the connection may hold it back while joining. */
  deliver(roomId: string, seq: number | null, serialized: string): void;
  /** The server removed the connection from a room (kick, disable, delete). */
  removedFrom(roomId: string, reason: KickReason): void;
  /** Queues one serialised event meant for the user rather than a room (follows, invitations). */
  notify(serialized: string): void;
}

export type KickReason = 'membership' | 'disabled' | 'deleted' | 'policy';

interface Presence {
  readonly connections: Set<LiveConnection>;
  readonly users: Map<string, { count: number; displayName: string }>;
  suppressed: boolean;
  /** Events held while an access recheck runs, so a kicked user never sees what follows. */
  held: BusEvent[] | undefined;
  /** Another access change arrived during a recheck: run it once more before releasing events. */
  again: boolean;
}

export interface HubDeps {
  readonly access: AccessState;
  readonly participantLimit: () => Promise<number>;
  /** Records the PART of a connection the server removed. */
  readonly recordPart: (userId: string, roomId: string, reason: string) => Promise<void>;
  readonly onError: (error: unknown) => void;
}

export class Hub {
  private readonly rooms = new Map<string, Presence>();
  /** Connections per user, the followers of rooms, user-directed events (live/users.ts). */
  readonly users: UserConnections<LiveConnection>;

  constructor(private readonly deps: HubDeps) {
    this.users = new UserConnections(
      deps.access,
      (conn, roomId) => this.rooms.get(roomId)?.connections.has(conn) === true,
      deps.onError,
    );
  }

  private presence(roomId: string): Presence {
    let p = this.rooms.get(roomId);
    if (!p) {
      p = { connections: new Set(), users: new Map(), suppressed: false, held: undefined, again: false };
      this.rooms.set(roomId, p);
    }
    return p;
  }

  /** Starts routing the room's events to the connection (before history is read: no gap). */
  subscribe(conn: LiveConnection, roomId: string): void {
    this.presence(roomId).connections.add(conn);
  }

  /**
   * The join succeeded: counts the participant and tells the others. Returns the roster for the
   * newcomer, or undefined when the room is above the update limit.
   */
  async announce(conn: LiveConnection, roomId: string): Promise<{ roster: Participant[] | undefined }> {
    const limit = await this.deps.participantLimit();
    const p = this.presence(roomId);
    if (!p.connections.has(conn)) return { roster: undefined };
    const entry = p.users.get(conn.userId);
    if (entry) {
      entry.count++;
    } else {
      p.users.set(conn.userId, { count: 1, displayName: conn.displayName });
      const was = p.suppressed;
      p.suppressed = nextRosterSuppressed(was, p.users.size, limit);
      if (was && !p.suppressed) this.broadcastRoster(roomId, p);
      else if (!p.suppressed) {
        this.broadcast(
          roomId,
          p,
          {
            type: 'participant',
            room: roomId,
            action: 'joined',
            user: { userId: conn.userId, displayName: conn.displayName },
          },
          conn,
        );
      }
    }
    return { roster: p.suppressed ? undefined : this.roster(p) };
  }

  /** The connection leaves the room (by request, kick or disconnect). */
  unsubscribe(conn: LiveConnection, roomId: string): void {
    const p = this.rooms.get(roomId);
    if (!p?.connections.delete(conn)) return;
    const entry = p.users.get(conn.userId);
    if (entry) {
      entry.count--;
      if (entry.count === 0) {
        p.users.delete(conn.userId);
        void this.rosterAfterLeave(roomId, p, conn);
      }
    }
    if (p.connections.size === 0 && p.held === undefined) this.rooms.delete(roomId);
  }

  private async rosterAfterLeave(roomId: string, p: Presence, conn: LiveConnection): Promise<void> {
    try {
      const limit = await this.deps.participantLimit();
      const was = p.suppressed;
      p.suppressed = nextRosterSuppressed(was, p.users.size, limit);
      if (was && !p.suppressed) this.broadcastRoster(roomId, p);
      else if (!p.suppressed) {
        this.broadcast(roomId, p, {
          type: 'participant',
          room: roomId,
          action: 'left',
          user: { userId: conn.userId, displayName: conn.displayName },
        });
      }
    } catch (error) {
      this.deps.onError(error);
    }
  }

  /** Connected participants of a room (distinct users), or undefined above the update limit. */
  participants(roomId: string): { participants: Participant[] | undefined; count: number } {
    const p = this.rooms.get(roomId);
    if (!p) return { participants: [], count: 0 };
    return { participants: p.suppressed ? undefined : this.roster(p), count: p.users.size };
  }

  private roster(p: Presence): Participant[] {
    return [...p.users].map(([userId, e]) => ({ userId, displayName: e.displayName }));
  }

  private broadcastRoster(roomId: string, p: Presence): void {
    this.broadcast(roomId, p, { type: 'roster', room: roomId, participants: this.roster(p) });
  }

  private broadcast(roomId: string, p: Presence, event: WireEvent, except?: LiveConnection): void {
    const serialized = JSON.stringify(event);
    for (const conn of p.connections) if (conn !== except) conn.deliver(roomId, null, serialized);
  }

  /** Bus subscriber: routes every event that concerns live connections. */
  readonly onBusEvent = (event: BusEvent): void => {
    switch (event.kind) {
      case 'message':
        this.deliverMessage(event.roomId, event.message, event);
        this.users.messagePosted(event.roomId, event.message.seq);
        return;
      case 'room.changed':
        if (event.access) this.recheck([event.roomId]);
        return;
      case 'room.disabled':
        this.removeAll(event.roomId, 'disabled');
        return;
      case 'room.deleted':
        this.removeAll(event.roomId, 'deleted');
        return;
      case 'category.changed':
      case 'directory.changed':
        this.recheck([...this.rooms.keys()]);
        return;
      case 'settings.changed':
        return;
      case 'messages.removed':
        this.deliverRemoval(event.roomId, event.removed, event.replaced);
        return;
      case 'user.event':
        this.users.onUserEvent(event.userId, event.event);
        return;
      case 'invitations':
        this.users.onInvitations(event);
        return;
    }
  };

  private deliverMessage(roomId: string, message: Message, event: BusEvent): void {
    const p = this.rooms.get(roomId);
    if (!p) return;
    if (p.held) {
      p.held.push(event);
      return;
    }
    const serialized = messageEventJson(roomId, message);
    for (const conn of p.connections) conn.deliver(roomId, message.seq, serialized);
  }

  private deliverRemoval(roomId: string, removed: readonly number[], replaced: readonly Message[]): void {
    const p = this.rooms.get(roomId);
    if (!p) return;
    const events: WireEvent[] = replaced.map((m) => ({
      type: 'replaced',
      room: roomId,
      message: messageToWire(m),
    }));
    if (removed.length > 0) events.unshift({ type: 'removed', room: roomId, seqs: [...removed] });
    for (const event of events) {
      const serialized = JSON.stringify(event);
      for (const conn of p.connections) conn.deliver(roomId, null, serialized);
    }
  }

  private removeAll(roomId: string, reason: KickReason): void {
    const p = this.rooms.get(roomId);
    if (!p) return;
    for (const conn of [...p.connections]) this.kick(conn, roomId, reason);
  }

  private kick(conn: LiveConnection, roomId: string, reason: KickReason): void {
    this.unsubscribe(conn, roomId);
    conn.removedFrom(roomId, reason);
    this.deps.recordPart(conn.userId, roomId, reason).catch(this.deps.onError);
  }

  /** Re-evaluates every connection of the rooms against fresh access data, holding their events meanwhile. */
  private recheck(roomIds: readonly string[]): void {
    for (const roomId of roomIds) {
      const p = this.rooms.get(roomId);
      if (!p) continue;
      if (p.held) {
        p.again = true;
        continue;
      }
      p.held = [];
      void this.recheckRoom(roomId, p);
    }
  }

  private async recheckRoom(roomId: string, p: Presence): Promise<void> {
    try {
      let again = true;
      while (again) {
        p.again = false;
        await this.recheckConnections(roomId, p);
        again = this.anotherPass(p);
      }
    } catch (error) {
      this.deps.onError(error);
    } finally {
      const held = p.held ?? [];
      p.held = undefined;
      for (const event of held)
        if (event.kind === 'message') this.deliverMessage(roomId, event.message, event);
      if (p.connections.size === 0) this.rooms.delete(roomId);
    }
  }

  /** Set by a change that arrived while the previous pass was running. */
  private anotherPass(p: Presence): boolean {
    return p.again;
  }

  private async recheckConnections(roomId: string, p: Presence): Promise<void> {
    const view = await this.deps.access.room(roomId);
    for (const conn of [...p.connections]) {
      const subject = await this.deps.access.subject(conn.userId);
      if (!view || !subject) {
        this.kick(conn, roomId, view ? 'policy' : 'deleted');
        continue;
      }
      if (roomRights(subject, rulesOf(view)).join) continue;
      this.kick(
        conn,
        roomId,
        view.room.disabled ? 'disabled' : subject.chatEnabled ? 'membership' : 'policy',
      );
    }
  }
}
