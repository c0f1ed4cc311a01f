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
  addin: string | null;
  disabled: boolean;
  lastSeq: number;
  rights: { join: boolean; read: boolean; post: boolean; manage: boolean };
  members?: string[];
  managers?: string[];
  presenters?: string[];
}

export type KickReason = 'membership' | 'disabled' | 'deleted' | 'policy';

export type ServerEvent =
  | {
      type: 'hello';
      user: { id: string; username: string; displayName: string };
      server: { name: string; version: string };
    }
  | { type: 'message'; room: string; message: WireMessage }
  | { type: 'participant'; room: string; action: 'joined' | 'left'; user: WireParticipant }
  | { type: 'roster'; room: string; participants: WireParticipant[] }
  | { type: 'kicked'; room: string; reason: KickReason }
  | { type: 'result'; id: string | number | null; ok: true; data: unknown }
  | {
      type: 'result';
      id: string | number | null;
      ok: false;
      error: { code: string; message: string; details?: unknown };
    };
