/**
 * One WebSocket connection: parses frames, calls actions and queries as its user, and receives
 * live events from the hub through its outbox. While a join is in progress the room's live events
 * are held back and released after the join result, skipping what the history already contained,
 * so a client sees every message exactly once.
 */
import type { ClientFrame, ErrorBody, ServerEvent, WireFollow } from '@stoa/protocol';
import type { RawData, WebSocket } from 'ws';
import type { UserSubject } from '../../access/access-state.ts';
import type { Actor } from '../../domain/model.ts';
import type { KickReason, LiveConnection } from '../../live/hub.ts';
import type { OutboxTarget } from '../../live/outbox.ts';
import { messageToWire, postResultJson, roomToWire } from '../../live/wire.ts';
import { doJoinRoom, doLeaveRoom, doPostMessage, doReadHistory } from '../../actions/chat.ts';
import { doFollowRoom, doMarkRead, doUnfollowRoom } from '../../actions/follows.ts';
import { doMarkInvitationsSeen } from '../../actions/invitations.ts';
import { doSearch } from '../../actions/search.ts';
import {
  doDeleteFilter,
  doMarkAlertsSeen,
  doReadAlerts,
  doSaveFilter,
  listFilters,
  unseenAlerts,
} from '../../actions/alerts.ts';
import { listFollows, listInvitations } from '../../queries/follows.ts';
import { searchInputFromWire, searchResultToWire } from '../../search/wire.ts';
import type { ServerParts } from '../parts.ts';
import { fail } from '../../domain/errors.ts';
import { errorOf } from './errors.ts';
import { parseFrame } from './frames.ts';

/** A frame as `ws` delivers it: its data and whether it was binary. */
export type ReceivedFrame = readonly [RawData, boolean];

interface Joining {
  held: { seq: number | null; serialized: string }[];
}

export class WsSession implements LiveConnection, OutboxTarget {
  queue: string[] = [];
  readonly userId: string;
  readonly displayName: string;
  private readonly actor: Actor;
  /** Rooms joined; a value means the join is still in progress. */
  private readonly rooms = new Map<string, Joining | undefined>();
  private closed = false;
  /** Settles once `hello` is sent; frames wait for it, so every answer comes after the hello. */
  private readonly opened: Promise<void>;
  /** The hello is sent and the frames that waited for it have been handed on. */
  private helloSent = false;
  /** User-directed events that arrived before the hello. */
  private early: string[] | undefined = [];

