/**
 * Two real server processes on one SQLite data folder, each with its own compliance scheduler
 * and a RunInterval of 200 ms (the hidden test minimum, STOA_COMPLIANCE_MIN_INTERVAL_MS, lets it
 * go below a minute). Posts go to both while both schedulers race for the lease; in the end every
 * event is in the archive exactly once, and both processes have run batches.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { http, loginAs, startChildServer, type ChildServer } from '../robustness/helpers.ts';
import { outputFiles, readOutput } from './support/harness.ts';
import { attr, parseXml } from './support/xml.ts';

/** At least this many waves of posts; more (up to MAX_WAVES) until both processes have run. */
const MIN_WAVES = 8;
const MAX_WAVES = 60;
const POSTS_PER_WAVE = 40;

test(
  'two server processes sharing one store never emit the same event twice',
  { timeout: 90_000 },
  async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stoa-two-'));
    const outDir = join(dataDir, 'archive');
    const servers: ChildServer[] = [];
    t.after(async () => {
      await Promise.all(servers.map((s) => s.kill('SIGTERM')));
      rmSync(dataDir, { recursive: true, force: true });
    });
    // Errors are logged, so that a failure below can show what each process said.
    const env = {
      STOA_COMPLIANCE_MIN_INTERVAL_MS: '50',
      STOA_SQLITE_SYNCHRONOUS: 'normal',
      STOA_LOG_LEVEL: 'error',
    };

    const a = await startChildServer(dataDir, env);
    servers.push(a);
    assert.ok(a.adminPassword, a.output());
    // The second process starts while the first is being set up (the admin exists by now).
    const bStarted = startChildServer(dataDir, env).then((started) => (servers.push(started), started));
    const admin = await loginAs(a.url, 'admin', a.adminPassword);
    const ok = async (p: Promise<{ status: number; text: string; body: any }>) => {
      const r = await p;
      assert.equal(r.status, 200, r.text);
      return r.body;
    };
    await ok(
      http(a.url, 'PATCH', '/api/v1/compliance/config', {
        token: admin,
        json: { RunInterval: '00:00:00.2', AdapterOutputDirectory: outDir },
      }),
    );
    await ok(
      http(a.url, 'POST', '/api/v1/categories', {
        token: admin,
        json: { name: 'Two', allowed: ['domain:stoa.local'] },
      }),
    );
    const rooms: string[] = [];
    for (const name of ['two-a', 'two-b']) {
      rooms.push(
        (
          await ok(
            http(a.url, 'POST', '/api/v1/rooms', {
              token: admin,
              json: { name, category: 'Two', privacy: 'open' },
            }),
          )
        ).id,
      );
    }
    await ok(
      http(a.url, 'POST', '/api/v1/users', {
        token: admin,
        json: { username: 'poster', password: 'password-poster' },
      }),
    );
    const token = await loginAs(a.url, 'poster', 'password-poster');

    const b = await bStarted;

    // Watch which process runs: the state row names the last runner (host:pid:suffix).
    const runners = new Set<string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        for (const s of servers) {
          const r = await http(s.url, 'GET', '/api/v1/compliance/status', { token: admin });
          if (typeof r.body?.lastRun?.by === 'string') runners.add(r.body.lastRun.by);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const runnerPids = () => new Set([...runners].map((owner) => owner.split(':')[1]));
    const texts: string[] = [];
    for (let wave = 0; wave < MIN_WAVES || (wave < MAX_WAVES && runnerPids().size < 2); wave++) {
      await Promise.all(
        Array.from({ length: POSTS_PER_WAVE }, (_, i) => {
          const text = `w${wave}-p${i}`;
          texts.push(text);
          const server = servers[i % 2] ?? a;
          return ok(
            http(server.url, 'POST', `/api/v1/rooms/${rooms[i % rooms.length]}/messages`, {
              token,
              json: { text },
            }),
          );
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 40));
    }

    // Wait for the schedulers to drain the backlog.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const status = await ok(http(b.url, 'GET', '/api/v1/compliance/status', { token: admin }));
      if (status.backlog.count === 0 && status.inFlight === null) break;
      assert.ok(Date.now() < deadline, `backlog not drained: ${JSON.stringify(status)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    watching = false;
    await watch;

    const seen = new Map<string, number>();
    let messages = 0;
    const files = outputFiles(outDir).filter((f) => f.endsWith('.xml'));
    for (const file of files) {
      for (const conversation of parseXml(readOutput(outDir, file)).children) {
        for (const m of conversation.children.find((c) => c.name === 'Messages')?.children ?? []) {
          messages++;
          assert.equal(attr(m, 'type'), 'CHAT');
          const text = attr(m, 'content') ?? '';
          seen.set(text, (seen.get(text) ?? 0) + 1);
        }
      }
    }
    assert.deepEqual(
      [...seen].filter(([, n]) => n > 1),
      [],
      'events archived twice',
    );
    assert.deepEqual(
      texts.filter((x) => !seen.has(x)),
      [],
      'events never archived',
    );
    assert.equal(messages, texts.length);
    assert.ok(files.length > 1, `expected several batches, got ${files.length}`);

    const pids = runnerPids();
    assert.ok(
      pids.has(String(a.child.pid)) && pids.has(String(b.child.pid)),
      `both processes should have run batches; runners seen: ${[...runners].join(', ')}; ` +
        servers.map((s) => `output of ${s.child.pid}:\n${s.output()}`).join('\n'),
    );
    t.diagnostic(`${files.length} files from ${runners.size} runners`);
  },
);
