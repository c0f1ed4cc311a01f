/**
 * How posts cross to the post lane's thread (post-lane.ts, docs/decisions/0013): one JSON text per
 * turn, in which a plain post (no file, no compliance details, the record's content the message's
 * text — nearly every one) is an array of its values (`PlainPost`) rather than a `NewPost`
 * object: no keys, and its text once instead of twice. That halves the text, and writing and
 * reading it cost about a third as much (1.2 and 0.9 µs a post against 2.0–3.3 and 2.7–2.9 for
 * objects, 900 posts of 100 characters); any other post goes whole.
 */
import type { NewPost } from '../types.ts';

/** A plain post's values, in this order. */
export type PlainPost = [
  roomId: string,
  authorId: string,
  at: number,
  clientMsgId: string | null,
  kept: 0 | 1,
  text: string,
  alert: 0 | 1,
  storyTitle: string | null,
  rtf: string | null,
  kind: NewPost['compliance']['kind'],
];

/** A post as it crosses to the lane: its values when plain, else the post itself. */
export function encodePost(post: NewPost): PlainPost | NewPost {
  const m = post.message;
  const c = post.compliance;
  if (post.file || m.file || c.details || c.content !== m.text) return post;
  return [
    m.roomId,
    m.authorId,
    m.at,
    m.clientMsgId,
    m.kept ? 1 : 0,
    m.text,
    m.alert ? 1 : 0,
    m.storyTitle,
    m.rtf,
    c.kind,
  ];
}

/** The post an entry of the lane's text stands for (`encodePost`). */
export function decodePost(entry: PlainPost | NewPost): NewPost {
  if (!Array.isArray(entry)) return entry;
  const [roomId, authorId, at, clientMsgId, kept, text, alert, storyTitle, rtf, kind] = entry;
  return {
    message: {
      roomId,
      authorId,
      at,
      clientMsgId,
      kept: kept === 1,
      text,
      alert: alert === 1,
      storyTitle,
      rtf,
    },
    compliance: { kind, content: text },
  };
}
