/**
 * The storage contract: one suite every Store adapter must pass (SQLite now, PostgreSQL next).
 * Call `storeContract(name, open)` from an adapter's test file with a factory for a fresh store.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Category, Room, User } from '../domain/model.ts';
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

async function post(store: Store, roomId: string, text: string, at = now, clientMsgId: string | null = null) {
  return store.write(async (tx) => {
    const seq = await tx.nextSeq(roomId);
    await tx.insertMessage({
      roomId,
      seq,
      authorId: 'alice',
      at,
      clientMsgId,
      kept: true,
      text,
      alert: false,
      storyTitle: null,
      rtf: null,
    });
    await tx.recordCompliance({ kind: 'CHAT', at, roomId, userId: 'alice', messageSeq: seq, content: text });
    return seq;
  });
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
  });
}
