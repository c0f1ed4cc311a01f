/** Domain records → wire shapes (packages/protocol). */
import type { ServerEvent, WireMessage, WireParticipant } from '@stoa/protocol';
import type { Message } from '../domain/model.ts';

export type WireEvent = ServerEvent;
export type { WireParticipant };

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
