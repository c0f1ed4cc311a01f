/** Row ↔ record conversions shared by every Kysely-based adapter. */
import type { Selectable } from 'kysely';
import type { Category, FileRef, Group, Message, Policy, Room, User } from '../domain/model.ts';
import type { PrincipalRef } from '../domain/principals.ts';
import type {
  CategoriesTable,
  GroupsTable,
  MessagesTable,
  PoliciesTable,
  RoomsTable,
  UsersTable,
} from './schema.ts';

export const bool = (v: number | boolean): boolean => v === 1 || v === true;
export const int = (v: boolean): number => (v ? 1 : 0);
/** PostgreSQL returns bigint as string; SQLite as number. */
export const num = (v: number | string | bigint): number => Number(v);

export function toUser(r: Selectable<UsersTable>): User {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    email: r.email,
    sipUri: r.sip_uri,
    isAdmin: bool(r.is_admin),
    disabled: bool(r.disabled),
    createdAt: num(r.created_at),
  };
}

export function toGroup(r: Selectable<GroupsTable>): Group {
  return { id: r.id, name: r.name, description: r.description, createdAt: num(r.created_at) };
}

export function toPolicy(r: Selectable<PoliciesTable>): Policy {
  return { id: r.id, name: r.name, description: r.description, chatEnabled: bool(r.chat_enabled) };
}

export interface CategoryLists {
  allowed: PrincipalRef[];
  denied: PrincipalRef[];
  creators: PrincipalRef[];
}

export function toCategory(r: Selectable<CategoriesTable>, lists: CategoryLists): Category {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    invitations: bool(r.invitations),
    fileUpload: bool(r.file_upload),
    chatHistory: bool(r.chat_history),
    allowed: lists.allowed,
    denied: lists.denied,
    creators: lists.creators,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export interface RoomRoleLists {
  members: PrincipalRef[];
  managers: PrincipalRef[];
  presenters: PrincipalRef[];
}

export function toRoom(r: Selectable<RoomsTable>, roles: RoomRoleLists): Room {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    categoryId: r.category_id,
    privacy: r.privacy,
    type: r.type,
    invitations: r.invitations,
    addinId: r.addin_id,
    disabled: bool(r.disabled),
    lastSeq: num(r.last_seq),
    members: roles.members,
    managers: roles.managers,
    presenters: roles.presenters,
    createdAt: num(r.created_at),
    createdBy: r.created_by,
    updatedAt: num(r.updated_at),
  };
}

export function toMessage(r: Selectable<MessagesTable>): Message {
  return {
    id: num(r.id),
    roomId: r.room_id,
    seq: num(r.seq),
    authorId: r.author_id,
    at: num(r.created_at),
    clientMsgId: r.client_msg_id,
    text: r.text,
    alert: bool(r.alert),
    storyTitle: r.story_title,
    rtf: r.rtf,
    ...(r.file ? { file: JSON.parse(r.file) as FileRef } : {}),
  };
}
