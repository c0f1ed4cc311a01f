/**
 * The storage contract: one suite every Store adapter must pass (SQLite now, PostgreSQL next).
 * Call `storeContract(name, open)` from an adapter's test file with a factory for a fresh store.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AlertFilter } from '../domain/alerts.ts';
import type { Category, Room, User } from '../domain/model.ts';
import { appendPost } from './append-post.ts';
import { draftPost } from './test-fixtures.ts';
import type { Store } from './types.ts';

const now = 1_700_000_000_000;

const user = (id: string): User => ({
  id,
  username: id,
  displayName: id.toUpperCase(),
  email: null,
  sipUri: `sip:${id}@example.com`,
  isAdmin: false,
  disabled: false,
  createdAt: now,
});

const category: Category = {
  id: 'cat-1',
  name: 'Cat',
  description: '',
  invitations: false,
  fileUpload: false,
  chatHistory: true,
  allowed: ['d:example.com'],
  denied: ['u:mallory'],
  creators: ['u:alice'],
  createdAt: now,
  updatedAt: now,
};

const room = (id: string, name: string): Room => ({
  id,
  name,
  description: 'd',
  categoryId: category.id,
  privacy: 'closed',
  type: 'normal',
  invitations: 'inherit',
  addinId: null,
  disabled: false,
  lastSeq: 0,
  members: ['u:alice', 'g:staff'],
  managers: ['u:alice'],
  presenters: [],
  createdAt: now,
  createdBy: 'alice',
  updatedAt: now,
});

/** A post as the server writes it (appendPost), through `write`; its sequence number. */
async function post(store: Store, roomId: string, text: string, at = now): Promise<number> {
  const outcome = await store.write((tx) => appendPost(tx, draftPost(roomId, text, { at })));
  if (outcome.duplicate) throw new Error('no client message id, no duplicate');
  return outcome.seq;
}

