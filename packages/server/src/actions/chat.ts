/**
 * Chat (spec §4.3–§4.6): join with recent history, post, leave, read history. Each records its
 * compliance event (JOIN, CHAT, PART, BACKCHAT) in the same transaction as its effect.
 */
import { accessRoom, accessView, type RoomAccess } from '../access/access-room.ts';
import { notFound } from '../domain/errors.ts';
import type { Actor, Message, Writable } from '../domain/model.ts';
import { prepareMessage, type MessageInput } from '../domain/messages.ts';
import type { HistoryWindow, NewPost } from '../storage/types.ts';
import { appendAndPublish, subjectOf, transact, type ActionContext } from './context.ts';
import type { UserSubject } from '../access/access-state.ts';

/** The most messages one history page or one resume returns. */
export const MAX_HISTORY_PAGE = 500;

async function userSubject(ctx: ActionContext, actor: Actor): Promise<UserSubject> {
  const subject = await subjectOf(ctx, actor);
  if (!subject) notFound('room');
  return subject;
}

export interface JoinResult {
  readonly access: RoomAccess;
  /** The last DefaultChatHistory messages, or the gap after `lastSeq`; oldest first. */
  readonly history: Message[];
  /** True when a resume gap was longer than one page: fetch the rest with history paging. */
  readonly more: boolean;
}

export async function doJoinRoom(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  options: { lastSeq?: number } = {},
): Promise<JoinResult> {
  const subject = await userSubject(ctx, actor);
  const access = await accessRoom(ctx.access, subject, roomId, 'join');
  let history: Message[] = [];
  let more = false;
  if (access.category.chatHistory) {
    if (options.lastSeq !== undefined) {
      const page = await ctx.store.read.history(roomId, {
        afterSeq: options.lastSeq,
        limit: MAX_HISTORY_PAGE + 1,
      });
      more = page.length > MAX_HISTORY_PAGE;
      history = more ? page.slice(0, MAX_HISTORY_PAGE) : page;
    } else {
      history = await ctx.store.read.lastMessages(roomId, (await ctx.access.settings()).DefaultChatHistory);
    }
  }
  const at = ctx.clock();
  // Records of a read, committed with deferred durability: they survive a crash of the process
  // before the history is sent, and a power loss once the next full commit or the store's WAL
  // sync ran (at most DEFERRED_SYNC_MS later). Messages are never deferred (docs/decisions/0009).
  await transact(
    ctx,
    async (tx) => {
      await tx.recordCompliance({
        kind: 'JOIN',
        at,
        roomId,
        userId: subject.userId,
        messageSeq: null,
        content: '',
      });
      await recordBackchat(tx, at, roomId, subject.userId, history);
    },
    { durability: 'deferred' },
  );
  return { access, history, more };
}

async function recordBackchat(
  tx: Parameters<Parameters<typeof transact>[1]>[0],
  at: number,
  roomId: string,
  userId: string,
  messages: readonly Message[],
): Promise<void> {
  const first = messages[0];
  const last = messages[messages.length - 1];
  if (!first || !last) return;
  await tx.recordCompliance({
    kind: 'BACKCHAT',
    at,
    roomId,
    userId,
    messageSeq: last.seq,
    content: '',
    details: { fromSeq: first.seq, toSeq: last.seq, count: messages.length },
  });
}

/** Records the leave (PART). Always allowed: leaving needs no rights, even for a vanished room. */
export async function doLeaveRoom(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  reason = 'leave',
): Promise<void> {
  if (actor.kind !== 'user') return;
  const at = ctx.clock();
  await transact(ctx, async (tx) => {
    await tx.recordCompliance({
      kind: 'PART',
      at,
      roomId,
      userId: actor.userId,
      messageSeq: null,
      content: '',
      details: { reason },
    });
  });
}

export interface PostResult {
  readonly message: Message;
  /** The client message id was seen before: this is the stored original, nothing new was posted. */
  readonly duplicate: boolean;
}

export async function doPostMessage(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  input: MessageInput,
): Promise<PostResult> {
  // The hot path: subject, room and rights straight from the access cache when it holds them.
  const subject =
    (actor.kind === 'user' ? ctx.access.cachedSubject(actor.userId) : undefined) ??
    (await userSubject(ctx, actor));
  const view = ctx.access.cachedRoom(roomId);
  const access = view
    ? accessView(ctx.access, subject, view, 'post')
    : await accessRoom(ctx.access, subject, roomId, 'post');
  const prepared = prepareMessage(input, { maxTextBytes: ctx.limits.maxMessageBytes });
  const kept = access.category.chatHistory;
  const at = ctx.clock();
  // Compliance keeps the text even when the category keeps no history (spec §5.1).
  // Objects written out field by field (no spreads): this runs for every post.
  const compliance: Writable<NewPost['compliance']> = {
    kind: 'CHAT',
    content: prepared.text,
  };
  if (prepared.alert || prepared.storyTitle !== null)
    compliance.details = { alert: prepared.alert, storyTitle: prepared.storyTitle };
  return appendAndPublish(ctx, {
    message: {
      roomId,
      authorId: subject.userId,
      at,
      clientMsgId: prepared.clientMsgId,
      kept,
      text: prepared.text,
      alert: prepared.alert,
      storyTitle: prepared.storyTitle,
      rtf: prepared.rtf,
    },
    compliance,
  });
}

/** Reads a page of history (joining not required) and records it as BACKCHAT. */
export async function doReadHistory(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  window: Omit<HistoryWindow, 'limit'> & { limit?: number },
): Promise<Message[]> {
  const subject = await userSubject(ctx, actor);
  const access = await accessRoom(ctx.access, subject, roomId, 'read');
  if (!access.category.chatHistory) return [];
  const limit = Math.min(Math.max(1, window.limit ?? 50), MAX_HISTORY_PAGE);
  const messages = await ctx.store.read.history(roomId, { ...window, limit });
  if (messages.length > 0) {
    const at = ctx.clock();
    await transact(ctx, (tx) => recordBackchat(tx, at, roomId, subject.userId, messages));
  }
  return messages;
}
