/**
 * The lane's text (post-lane-wire.ts): a plain post crosses as its values and comes back equal;
 * a post with a file, compliance details or a record whose content differs from the text
 * crosses whole.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NewPost } from '../types.ts';
import { decodePost, encodePost } from './post-lane-wire.ts';

const plain = (over: Partial<NewPost['message']> = {}): NewPost => ({
  message: {
    roomId: 'r1',
    authorId: 'u1',
    at: 1_800_000_000_123,
    clientMsgId: null,
    kept: true,
    text: 'hello "world" \u2028 ✓',
    alert: false,
    storyTitle: null,
    rtf: null,
    ...over,
  },
  compliance: { kind: 'CHAT', content: over.text ?? 'hello "world" \u2028 ✓' },
});

const across = (post: NewPost) => decodePost(JSON.parse(JSON.stringify(encodePost(post))) as NewPost);

/**
 * Every field of a plain post's message set. Typed `Required` (but for its file, which makes a
 * post cross whole), so a field added to messages must be added here: a plain post that lost it
 * on the way would then fail below.
 */
const full: Required<Omit<NewPost['message'], 'file'>> = {
  ...plain().message,
  clientMsgId: 'c-1',
  kept: false,
  alert: true,
  storyTitle: 'Title',
  rtf: '{\\rtf1}',
};

test('a plain post crosses as an array of its values and comes back equal', () => {
  for (const post of [plain(), plain({ kept: false }), plain(full)]) {
    assert.ok(Array.isArray(encodePost(post)));
    assert.deepEqual(across(post), post);
  }
  const text = JSON.stringify(encodePost(plain()));
  assert.equal(text.split('hello').length - 1, 1, 'the text once');
});

test('a post with a file, details or other content crosses whole', () => {
  const withFile: NewPost = {
    ...plain(),
    file: {
      id: 'f1',
      name: 'a.txt',
      size: 3,
      contentType: 'text/plain',
      roomId: 'r1',
      uploaderId: 'u1',
      hash: 'x',
      createdAt: 1,
    },
  };
  const withDetails: NewPost = {
    ...plain(),
    compliance: { kind: 'CHAT', content: 'hello', details: { a: 1 } },
  };
  const otherContent: NewPost = { ...plain(), compliance: { kind: 'CHAT', content: 'something else' } };
  for (const post of [withFile, withDetails, otherContent]) {
    assert.equal(encodePost(post), post);
    assert.deepEqual(across(post), post);
  }
});
