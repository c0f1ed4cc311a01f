import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FLUSH_SLICE, Outbox, type OutboxTarget } from './outbox.ts';

/** A connection that records the frames written to it. */
function connection(accepts = true): OutboxTarget & { frames: string[]; overflowed: boolean } {
  return {
    queue: [],
    frames: [],
    overflowed: false,
    write(frame) {
      this.frames.push(frame);
      return accepts;
    },
    overflow() {
      this.overflowed = true;
    },
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('events of one turn go out as one frame per connection, in order', async () => {
  const outbox = new Outbox();
  const a = connection();
  const b = connection();
  outbox.push(a, '{"n":1}');
  outbox.push(b, '{"n":1}');
  outbox.push(a, '{"n":2}');
  assert.deepEqual(a.frames, [], 'nothing is written in the turn that queued it');
  await nextTurn();
  assert.deepEqual(a.frames, ['[{"n":1},{"n":2}]']);
  assert.deepEqual(b.frames, ['[{"n":1}]']);
});

test('a flush writes a slice of connections per turn, and the next event joins those not yet written', async () => {
  const outbox = new Outbox();
  const conns = Array.from({ length: FLUSH_SLICE * 2 + 1 }, () => connection());
  for (const c of conns) outbox.push(c, '"m1"');
  await nextTurn();
  assert.equal(conns.filter((c) => c.frames.length > 0).length, FLUSH_SLICE);
  // The next message arrives between slices: the first slice gets it in a frame of its own, the
  // rest with the first message.
  for (const c of conns) outbox.push(c, '"m2"');
  await nextTurn();
  await nextTurn();
  await nextTurn();
  conns.forEach((c, i) => {
    const expected = i < FLUSH_SLICE ? ['["m1"]', '["m2"]'] : ['["m1","m2"]'];
    assert.deepEqual(c.frames, expected, `connection ${i}`);
  });
  await nextTurn();
  assert.equal(
    conns.reduce((n, c) => n + c.frames.length, 0),
    FLUSH_SLICE * 2 + (conns.length - FLUSH_SLICE),
    'nothing more is written once the queues are empty',
  );
});

test('a connection that cannot keep up overflows; a forgotten one gets nothing', async () => {
  const outbox = new Outbox();
  const slow = connection(false);
  const gone = connection();
  outbox.push(slow, '"x"');
  outbox.push(gone, '"x"');
  outbox.forget(gone);
  await nextTurn();
  assert.equal(slow.overflowed, true);
  assert.deepEqual(gone.frames, []);
  assert.deepEqual(gone.queue, []);
});
