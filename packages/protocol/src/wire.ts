/**
 * The WebSocket protocol (docs/api.md): client frames are JSON objects with a `type`; the server
 * answers each request with a `result` carrying the same `id`, and sends events. Every server
 * frame is a JSON array of one or more events/results, in order.
 */
import Type, { type Static } from 'typebox';

/** Echoed back verbatim, so limited to what JSON round-trips exactly. */
const RequestId = Type.Optional(
  Type.Union([
    Type.String({ maxLength: 64 }),
    Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
  ]),
);
const RoomId = Type.String({ minLength: 1, maxLength: 64 });
const Seq = Type.Integer({ minimum: 0 });
const Time = Type.Integer({ minimum: 0 });

export const MessageFields = {
  text: Type.String({ maxLength: 1_000_000 }),
  clientMsgId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  alert: Type.Optional(Type.Boolean()),
  storyTitle: Type.Optional(Type.String({ maxLength: 1_000 })),
  rtf: Type.Optional(Type.String({ maxLength: 1_000_000 })),
};

/**
 * History search (docs/search.md): the same fields in the HTTP query string and the `search`
 * frame. `room` and `author` take comma-separated lists.
 */
export const SearchFields = {
  q: Type.Optional(Type.String({ maxLength: 1000 })),
  room: Type.Optional(Type.String({ maxLength: 7000 })),
  author: Type.Optional(Type.String({ maxLength: 10_000 })),
  since: Type.Optional(Time),
  until: Type.Optional(Time),
  /** Paging: the `next` of the previous page. */
  before: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
};

export const ClientFrames = {
  join: Type.Object(
    { type: Type.Literal('join'), id: RequestId, room: RoomId, lastSeq: Type.Optional(Seq) },
    { additionalProperties: false },
  ),
  leave: Type.Object(
    { type: Type.Literal('leave'), id: RequestId, room: RoomId },
    { additionalProperties: false },
  ),
  post: Type.Object(
    { type: Type.Literal('post'), id: RequestId, room: RoomId, ...MessageFields },
    { additionalProperties: false },
  ),
  history: Type.Object(
    {
      type: Type.Literal('history'),
      id: RequestId,
      room: RoomId,
      beforeSeq: Type.Optional(Seq),
      afterSeq: Type.Optional(Seq),
      since: Type.Optional(Time),
      until: Type.Optional(Time),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    },
    { additionalProperties: false },
  ),
  participants: Type.Object(
    { type: Type.Literal('participants'), id: RequestId, room: RoomId },
    { additionalProperties: false },
  ),
  ping: Type.Object({ type: Type.Literal('ping'), id: RequestId }, { additionalProperties: false }),
  // ---- following and invitations (spec §4.7, §4.12)
  /** Follow a room (read rights needed; joining is not). */
  follow: Type.Object(
    { type: Type.Literal('follow'), id: RequestId, room: RoomId },
    { additionalProperties: false },
  ),
  unfollow: Type.Object(
    { type: Type.Literal('unfollow'), id: RequestId, room: RoomId },
    { additionalProperties: false },
  ),
  /** Mark a followed room read up to `seq` (never backwards; clamped to the room's last message). */
  read: Type.Object(
    { type: Type.Literal('read'), id: RequestId, room: RoomId, seq: Seq },
    { additionalProperties: false },
  ),
  /** The followed rooms with unread counts (as in `hello`). */
  follows: Type.Object({ type: Type.Literal('follows'), id: RequestId }, { additionalProperties: false }),
  /** Invitations after `since` (default: the last seen one). */
  invitations: Type.Object(
    {
      type: Type.Literal('invitations'),
      id: RequestId,
      since: Type.Optional(Seq),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    },
    { additionalProperties: false },
  ),
  /** Every invitation up to this id has been seen (the cursor roams; never moves backwards). */
  seen: Type.Object(
    { type: Type.Literal('seen'), id: RequestId, invitation: Seq },
    { additionalProperties: false },
  ),
  // ---- history search (spec §4.8)
  search: Type.Object(
    { type: Type.Literal('search'), id: RequestId, ...SearchFields },
    { additionalProperties: false },
  ),
};

