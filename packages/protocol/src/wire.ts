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

/**
 * A saved filter (spec §4.9): keywords or phrases (matched on word boundaries, folded like search;
 * Chinese, Japanese, Korean… as substrings), authors, mentions of the owner, optionally limited to
 * rooms. The same fields over HTTP and the `saveFilter` frame. Limits: docs/api.md.
 */
export const FilterFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  keywords: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 })),
  authors: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 50 })),
  mentions: Type.Optional(Type.Boolean()),
  rooms: Type.Optional(Type.Array(RoomId, { maxItems: 100 })),
  notify: Type.Optional(Type.Boolean()),
};

/** Paging the feed of past matches: `before` is the `next` of the previous page. */
export const AlertPageFields = {
  filter: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
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
  // ---- topic feeds and keyword alerts (spec §4.9; docs/decisions/0007)
  /** The user's saved filters. */
  filters: Type.Object({ type: Type.Literal('filters'), id: RequestId }, { additionalProperties: false }),
  /** Create a filter (no `filter`) or replace one (`filter`: its id). */
  saveFilter: Type.Object(
    {
      type: Type.Literal('saveFilter'),
      id: RequestId,
      filter: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      ...FilterFields,
    },
    { additionalProperties: false },
  ),
  deleteFilter: Type.Object(
    {
      type: Type.Literal('deleteFilter'),
      id: RequestId,
      filter: Type.String({ minLength: 1, maxLength: 64 }),
    },
    { additionalProperties: false },
  ),
  /** A page of past matches, newest first (all filters, or one). */
  alerts: Type.Object(
    { type: Type.Literal('alerts'), id: RequestId, ...AlertPageFields },
    { additionalProperties: false },
  ),
  /** Every alert up to this id has been seen (the cursor roams; never moves backwards). */
  alertsSeen: Type.Object(
    { type: Type.Literal('alertsSeen'), id: RequestId, alert: Seq },
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

/** A saved filter as the owner sees it (spec §4.9). */
export interface WireFilter {
  id: string;
  name: string;
  keywords: string[];
  /** Canonical user references (`u:<id>`). */
  authors: string[];
  mentions: boolean;
  /** Room ids; empty = every room the owner may read. */
  rooms: string[];
  /** Push a live `alert` for each match (the feed keeps them either way). */
  notify: boolean;
  createdAt: number;
  updatedAt: number;
}

/** A message that matched one of the user's filters. */
export interface WireAlert {
  /** Increasing (the feed's cursor); null for a match that is not kept (a category without history). */
  id: number | null;
  /** The user's filters that matched the message. */
  filters: { id: string; name: string }[];
  room: { id: string; name: string };
  /** The message as stored now (a replaced text shows the replacement). */
  message: WireMessage;
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
      /** Stored alerts after the last seen one (counted up to 1000), and that cursor. */
      alerts?: { unseen: number; lastSeen: number };
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
  /** User-directed: a new message matched one of the user's filters (spec §4.9). */
  | { type: 'alert'; alert: WireAlert }
  /** Alerts up to `lastSeen` were marked seen (on any connection of the user). */
  | { type: 'alertsSeen'; lastSeen: number }
  /** A filter was created or replaced (on any connection of the user). */
  | { type: 'filter'; filter: WireFilter }
  | { type: 'filterDeleted'; filter: string }
  | { type: 'result'; id: string | number | null; ok: true; data: unknown }
  | {
      type: 'result';
      id: string | number | null;
      ok: false;
      error: { code: string; message: string; details?: unknown };
    };
