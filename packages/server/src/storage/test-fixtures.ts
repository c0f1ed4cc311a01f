/**
 * Records for tests of the stores (not used by the server): a category, a room in it, and a post
 * as `appendMessage` takes it. Override what a test cares about.
 */
import type { Category, Room } from '../domain/model.ts';
import type { NewPost } from './types.ts';

const at = 1_800_000_000_000;

export function testCategory(id = 'cat', overrides: Partial<Category> = {}): Category {
  return {
    id,
    name: id,
    description: '',
    invitations: false,
    fileUpload: false,
    chatHistory: true,
    allowed: [],
    denied: [],
    creators: [],
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function testRoom(id: string, categoryId = 'cat', overrides: Partial<Room> = {}): Room {
  return {
    id,
    name: id,
    description: '',
    categoryId,
    privacy: 'open',
    type: 'normal',
    invitations: 'inherit',
    addinId: null,
    disabled: false,
    lastSeq: 0,
    members: [],
    managers: [],
    presenters: [],
    createdAt: at,
    createdBy: 'test',
    updatedAt: at,
    ...overrides,
  };
}

/** A plain text post with its CHAT record. */
export function draftPost(
  roomId: string,
  text: string,
  options: { authorId?: string; clientMsgId?: string | null; at?: number } = {},
): NewPost {
  return {
    message: {
      roomId,
      authorId: options.authorId ?? 'alice',
      at: options.at ?? at,
      clientMsgId: options.clientMsgId ?? null,
      kept: true,
      text,
      alert: false,
      storyTitle: null,
      rtf: null,
    },
    compliance: { kind: 'CHAT', content: text },
  };
}
