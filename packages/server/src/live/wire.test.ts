/**
 * The templates of the hot path (wire.ts) write exactly what `JSON.stringify` writes for the same
 * event: for plain messages and with every optional field, with text that needs escaping.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '../domain/model.ts';
import { messageEventJson, messageToWire, postResultJson } from './wire.ts';

const base: Message = {
  id: 42,
  roomId: 'room-"1"',
  seq: 7,
  authorId: 'u\\1',
  at: 1_800_000_000_123,
  clientMsgId: null,
  text: 'line 1\nline 2 "quoted" \\ \u2028 \u0001 ✓ 東京',
  alert: false,
  storyTitle: null,
  rtf: null,
};

/**
 * Every field set. Typed `Required`, so a field added to `Message` must be added here, and then
 * gets a variant of its own below: the template cannot drop it unnoticed.
 */
const full: Required<Message> = {
  ...base,
  clientMsgId: 'c-9',
  alert: true,
  storyTitle: 'A "story"',
  rtf: '{\\rtf1 x}',
  file: { id: 'f1', name: 'a b.txt', size: 3, contentType: 'text/plain' },
};

test('the message event: the template and the object give the same text', () => {
  const fields = Object.keys(full) as (keyof Message)[];
  const variants: Message[] = [
    base,
    { ...base, text: '' },
    full,
    // Each field of `full` that differs from `base`, alone.
    ...fields.filter((k) => full[k] !== base[k]).map((k) => ({ ...base, [k]: full[k] })),
  ];
  assert.ok(variants.length >= 3 + 5, 'a variant per optional field');
  for (const m of variants) {
    const expected = JSON.stringify({ type: 'message', room: 'r-x', message: messageToWire(m) });
    assert.equal(messageEventJson('r-x', m), expected, JSON.stringify(m));
  }
});

test('the result of a post: the template and the object give the same text', () => {
  for (const id of [7, 'req-"1"', null, undefined])
    for (const duplicate of [false, true]) {
      const expected = JSON.stringify({
        type: 'result',
        id: id ?? null,
        ok: true,
        data: { room: 'r-x', seq: base.seq, id: base.id, at: base.at, duplicate },
      });
      assert.equal(postResultJson(id, 'r-x', base, duplicate), expected);
    }
});
