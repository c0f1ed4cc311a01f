/**
 * What appending a post writes, in one transaction, for every store: the idempotency check on
 * `(room, author, clientMsgId)`, the file record, the room's next sequence number, the message
 * row and its compliance record. The SQLite store runs it in its post lane (a writer thread,
 * docs/decisions/0013) or, when the lane is not running, in its own writer.
 */
import type { NewPost, PostOutcome, StoreWriter } from './types.ts';

export async function appendPost(tx: StoreWriter, post: NewPost): Promise<PostOutcome> {
  const m = post.message;
  if (m.clientMsgId !== null) {
    const existing = await tx.findMessageByClientId(m.roomId, m.authorId, m.clientMsgId);
    if (existing) return { duplicate: true, message: existing };
  }
  if (post.file) await tx.insertFile(post.file);
  const seq = await tx.nextSeq(m.roomId);
  const id = await tx.insertMessage({ ...m, seq });
  const { kind, content, details } = post.compliance;
  await tx.recordCompliance({
    kind,
    at: m.at,
    roomId: m.roomId,
    userId: m.authorId,
    messageSeq: seq,
    content,
    ...(details ? { details } : {}),
  });
  return { duplicate: false, id, seq };
}