  /** `received`: frames that arrived while the connection was being authenticated, in order. */
  constructor(
    private readonly parts: ServerParts,
    private readonly socket: WebSocket,
    subject: UserSubject,
    received: readonly ReceivedFrame[] = [],
  ) {
    this.userId = subject.userId;
    this.displayName = subject.user.displayName;
    this.actor = { kind: 'user', userId: subject.userId };
    parts.hub.users.connect(this);
    this.opened = this.open(subject);
    for (const [data, isBinary] of received) this.onMessage(data, isBinary);
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', () => this.onClose());
    socket.on('error', () => this.onClose());
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      void this.opened.then(() =>
        this.refuse(null, { code: 'bad_request', message: 'frames are JSON text' }),
      );
      return;
    }
    const raw = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Buffer.from(data).toString('utf8');
    // Once the hello is out, straight to the frame (every frame queued before it has run).
    if (this.helloSent) void this.onFrame(raw);
    else void this.opened.then(() => this.onFrame(raw));
  }

  /**
   * Reads the followed rooms (with unread counts) and unseen invitations, hands the followed rooms
   * to the hub, then says hello and releases the user events that arrived meanwhile (spec §4.1).
   */
  private async open(subject: UserSubject): Promise<void> {
    const { ctx } = this.parts;
    let follows: WireFollow[] = [];
    let roomIds: string[] = [];
    let invitations = { unseen: 0, lastSeen: 0 };
    let alerts = { unseen: 0, lastSeen: 0 };
    try {
      ({ follows, roomIds } = await listFollows(ctx.access, ctx.store.read, subject));
      const unseen = await listInvitations(ctx.access, ctx.store.read, subject);
      invitations = { unseen: unseen.invitations.length, lastSeen: unseen.lastSeen };
      alerts = await unseenAlerts(ctx, subject.userId);
    } catch (error) {
      this.parts.onError(error);
    }
    this.parts.hub.users.followsLoaded(this.userId, roomIds);
    this.send({
      type: 'hello',
      user: { id: subject.userId, username: subject.user.username, displayName: subject.user.displayName },
      server: { name: 'stoa', version: this.parts.version },
      follows,
      invitations,
      alerts,
    });
    const early = this.early ?? [];
    this.early = undefined;
    for (const serialized of early) this.sendJson(serialized);
    // Frames that arrived before now wait on `opened`, which settles when this returns and runs
    // them before any later frame can arrive (they are microtasks; frames come with I/O).
    this.helloSent = true;
  }

  // ---- OutboxTarget

  write(frame: string): boolean {
    if (this.closed) return true;
    if (this.socket.bufferedAmount > this.parts.config.maxBufferedBytes) return false;
    this.socket.send(frame);
    return true;
  }

  overflow(): void {
    // Too far behind: drop the connection; the client resumes from its last sequence numbers.
    this.socket.close(1013, 'too slow: reconnect and resume');
    this.onClose();
  }

  // ---- LiveConnection

  deliver(roomId: string, seq: number | null, serialized: string): void {
    if (this.closed || !this.rooms.has(roomId)) return;
    const joining = this.rooms.get(roomId);
    if (joining) joining.held.push({ seq, serialized });
    else this.parts.outbox.push(this, serialized);
  }

  removedFrom(roomId: string, reason: KickReason): void {
    if (!this.rooms.delete(roomId)) return;
    this.send({ type: 'kicked', room: roomId, reason });
  }

  notify(serialized: string): void {
    if (this.closed) return;
    if (this.early) this.early.push(serialized);
    else this.parts.outbox.push(this, serialized);
  }

  // ---- frames

  private send(event: ServerEvent): void {
    if (!this.closed) this.sendJson(JSON.stringify(event));
  }

  /** An event already written as JSON text, queued unless the connection is closed. */
  private sendJson(serialized: string): void {
    if (!this.closed) this.parts.outbox.push(this, serialized);
  }

  private reply(id: string | number | null | undefined, data: unknown): void {
    this.send({ type: 'result', id: id ?? null, ok: true, data });
  }

  /** A refusal of the request `id`, with a stable code. */
  private refuse(id: string | number | null | undefined, error: ErrorBody['error']): void {
    this.send({ type: 'result', id: id ?? null, ok: false, error });
  }

  /**
   * Posts go to a small handler of their own: a suspended async function keeps its whole frame,
   * and the one with every other case in it is large (about 1.7 KB a post before the split).
   */
  private onFrame(raw: string): Promise<void> | undefined {
    const parsed = parseFrame(raw, this.parts.config.maxFrameBytes);
    if (!parsed.ok) {
      this.refuse(parsed.id, { code: parsed.code, message: parsed.message });
      return undefined;
    }
    const frame = parsed.frame;
    return frame.type === 'post' ? this.post(frame) : this.onOtherFrame(frame);
  }

  private async post(frame: Extract<ClientFrame, { type: 'post' }>): Promise<void> {
    if (this.rooms.get(frame.room) !== undefined || !this.rooms.has(frame.room)) {
      this.refuse(frame.id, { code: 'not_joined', message: 'join the room before posting' });
      return;
    }
    try {
      // The frame is the message input (its other fields are not read): no copy made.
      const { message, duplicate } = await doPostMessage(this.parts.ctx, this.actor, frame.room, frame);
      // The reply to every post, written from a template (live/wire.ts).
      this.sendJson(postResultJson(frame.id, frame.room, message, duplicate));
    } catch (error) {
      this.refuse(frame.id, errorOf(error, this.parts.onError));
    }
  }

  private async onOtherFrame(frame: Exclude<ClientFrame, { type: 'post' }>): Promise<void> {
    try {
      switch (frame.type) {
        case 'ping':
          this.reply(frame.id, { at: this.parts.clock() });
          return;
        case 'join':
          await this.join(frame.id, frame.room, frame.lastSeq);
          return;
        case 'leave':
          await this.leave(frame.id, frame.room);
          return;
        case 'history': {
          const { type: _t, id: _i, room, ...window } = frame;
          const messages = await doReadHistory(this.parts.ctx, this.actor, room, window);
          this.reply(frame.id, { room, messages: messages.map(messageToWire) });
          return;
        }
        case 'participants': {
          if (!this.rooms.has(frame.room)) {
            this.refuse(frame.id, { code: 'not_joined', message: 'join the room first' });
            return;
          }
          const { participants, count } = this.parts.hub.participants(frame.room);
          this.reply(frame.id, { room: frame.room, count, participants: participants ?? null });
          return;
        }
        case 'follow':
          this.reply(frame.id, await doFollowRoom(this.parts.ctx, this.actor, frame.room));
          return;
        case 'unfollow':
          await doUnfollowRoom(this.parts.ctx, this.actor, frame.room);
          this.reply(frame.id, { room: frame.room });
          return;
        case 'read':
          this.reply(frame.id, await doMarkRead(this.parts.ctx, this.actor, frame.room, frame.seq));
          return;
        case 'follows': {
          const { ctx } = this.parts;
          const subject = await this.subject();
          this.reply(frame.id, { follows: (await listFollows(ctx.access, ctx.store.read, subject)).follows });
          return;
        }
        case 'invitations': {
          const { ctx } = this.parts;
          const subject = await this.subject();
          const { type: _t, id: _i, ...q } = frame;
          this.reply(frame.id, await listInvitations(ctx.access, ctx.store.read, subject, q));
          return;
        }
        case 'seen':
          this.reply(frame.id, await doMarkInvitationsSeen(this.parts.ctx, this.actor, frame.invitation));
          return;
        case 'search': {
          const { type: _t, id: _i, ...fields } = frame;
          const result = await doSearch(this.parts.ctx, this.actor, searchInputFromWire(fields));
          this.reply(frame.id, searchResultToWire(result));
          return;
        }
        case 'filters':
          this.reply(frame.id, { filters: await listFilters(this.parts.ctx, this.actor) });
          return;
        case 'saveFilter': {
          const { type: _t, id: _i, filter, ...input } = frame;
          this.reply(frame.id, await doSaveFilter(this.parts.ctx, this.actor, input, filter));
          return;
        }
        case 'deleteFilter':
          await doDeleteFilter(this.parts.ctx, this.actor, frame.filter);
          this.reply(frame.id, { filter: frame.filter });
          return;
        case 'alerts': {
          const { type: _t, id: _i, ...page } = frame;
          this.reply(frame.id, await doReadAlerts(this.parts.ctx, this.actor, page));
          return;
        }
        case 'alertsSeen':
          this.reply(frame.id, await doMarkAlertsSeen(this.parts.ctx, this.actor, frame.alert));
          return;
      }
    } catch (error) {
      this.refuse(frame.id, errorOf(error, this.parts.onError));
    }
  }

  private async join(
    id: string | number | undefined,
    roomId: string,
    lastSeq: number | undefined,
  ): Promise<void> {
    if (this.rooms.has(roomId)) {
      this.refuse(id, { code: 'already_joined', message: 'already in this room' });
      return;
    }
    const joining: Joining = { held: [] };
    this.rooms.set(roomId, joining);
    this.parts.hub.subscribe(this, roomId);
    try {
      const result = await doJoinRoom(
        this.parts.ctx,
        this.actor,
        roomId,
        lastSeq === undefined ? {} : { lastSeq },
      );
      if (this.rooms.get(roomId) !== joining) return; // kicked or closed meanwhile
      const { roster } = await this.parts.hub.announce(this, roomId);
      const last = result.history[result.history.length - 1]?.seq ?? lastSeq ?? -1;
      this.reply(id, {
        room: roomToWire(result.access),
        history: result.history.map(messageToWire),
        more: result.more,
        participants: roster ?? null,
      });
      this.rooms.set(roomId, undefined);
      for (const h of joining.held)
        if (h.seq === null || h.seq > last) this.parts.outbox.push(this, h.serialized);
    } catch (error) {
      this.rooms.delete(roomId);
      this.parts.hub.unsubscribe(this, roomId);
      this.refuse(id, errorOf(error, this.parts.onError));
    }
  }

  private async leave(id: string | number | undefined, roomId: string): Promise<void> {
    if (!this.rooms.delete(roomId)) {
      this.refuse(id, { code: 'not_joined', message: 'not in this room' });
      return;
    }
    this.parts.hub.unsubscribe(this, roomId);
    await doLeaveRoom(this.parts.ctx, this.actor, roomId);
    this.reply(id, { room: roomId });
  }

  /** The connection's user as access checks see them now (cached by the access state). */
  private async subject(): Promise<UserSubject> {
    const subject = await this.parts.ctx.access.subject(this.userId);
    if (!subject) fail('unauthenticated', 'the user no longer exists or is disabled');
    return subject;
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.parts.outbox.forget(this);
    this.parts.hub.users.disconnect(this);
    for (const roomId of this.rooms.keys()) {
      this.parts.hub.unsubscribe(this, roomId);
      doLeaveRoom(this.parts.ctx, this.actor, roomId, 'disconnect').catch(this.parts.onError);
    }
    this.rooms.clear();
  }
}