export function storeContract(name: string, open: () => Promise<Store>): void {
  void describe(`Store contract: ${name}`, () => {
    const fresh = async () => {
      const store = await open();
      await store.write(async (tx) => {
        await tx.insertUser(user('alice'), 'hash');
        await tx.insertCategory(category);
        await tx.insertRoom(room('room-1', 'Room One'));
      });
      return store;
    };

    void test('round-trips users, categories and rooms with their lists', async () => {
      const store = await fresh();
      try {
        assert.deepEqual(await store.read.getUser('alice'), user('alice'));
        assert.equal((await store.read.findUser('SIP:ALICE@example.com'))?.id, 'alice');
        assert.deepEqual(await store.read.findCategory('cat'), category);
        const r = await store.read.findRoom('room one');
        assert.ok(r);
        assert.deepEqual(r.members, ['g:staff', 'u:alice']);
        assert.deepEqual(r.managers, ['u:alice']);
        assert.equal(await store.read.countRooms(category.id), 1);
      } finally {
        await store.close();
      }
    });

    void test('sequence numbers are per room, gapless and in commit order under concurrency', async () => {
      const store = await fresh();
      try {
        await store.write((tx) => tx.insertRoom(room('room-2', 'Room Two')));
        const seqs = await Promise.all(
          Array.from({ length: 200 }, (_, i) => post(store, i % 2 === 0 ? 'room-1' : 'room-2', `m${i}`)),
        );
        assert.deepEqual(
          seqs.filter((_, i) => i % 2 === 0),
          Array.from({ length: 100 }, (_, i) => i + 1),
        );
        const all = await store.read.history('room-1', { afterSeq: 0, limit: 500 });
        assert.deepEqual(
          all.map((m) => m.seq),
          Array.from({ length: 100 }, (_, i) => i + 1),
        );
        assert.equal((await store.read.getRoom('room-2'))?.lastSeq, 100);
      } finally {
        await store.close();
      }
    });

    void test('a failing write rolls back alone; the others of its batch commit', async () => {
      const store = await fresh();
      try {
        const results = await Promise.allSettled([
          post(store, 'room-1', 'kept-1'),
          store.write(async (tx) => {
            await tx.nextSeq('room-1');
            await tx.recordCompliance({
              kind: 'CHAT',
              at: now,
              roomId: 'room-1',
              userId: 'x',
              messageSeq: 99,
              content: 'ghost',
            });
            throw new Error('refused');
          }),
          post(store, 'room-1', 'kept-2'),
        ]);
        assert.deepEqual(
          results.map((r) => r.status),
          ['fulfilled', 'rejected', 'fulfilled'],
        );
        const msgs = await store.read.history('room-1', { afterSeq: 0, limit: 10 });
        assert.deepEqual(
          msgs.map((m) => [m.seq, m.text]),
          [
            [1, 'kept-1'],
            [2, 'kept-2'],
          ],
        );
        const compliance = await store.read.listCompliance(0, 10);
        assert.equal(
          compliance.some((c) => c.content === 'ghost'),
          false,
        );
        assert.equal(compliance.length, 2);
      } finally {
        await store.close();
      }
    });

    void test('history windows: last N, before/after sequence, by time, unkept rows hidden', async () => {
      const store = await fresh();
      try {
        for (let i = 1; i <= 10; i++) await post(store, 'room-1', `m${i}`, now + i * 1000);
        await store.write(async (tx) => {
          const seq = await tx.nextSeq('room-1');
          await tx.insertMessage({
            roomId: 'room-1',
            seq,
            authorId: 'alice',
            at: now + 11_000,
            clientMsgId: 'c',
            kept: false,
            text: 'secret',
            alert: false,
            storyTitle: null,
            rtf: null,
          });
        });
        const texts = (ms: { text: string }[]) => ms.map((m) => m.text);
        assert.deepEqual(texts(await store.read.lastMessages('room-1', 3)), ['m8', 'm9', 'm10']);
        assert.deepEqual(texts(await store.read.history('room-1', { beforeSeq: 5, limit: 2 })), ['m3', 'm4']);
        assert.deepEqual(texts(await store.read.history('room-1', { afterSeq: 8, limit: 10 })), [
          'm9',
          'm10',
        ]);
        assert.deepEqual(
          texts(await store.read.history('room-1', { since: now + 4000, until: now + 6000, limit: 10 })),
          ['m4', 'm5', 'm6'],
        );
        assert.deepEqual(texts(await store.read.history('room-1', { since: now + 9000, limit: 10 })), [
          'm9',
          'm10',
        ]);
        const unkept = await store.read.findMessageByClientId('room-1', 'alice', 'c');
        assert.equal(unkept?.text, '', 'content of an unkept message is not stored');
      } finally {
        await store.close();
      }
    });

    void test('time bounds give what reading every message would, whether the times are in order or not', async () => {
      const store = await fresh();
      try {
        await store.write((tx) => tx.insertRoom(room('room-2', 'Room Two')));
        // room-1: times never go backwards (some equal), with gaps from deletions and an unkept
        // message; room-2: the clock was set back at its 10th message, and again at its 25th.
        const times1 = Array.from({ length: 60 }, (_, i) => now + Math.floor(i / 3) * 1000);
        const times2 = Array.from(
          { length: 30 },
          (_, i) => now + i * 1000 - (i >= 9 ? 5500 : 0) - (i >= 24 ? 3000 : 0),
        );
        for (const [i, at] of times1.entries()) await post(store, 'room-1', `a${i + 1}`, at);
        for (const [i, at] of times2.entries()) await post(store, 'room-2', `b${i + 1}`, at);
        await store.write((tx) => tx.deleteMessages('room-1', [1, 2, 17, 30, 31, 32, 60]));
        const stored = (roomId: string) => store.read.history(roomId, { afterSeq: 0, limit: 500 });
        const all = { 'room-1': await stored('room-1'), 'room-2': await stored('room-2') };
        const probes = [now - 1, now + 1000, now + 4000, now + 9500, now + 19_000, now + 40_000];
        for (const roomId of ['room-1', 'room-2'] as const) {
          for (const since of [undefined, ...probes])
            for (const until of [undefined, ...probes]) {
              if (since === undefined && until === undefined) continue;
              const inRange = all[roomId].filter(
                (m) => (since === undefined || m.at >= since) && (until === undefined || m.at <= until),
              );
              const what = `${roomId} since ${since === undefined ? '-' : since - now} until ${until === undefined ? '-' : until - now}`;
              const window = await store.read.history(roomId, {
                ...(since === undefined ? {} : { since }),
                ...(until === undefined ? {} : { until }),
                limit: 500,
              });
              assert.deepEqual(
                window.map((m) => m.seq),
                inRange.map((m) => m.seq),
                what,
              );
              const selected = await store.write((tx) =>
                tx.selectMessages(roomId, {
                  ...(since === undefined ? {} : { since }),
                  ...(until === undefined ? {} : { until }),
                }),
              );
              assert.deepEqual(
                selected.map((m) => m.seq),
                inRange.map((m) => m.seq),
                `selectMessages ${what}`,
              );
            }
          // A page of the newest before a time, and of the oldest from a time.
          const until = now + 12_000;
          const older = all[roomId].filter((m) => m.at <= until);
          assert.deepEqual(
            (await store.read.history(roomId, { until, limit: 4 })).map((m) => m.seq),
            older.slice(-4).map((m) => m.seq),
          );
          const since = now + 4000;
          const newer = all[roomId].filter((m) => m.at >= since);
          assert.deepEqual(
            (await store.read.history(roomId, { since, limit: 4 })).map((m) => m.seq),
            newer.slice(0, 4).map((m) => m.seq),
          );
        }
        // Clearing up to a time removes exactly the messages at or before it.
        for (const roomId of ['room-1', 'room-2'] as const) {
          const until = now + 9000;
          const removed = await store.write((tx) => tx.deleteMessagesUntil(roomId, until));
          assert.deepEqual(
            removed,
            all[roomId].filter((m) => m.at <= until).map((m) => m.seq),
            `cleared ${roomId}`,
          );
          assert.deepEqual(
            (await stored(roomId)).map((m) => m.seq),
            all[roomId].filter((m) => m.at > until).map((m) => m.seq),
          );
        }
      } finally {
        await store.close();
      }
    });

    void test('role lists replace, de-duplicate and cascade with the room', async () => {
      const store = await fresh();
      try {
        await store.write((tx) => tx.setRoomRole('room-1', 'member', ['u:bob', 'u:bob', 'd:example.com']));
        assert.deepEqual((await store.read.getRoom('room-1'))?.members, ['d:example.com', 'u:bob']);
        await post(store, 'room-1', 'bye');
        await store.write((tx) => tx.deleteRoom('room-1'));
        assert.equal(await store.read.getRoom('room-1'), undefined);
        assert.deepEqual(await store.read.history('room-1', { afterSeq: 0, limit: 10 }), []);
      } finally {
        await store.close();
      }
    });

    void test('a deleted group leaves no entry behind in category lists or room roles', async () => {
      const store = await fresh();
      try {
        await store.write(async (tx) => {
          await tx.insertGroup({ id: 'staff', name: 'Staff', description: '', createdAt: now });
          await tx.addGroupMembers('staff', ['u:alice']);
          await tx.setCategoryList(category.id, 'allowed', ['d:example.com', 'g:staff']);
          await tx.setCategoryList(category.id, 'creator', ['g:staff']);
          await tx.setRoomRole('room-1', 'manager', ['u:alice', 'g:staff']);
        });
        await store.write((tx) => tx.deleteGroup('staff'));
        const c = await store.read.getCategory(category.id);
        assert.deepEqual([c?.allowed, c?.denied, c?.creators], [['d:example.com'], ['u:mallory'], []]);
        const r = await store.read.getRoom('room-1');
        assert.deepEqual([r?.members, r?.managers], [['u:alice'], ['u:alice']]);
        assert.deepEqual(await store.read.groupEdges(), []);
      } finally {
        await store.close();
      }
    });

    void test('alert matches: ids increase, vanished filters and rooms are skipped, deletions take their matches', async () => {
      const store = await fresh();
      const filter = (id: string, userId = 'alice'): AlertFilter => ({
        id,
        userId,
        name: id,
        keywords: ['deploy'],
        authors: [],
        mentions: false,
        rooms: [],
        notify: true,
        createdAt: now,
        updatedAt: now,
      });
      const match = (filterId: string, roomId: string, seq: number) => ({
        userId: 'alice',
        filterId,
        roomId,
        seq,
        at: now + seq,
      });
      try {
        await store.write(async (tx) => {
          await tx.insertRoom(room('room-2', 'Room Two'));
          await tx.insertAlertFilter(filter('f1'));
          await tx.insertAlertFilter(filter('f2'));
        });
        for (let i = 1; i <= 3; i++) {
          await post(store, 'room-1', `deploy ${i}`);
          await post(store, 'room-2', `deploy ${i}`);
        }
        const first = await store.write((tx) =>
          tx.insertAlertMatches([
            match('f1', 'room-1', 1),
            match('gone', 'room-1', 2),
            match('f2', 'room-2', 1),
          ]),
        );
        assert.deepEqual(
          first.map((m) => [m.filterId, m.roomId, m.seq]),
          [
            ['f1', 'room-1', 1],
            ['f2', 'room-2', 1],
          ],
          'a match of a filter that no longer exists is not stored',
        );
        const second = await store.write((tx) =>
          tx.insertAlertMatches([
            match('f1', 'room-2', 2),
            match('f2', 'nowhere', 1),
            match('f2', 'room-1', 3),
          ]),
        );
        assert.equal(second.length, 2);
        const ids = [...first, ...second].map((m) => m.id);
        assert.deepEqual(
          ids,
          [...ids].sort((a, b) => a - b),
        );
        assert.equal(new Set(ids).size, 4);

        const feed = await store.read.listAlertMatches('alice', { limit: 10 });
        assert.deepEqual(
          feed.map((m) => [m.filterId, m.roomId, m.seq, m.message?.text]),
          [
            ['f2', 'room-1', 3, 'deploy 3'],
            ['f1', 'room-2', 2, 'deploy 2'],
            ['f2', 'room-2', 1, 'deploy 1'],
            ['f1', 'room-1', 1, 'deploy 1'],
          ],
          'newest first, with the message',
        );
        const f1 = await store.read.listAlertMatches('alice', { filterId: 'f1', limit: 10 });
        assert.deepEqual(
          f1.map((m) => m.id),
          [ids[2], ids[0]],
        );
        assert.equal(await store.read.countAlertsAfter('alice', ids[0] ?? 0, 10), 3);

        await store.write((tx) => tx.deleteRoom('room-2'));
        assert.deepEqual(
          (await store.read.listAlertMatches('alice', { limit: 10 })).map((m) => m.roomId),
          ['room-1', 'room-1'],
          'a deleted room takes its matches',
        );
        await store.write((tx) => tx.deleteAlertFilter('alice', 'f2'));
        assert.deepEqual(
          (await store.read.listAlertMatches('alice', { limit: 10 })).map((m) => m.filterId),
          ['f1'],
          'a deleted filter takes its matches',
        );
        // Ids are never reused, even after the newest rows were deleted.
        const third = await store.write((tx) => tx.insertAlertMatches([match('f1', 'room-1', 2)]));
        assert.ok((third[0]?.id ?? 0) > Math.max(...ids));
      } finally {
        await store.close();
      }
    });

    void test('appendMessage: message and compliance record together, numbered in order, repeats answered, files recorded', async () => {
      const store = await fresh();
      const draft = (text: string, clientMsgId: string | null = null) =>
        draftPost('room-1', text, { clientMsgId });
      try {
        // Sent at once: one or more transactions, numbered in the order sent.
        const outcomes = await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            store.appendMessage(draft(`m${i}`, i % 3 === 0 ? `c${i}` : null)),
          ),
        );
        assert.deepEqual(
          outcomes.map((o) => (o.duplicate ? -1 : o.seq)),
          Array.from({ length: 60 }, (_, i) => i + 1),
        );
        const stored = await store.read.history('room-1', { limit: 100 });
        assert.deepEqual(
          stored.map((m) => [m.seq, m.text, m.id]),
          outcomes.map((o, i) => [i + 1, `m${i}`, o.duplicate ? -1 : o.id]),
        );
        const chat = (await store.read.listCompliance(0, 1000)).filter((c) => c.kind === 'CHAT');
        assert.deepEqual(
          chat.map((c) => [c.messageSeq, c.content, c.roomId, c.userId]),
          stored.map((m) => [m.seq, m.text, 'room-1', 'alice']),
        );

        // The same client message id again: the stored message, nothing new written.
        const again = await store.appendMessage(draft('m3 sent again', 'c3'));
        assert.ok(again.duplicate);
        assert.deepEqual([again.message.seq, again.message.text], [4, 'm3']);
        assert.equal((await store.read.getRoom('room-1'))?.lastSeq, 60);

        // A post to a room that does not exist fails alone; the others sent with it are stored.
        const mixed = await Promise.allSettled([
          store.appendMessage(draft('before')),
          store.appendMessage({
            ...draft('nowhere'),
            message: { ...draft('nowhere').message, roomId: 'gone' },
          }),
          store.appendMessage(draft('after')),
        ]);
        assert.deepEqual(
          mixed.map((r) => (r.status === 'fulfilled' && !r.value.duplicate ? r.value.seq : r.status)),
          [61, 'rejected', 62],
        );

        // A file and its record, with the upload's compliance details.
        const file = {
          id: 'file-1',
          roomId: 'room-1',
          uploaderId: 'alice',
          name: 'notes.txt',
          size: 5,
          contentType: 'text/plain',
          hash: 'ab'.repeat(32),
          createdAt: now,
        };
        const withFile = await store.appendMessage({
          message: {
            ...draft('notes.txt').message,
            file: { id: file.id, name: file.name, size: file.size, contentType: file.contentType },
          },
          compliance: { kind: 'FILEUPLOAD', content: 'file-1.txt', details: { fileId: 'file-1' } },
          file,
        });
        assert.ok(!withFile.duplicate);
        assert.deepEqual(await store.read.getFile('file-1'), file);
        const last = (await store.read.listCompliance(0, 1000)).at(-1);
        assert.deepEqual(
          [last?.kind, last?.messageSeq, last?.content, last?.details],
          ['FILEUPLOAD', withFile.seq, 'file-1.txt', { fileId: 'file-1' }],
        );
        assert.equal((await store.read.history('room-1', { afterSeq: 62, limit: 5 }))[0]?.file?.id, 'file-1');
      } finally {
        await store.close();
      }
    });
  });
}