export type ClientFrameType = keyof typeof ClientFrames;
export type ClientFrame = { [K in ClientFrameType]: Static<(typeof ClientFrames)[K]> }[ClientFrameType];

export interface WireMessage {
  id: number;
  room: string;
  seq: number;
  author: string;
  at: number;
  text: string;
  alert?: true;
  storyTitle?: string;
  rtf?: string;
  clientMsgId?: string;
  /** A file message: fetch the file with a download token (docs/api.md). */
  file?: { id: string; name: string; size: number; contentType: string };
}

/** What a search answers, over HTTP and WebSocket: newest first, `next` pages on. */
export interface WireSearchResult {
  messages: WireMessage[];
  next: number | null;
  /** The rooms the messages are in. */
  rooms: { id: string; name: string }[];
}

export interface WireParticipant {
  userId: string;
  displayName: string;
}

export interface WireRoom {
  id: string;
  name: string;
  description: string;
  category: { id: string; name: string };
  privacy: 'open' | 'closed' | 'secret';
  type: 'normal' | 'auditorium';
  invitations: 'inherit' | 'false';
  invitationsEffective: boolean;
  fileUpload: boolean;
  chatHistory: boolean;
  /** The add-in page to show beside the room (spec §4.11). */
  addin: { id: string; name: string; url: string } | null;
  disabled: boolean;
  lastSeq: number;
  rights: { join: boolean; read: boolean; post: boolean; manage: boolean };
  members?: string[];
  managers?: string[];
  presenters?: string[];
}

export type KickReason = 'membership' | 'disabled' | 'deleted' | 'policy';

/** A followed room (spec §4.7): the room, the last message read and the kept messages after it. */
export interface WireFollow {
  room: WireRoom;
  lastReadSeq: number;
  unread: number;
}

/** Access newly granted to a room whose invitations are in effect (spec §4.12). */
export interface WireInvitation {
  /** Increasing; the cursor for "new since the last seen invitation". */
  id: number;
  room: string;
  /** The room's name when the invitation was made (listings give the current name). */
  name: string;
  at: number;
}

export type ServerEvent =
  | {
      type: 'hello';
      user: { id: string; username: string; displayName: string };
      server: { name: string; version: string };
      /** Followed rooms the user may still read, with unread counts. */
      follows: WireFollow[];
      /** Unseen invitations (to rooms the user may join) and the last seen invitation id. */
      invitations: { unseen: number; lastSeen: number };
    }
  | { type: 'message'; room: string; message: WireMessage }
  | { type: 'participant'; room: string; action: 'joined' | 'left'; user: WireParticipant }
  | { type: 'roster'; room: string; participants: WireParticipant[] }
  | { type: 'kicked'; room: string; reason: KickReason }
  /** An administrator removed these messages (spec §4.13): drop them from view. */
  | { type: 'removed'; room: string; seqs: number[] }
  /** An administrator replaced this message's text. */
  | { type: 'replaced'; room: string; message: WireMessage }
  /** User-directed (every connection of the user): a room was followed, on any connection. */
  | { type: 'followed'; follow: WireFollow }
  | { type: 'unfollowed'; room: string }
  /** The read position of a followed room moved (on any connection of the user). */
  | { type: 'read'; room: string; lastReadSeq: number; unread: number }
  /** A message was posted in a followed room this connection has not joined. */
  | { type: 'activity'; room: string; seq: number }
  | { type: 'invitation'; invitation: WireInvitation }
  /** Invitations up to `lastSeen` were marked seen (on any connection of the user). */
  | { type: 'seen'; lastSeen: number }
  | { type: 'result'; id: string | number | null; ok: true; data: unknown }
  | {
      type: 'result';
      id: string | number | null;
      ok: false;
      error: { code: string; message: string; details?: unknown };
    };
