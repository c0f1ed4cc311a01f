/** Domain records → wire shapes (packages/protocol). */
import type { ServerEvent, WireMessage, WireParticipant } from '@stoa/protocol';
import type { Message } from '../domain/model.ts';

export type WireEvent = ServerEvent;
export type { WireParticipant };

const json = JSON.stringify;

/**
 * The live `message` event as JSON text, once per post for every connection in the room
 * (hub.ts). A message with none of the optional fields — nearly every one — is written from a
 * template, which costs about 60 % of `JSON.stringify` on the object (1.1–1.5 against 1.8–1.9
 * µs); any other goes through `messageToWire`. Both give the same text (wire.test.ts).
 */
export function messageEventJson(roomId: string, m: Message): string {
  if (m.alert || m.storyTitle !== null || m.rtf !== null || m.clientMsgId !== null || m.file)
    return json({ type: 'message', room: roomId, message: messageToWire(m) } satisfies ServerEvent);
  return `{"type":"message","room":${json(roomId)},"message":{"id":${m.id},"room":${json(m.roomId)},"seq":${m.seq},"author":${json(m.authorId)},"at":${m.at},"text":${json(m.text)}}}`;
}

/**
 * The result of a post (`{type:'result', id, ok:true, data:{room, seq, id, at, duplicate}}`) as
 * JSON text, written from a template: a third of `JSON.stringify`'s cost (0.4–0.6 against
 * 1.1–1.8 µs), for the reply every post gets (transports/ws/session.ts). The same text as the
 * object would give (wire.test.ts).
 */
export function postResultJson(
  requestId: string | number | null | undefined,
  roomId: string,
  m: Message,
  duplicate: boolean,
): string {
  return `{"type":"result","id":${json(requestId ?? null)},"ok":true,"data":{"room":${json(roomId)},"seq":${m.seq},"id":${m.id},"at":${m.at},"duplicate":${duplicate}}}`;
}

export function messageToWire(m: Message): WireMessage {
  const out: WireMessage = {
    id: m.id,
    room: m.roomId,
    seq: m.seq,
    author: m.authorId,
    at: m.at,
    text: m.text,
  };
  if (m.alert) out.alert = true;
  if (m.storyTitle !== null) out.storyTitle = m.storyTitle;
  if (m.rtf !== null) out.rtf = m.rtf;
  if (m.clientMsgId !== null) out.clientMsgId = m.clientMsgId;
  if (m.file) out.file = { ...m.file };
  return out;
}

import type { WireRoom } from '@stoa/protocol';
import type { RoomAccess } from '../access/access-room.ts';

export function roomToWire(a: RoomAccess): WireRoom {
  const { room, category, rights } = a;
  const out: WireRoom = {
    id: room.id,
    name: room.name,
    description: room.description,
    category: { id: category.id, name: category.name },
    privacy: room.privacy,
    type: room.type,
    invitations: room.invitations,
    invitationsEffective: category.invitations && room.invitations === 'inherit',
    fileUpload: category.fileUpload,
    chatHistory: category.chatHistory,
    addin: a.addin && { id: a.addin.id, name: a.addin.name, url: a.addin.url },
    disabled: room.disabled,
    lastSeq: room.lastSeq,
    rights: { join: rights.join, read: rights.read, post: rights.post, manage: rights.manage },
  };
  if (rights.seeRoles) {
    out.members = [...room.members];
    out.managers = [...room.managers];
    out.presenters = [...room.presenters];
  }
  return out;
}
