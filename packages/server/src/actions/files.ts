/**
 * Files (spec §4.10). Each transfer needs a one-time token bound to the user and the room, valid 30
 * minutes, issued only where the category allows files. The body streams into the blob store and
 * is refused as soon as it passes MaxFileSizeKB; the file then appears in the room as a message.
 * Uploads and downloads are compliance events (FILEUPLOAD, FILEDOWNLOAD).
 */
import { createHash, randomBytes } from 'node:crypto';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { accessRoom, type RoomAccess } from '../access/access-room.ts';
import { BlobTooLarge } from '../blobs/types.ts';
import { fail, notFound } from '../domain/errors.ts';
import { checkFileName, effectiveContentType } from '../domain/files.ts';
import type { Actor, FileRef, Message, StoredFile } from '../domain/model.ts';
import type { FileTokenRecord } from '../storage/types.ts';
import { appendAndPublish, subjectOf, transact, type ActionContext } from './context.ts';

export const FILE_TOKEN_TTL_MS = 30 * 60 * 1000;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

async function fileRoom(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  need: 'post' | 'read',
): Promise<RoomAccess> {
  const subject = await subjectOf(ctx, actor);
  if (!subject) notFound('room');
  const access = await accessRoom(ctx.access, subject, roomId, need);
  if (!access.category.fileUpload) fail('forbidden', 'files are off in this category');
  return access;
}

async function maxBytes(ctx: ActionContext): Promise<number> {
  return (await ctx.access.settings()).MaxFileSizeKB * 1024;
}

async function issue(
  ctx: ActionContext,
  record: Omit<FileTokenRecord, 'tokenHash' | 'expiresAt' | 'usedAt'>,
) {
  const token = `stoaf_${randomBytes(24).toString('base64url')}`;
  const expiresAt = ctx.clock() + FILE_TOKEN_TTL_MS;
  await transact(ctx, (tx) =>
    tx.insertFileToken({ ...record, tokenHash: hashOf(token), expiresAt, usedAt: null }),
  );
  return { token, expiresAt };
}

export async function doCreateUploadToken(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  input: { name: string; contentType?: string; size?: number },
): Promise<{ token: string; expiresAt: number; maxBytes: number }> {
  await fileRoom(ctx, actor, roomId, 'post');
  const name = checkFileName(input.name);
  const limit = await maxBytes(ctx);
  if (input.size !== undefined && input.size > limit) {
    fail('payload_too_large', `files are limited to ${limit / 1024} KB`, { limit });
  }
  const userId = actor.kind === 'user' ? actor.userId : '';
  const issued = await issue(ctx, {
    kind: 'upload',
    userId,
    roomId,
    fileId: null,
    name,
    contentType: input.contentType ?? null,
  });
  return { ...issued, maxBytes: limit };
}

/** Checks and consumes a token: unknown → not_found, another user or room → forbidden, used → conflict. */
async function redeem(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  token: string,
  kind: 'upload' | 'download',
) {
  const record = await ctx.store.read.getFileToken(hashOf(token));
  if (!record || record.kind !== kind) fail('not_found', 'unknown file token');
  if (actor.kind !== 'user' || record.userId !== actor.userId)
    fail('forbidden', 'this token belongs to someone else');
  if (record.roomId !== roomId) fail('forbidden', 'this token is for another room');
  if (record.expiresAt <= ctx.clock()) fail('token_expired', 'the file token has expired');
  const fresh = await transact(ctx, (tx) => tx.useFileToken(record.tokenHash, ctx.clock()));
  if (!fresh) fail('conflict', 'this file token was already used');
  return record;
}

export async function doUploadFile(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  token: string,
  body: Readable,
  declaredLength?: number,
): Promise<{ file: FileRef; message: Message }> {
  const limit = await maxBytes(ctx);
  if (declaredLength !== undefined && declaredLength > limit) {
    fail('payload_too_large', `files are limited to ${limit / 1024} KB`, { limit });
  }
  const record = await redeem(ctx, actor, roomId, token, 'upload');
  const access = await fileRoom(ctx, actor, roomId, 'post');
  let stored;
  try {
    stored = await ctx.blobs.put(body, limit);
  } catch (error) {
    if (error instanceof BlobTooLarge)
      fail('payload_too_large', `files are limited to ${limit / 1024} KB`, { limit });
    throw error;
  }
  const at = ctx.clock();
  const file: StoredFile = {
    id: ctx.newId(),
    roomId,
    uploaderId: record.userId,
    name: record.name ?? 'file',
    size: stored.size,
    contentType: effectiveContentType(record.contentType, stored.head),
    hash: stored.hash,
    createdAt: at,
  };
  const ref: FileRef = { id: file.id, name: file.name, size: file.size, contentType: file.contentType };
  const kept = access.category.chatHistory;
  const { message } = await appendAndPublish(ctx, {
    message: {
      roomId,
      authorId: record.userId,
      at,
      clientMsgId: null,
      kept,
      text: file.name,
      alert: false,
      storyTitle: null,
      rtf: null,
      file: ref,
    },
    compliance: {
      kind: 'FILEUPLOAD',
      content: storedName(file),
      details: {
        fileId: file.id,
        name: file.name,
        size: file.size,
        contentType: file.contentType,
        sha256: file.hash,
      },
    },
    file,
  });
  return { file: ref, message };
}

/** The name compliance output uses for a stored file: `<id><extension>` (spec §4.10). */
export function storedName(file: Pick<StoredFile, 'id' | 'name'>): string {
  return `${file.id}${extname(file.name)}`;
}

export async function doCreateDownloadToken(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  fileId: string,
): Promise<{ token: string; expiresAt: number }> {
  await fileRoom(ctx, actor, roomId, 'read');
  const file = await ctx.store.read.getFile(fileId);
  if (!file || file.roomId !== roomId) fail('not_found', 'file not found');
  const userId = actor.kind === 'user' ? actor.userId : '';
  return issue(ctx, { kind: 'download', userId, roomId, fileId, name: null, contentType: null });
}

export async function doDownloadFile(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  token: string,
): Promise<{ file: StoredFile; body: Readable }> {
  const record = await redeem(ctx, actor, roomId, token, 'download');
  await fileRoom(ctx, actor, roomId, 'read');
  const file = record.fileId === null ? undefined : await ctx.store.read.getFile(record.fileId);
  if (!file) fail('not_found', 'file not found');
  if (file.size > (await maxBytes(ctx)))
    fail('payload_too_large', 'the file is larger than MaxFileSizeKB allows');
  const body = await ctx.blobs.get(file.hash);
  if (!body) fail('not_found', 'file content missing');
  const at = ctx.clock();
  await transact(ctx, (tx) =>
    tx.recordCompliance({
      kind: 'FILEDOWNLOAD',
      at,
      roomId,
      userId: record.userId,
      messageSeq: null,
      content: storedName(file),
      details: { fileId: file.id, name: file.name, size: file.size },
    }),
  );
  return { file, body };
}
