/**
 * Crash safety of the real server process: thousands of posts in flight over several WebSocket
 * connections, SIGKILL right after the last acknowledgements, restart on the same data folder.
 * Every acknowledged message must be there with its seq and text, seqs must stay gapless, the
 * database must pass `PRAGMA integrity_check`, and each message must have its CHAT compliance
 * record (written in the same transaction). Repeated over several kill/restart cycles.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import {
  fullHistory,
  http,
  LeanWs,
  loginAs,
  Rng,
  seqProblem,
  startChildServer,
  type ChildServer,
} from './helpers.ts';

const CYCLES = 3;
/** Acknowledged posts per cycle before the kill. */
const ACKS_PER_CYCLE = 1500;
const USERS = ['crash-u1', 'crash-u2', 'crash-u3'];
const CONNECTIONS_PER_USER = 2;
/** Posts each connection keeps in flight. */
const IN_FLIGHT = 8;

interface Sent {
  readonly room: string;
  readonly author: string;
  readonly text: string;
}

test(
  'acknowledged posts survive SIGKILL of the server; seqs stay gapless; the database stays intact',
  { timeout: 180_000 },
  async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stoa-crash-'));
    let server: ChildServer | undefined;
    t.after(async () => {
      await server?.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    });
    const rng = new Rng(0xc0ffee);

    server = await startChildServer(dataDir);
    const adminPassword = server.adminPassword;
    assert.ok(adminPassword, `no admin password printed:\n${server.output()}`);
    const adminToken = await loginAs(server.url, 'admin', adminPassword);

    // Setup over HTTP, as an operator would.
    const cat = await http(server.url, 'POST', '/api/v1/categories', {
      token: adminToken,
      json: { name: 'Crash', allowed: ['domain:stoa.local'] },
    });
    assert.equal(cat.status, 200, cat.text);
    const rooms: string[] = [];
    for (const name of ['crash-a', 'crash-b']) {
      const r = await http(server.url, 'POST', '/api/v1/rooms', {
        token: adminToken,
        json: { name, category: 'Crash', privacy: 'open' },
      });
      assert.equal(r.status, 200, r.text);
      rooms.push(r.body.id as string);
    }
    const userIds = new Map<string, string>();
    for (const username of USERS) {
      const r = await http(server.url, 'POST', '/api/v1/users', {
        token: adminToken,
        json: { username, password: `password-${username}` },
      });
      assert.equal(r.status, 200, r.text);
      userIds.set(username, r.body.id as string);
    }

    /** Every post ever sent, by clientMsgId (acknowledged or not). */
    const sent = new Map<string, Sent>();
    /** Every acknowledged post: clientMsgId → seq. */
    const acked = new Map<string, number>();
    let nextCid = 0;

    const makeText = (cid: string): string => {
      const body = rng.chance(0.05) ? rng.text(1000, 4000) : rng.text(1, 120);
      return `${cid}|${body}`;
    };

    /** Checks the stored history of every room against what was sent and acknowledged. */
    const checkHistory = (room: string, stored: readonly any[], where: string) => {
      const problem = seqProblem(stored);
      assert.equal(problem, undefined, `${where}: room ${room}: ${String(problem)}`);
      const seen = new Set<string>();
      for (const m of stored) {
        const cid = m.clientMsgId as string | undefined;
        assert.ok(cid !== undefined, `${where}: seq ${m.seq} has no clientMsgId`);
        assert.ok(!seen.has(cid), `${where}: clientMsgId ${cid} stored twice`);
        seen.add(cid);
        const s = sent.get(cid);
        assert.ok(s, `${where}: seq ${m.seq} holds clientMsgId ${cid} that was never sent`);
        assert.equal(s.room, room, `${where}: ${cid} stored in the wrong room`);
        assert.equal(m.text, s.text, `${where}: seq ${m.seq} (${cid}) text differs from what was sent`);
        assert.equal(m.author, userIds.get(s.author), `${where}: seq ${m.seq} (${cid}) wrong author`);
      }
      const bySeq = new Map(stored.map((m) => [m.seq as number, m]));
      for (const [cid, seq] of acked) {
        const s = sent.get(cid);
        if (s?.room !== room) continue;
        const m = bySeq.get(seq);
        assert.ok(m, `${where}: acknowledged ${cid} (seq ${seq}) is missing`);
        assert.equal(
          m.clientMsgId,
          cid,
          `${where}: seq ${seq} holds ${String(m.clientMsgId)}, acknowledged ${cid}`,
        );
      }
    };

    const userIdOf = (cid: string) => {
      const s = sent.get(cid);
      return s ? userIds.get(s.author) : undefined;
    };

    /** Reads the database file directly (read-only) after the kill, before any restart. */
    const checkDatabaseFile = (where: string) => {
      const db = new BetterSqlite3(join(dataDir, 'stoa.db'), { readonly: true, fileMustExist: true });
      try {
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', `${where}: integrity_check`);
        assert.deepEqual(db.pragma('foreign_key_check'), [], `${where}: foreign_key_check`);
        for (const room of rooms) {
          const messages = db
            .prepare('SELECT seq, text, client_msg_id AS cid FROM messages WHERE room_id = ? ORDER BY seq')
            .all(room) as { seq: number; text: string; cid: string }[];
          checkHistory(
            room,
            messages.map((m) => ({ seq: m.seq, text: m.text, clientMsgId: m.cid, author: userIdOf(m.cid) })),
            `${where} (file)`,
          );
          const lastSeq = (
            db.prepare('SELECT last_seq FROM rooms WHERE id = ?').get(room) as { last_seq: number }
          ).last_seq;
          assert.equal(lastSeq, messages.length, `${where}: rooms.last_seq disagrees with the messages`);
          // The CHAT compliance record is written in the same transaction as the message.
          const chats = db
            .prepare(
              "SELECT message_seq AS seq, content FROM compliance_events WHERE kind = 'CHAT' AND room_id = ? ORDER BY message_seq",
            )
            .all(room) as { seq: number; content: string }[];
          assert.deepEqual(
            chats,
            messages.map((m) => ({ seq: m.seq, content: m.text })),
            `${where}: CHAT compliance records do not match the messages one to one`,
          );
        }
      } finally {
        db.close();
      }
    };

    let totalKilledInFlight = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const srv: ChildServer = server;
      const tokens = new Map<string, string>();
      for (const username of USERS)
        tokens.set(username, await loginAs(srv.url, username, `password-${username}`));

      const conns: { client: LeanWs; author: string }[] = [];
      for (const author of USERS) {
        for (let i = 0; i < CONNECTIONS_PER_USER; i++) {
          const { client, hello } = await LeanWs.connect(srv.wsUrl, tokens.get(author));
          assert.ok(hello, 'no hello');
          for (const room of rooms) {
            const joined = await client.request({ type: 'join', room });
            assert.ok(joined.ok, `join: ${JSON.stringify(joined)}`);
          }
          conns.push({ client, author });
        }
      }

      const target = acked.size + ACKS_PER_CYCLE;
      const state = { killed: false };
      let inFlightAtKill = 0;
      let inFlight = 0;
      const refusals: unknown[] = [];
      /** SIGKILL at once, from inside the handler of the acknowledgement that reached the target. */
      const killNow = () => {
        if (state.killed) return;
        state.killed = true;
        inFlightAtKill = inFlight;
        srv.child.kill('SIGKILL');
      };
      const worker = async (client: LeanWs, author: string) => {
        while (!state.killed && !client.closed) {
          const cid = `c${nextCid++}`;
          const room = rng.pick(rooms);
          const text = makeText(cid);
          sent.set(cid, { room, author, text });
          let result;
          inFlight++;
          try {
            result = await client.request({ type: 'post', room, clientMsgId: cid, text }, 30_000);
          } catch {
            return; // the connection died with the server: this post is unacknowledged
          } finally {
            inFlight--;
          }
          if (!result.ok) {
            refusals.push(result);
            return;
          }
          assert.equal(result.data.duplicate, false);
          assert.equal(result.data.room, room);
          acked.set(cid, result.data.seq as number);
          if (acked.size >= target) killNow();
        }
      };
      await Promise.all(
        conns.flatMap(({ client, author }) =>
          Array.from({ length: IN_FLIGHT }, () => worker(client, author)),
        ),
      );
      const exit = await srv.exited;
      assert.equal(
        exit.signal,
        'SIGKILL',
        `cycle ${cycle}: the server was not killed but exited ${JSON.stringify(exit)}`,
      );
      assert.deepEqual(refusals, [], `cycle ${cycle}: posts were refused`);
      assert.ok(acked.size >= target, `cycle ${cycle}: only ${acked.size} acknowledgements`);
      assert.ok(inFlightAtKill > 0, `cycle ${cycle}: nothing was in flight at the kill`);
      totalKilledInFlight += inFlightAtKill;
      t.diagnostic(`cycle ${cycle}: ${acked.size} acknowledged, ${inFlightAtKill} in flight at the kill`);
      for (const { client } of conns) assert.deepEqual(client.problems, []);

      checkDatabaseFile(`after kill ${cycle}`);

      server = await startChildServer(dataDir);
      assert.equal(server.adminPassword, undefined, 'a restart must not create another administrator');
      const token = await loginAs(server.url, 'admin', adminPassword);
      for (const room of rooms) {
        const stored = await fullHistory(server.url, token, room);
        checkHistory(room, stored, `after restart ${cycle}`);
        const info = await http(server.url, 'GET', `/api/v1/rooms/${room}`, { token });
        assert.equal(info.body.lastSeq, stored.length, `after restart ${cycle}: lastSeq`);
      }
    }
    assert.ok(totalKilledInFlight > 0);

    // A client retrying its unacknowledged posts after the crash gets each exactly once: the
    // stored ones come back as duplicates with their seq, the lost ones are posted now.
    const srv: ChildServer = server;
    const tokens = new Map<string, string>();
    for (const username of USERS)
      tokens.set(username, await loginAs(srv.url, username, `password-${username}`));
    const unacked = [...sent].filter(([cid]) => !acked.has(cid));
    assert.ok(unacked.length > 0, 'some posts should have been in flight at the kills');
    const before = new Map<string, any[]>();
    const adminToken2 = await loginAs(srv.url, 'admin', adminPassword);
    for (const room of rooms) before.set(room, await fullHistory(srv.url, adminToken2, room));
    const storedCids = new Map<string, number>();
    for (const [, messages] of before)
      for (const m of messages) storedCids.set(m.clientMsgId as string, m.seq as number);
    let duplicates = 0;
    for (const [cid, s] of unacked) {
      const r = await http(srv.url, 'POST', `/api/v1/rooms/${s.room}/messages`, {
        token: tokens.get(s.author),
        json: { text: s.text, clientMsgId: cid },
      });
      assert.equal(r.status, 200, r.text);
      const wasStored = storedCids.get(cid);
      assert.equal(r.body.duplicate, wasStored !== undefined, `retry of ${cid}`);
      if (wasStored !== undefined) assert.equal(r.body.message.seq, wasStored, `retry of ${cid}: seq`);
      assert.equal(r.body.message.text, s.text);
      acked.set(cid, r.body.message.seq as number);
      if (wasStored !== undefined) duplicates++;
    }
    t.diagnostic(
      `retried ${unacked.length} unacknowledged posts: ${duplicates} had been stored before the kill`,
    );
    for (const room of rooms) {
      const stored = await fullHistory(srv.url, adminToken2, room);
      checkHistory(room, stored, 'after retries');
      assert.equal(
        stored.length,
        [...sent.values()].filter((s) => s.room === room).length,
        'after retries every sent post is stored exactly once',
      );
    }

    // A clean shutdown still works after all of it.
    const exit = await srv.kill('SIGTERM');
    assert.equal(exit.code, 0, srv.output());
    checkDatabaseFile('after clean shutdown');
  },
);
