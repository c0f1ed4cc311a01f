/**
 * What appending a post writes, in one transaction, for every store: the idempotency check on
 * `(room, author, clientMsgId)`, the file record, the room's next sequence number, the message
 * row and its compliance record. The SQLite store runs it in its post lane (a writer thread,
 * docs/decisions/0013) or, when the lane is not running, in its own writer.
 */
import type { ComplianceRecord, Writable } from '../domain/model.ts';
import type { NewMessage, NewPost, PostOutcome, StoreWriter } from './types.ts';

export async function appendPost(tx: StoreWriter, post: NewPost): Promise<PostOutcome> {
  const m = post.message;
  if (m.clientMsgId !== null) {
    const existing = await tx.findMessageByClientId(m.roomId, m.authorId, m.clientMsgId);
    if (existing) return { duplicate: true, message: existing };
  }
  if (post.file) await tx.insertFile(post.file);
  const seq = await tx.nextSeq(m.roomId);
  // Field by field rather than spread: this runs for every post, in the post lane's thread.
  const row: Writable<NewMessage> = {
    roomId: m.roomId,
    seq,
    authorId: m.authorId,
    at: m.at,
    clientMsgId: m.clientMsgId,
    kept: m.kept,
    text: m.text,
    alert: m.alert,
    storyTitle: m.storyTitle,
    rtf: m.rtf,
  };
  if (m.file) row.file = m.file;
  const id = await tx.insertMessage(row);
  const c = post.compliance;
  const record: Writable<ComplianceRecord> = {
    kind: c.kind,
    at: m.at,
    roomId: m.roomId,
    userId: m.authorId,
    messageSeq: seq,
    content: c.content,
  };
  if (c.details) record.details = c.details;
  await tx.recordCompliance(record);
  return { duplicate: false, id, seq };
}
