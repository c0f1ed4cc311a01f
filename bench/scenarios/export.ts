/**
 * `export`: `stoa export` of a data folder holding 1,000,000 messages, then `stoa import` of the
 * archive into an empty folder — the real command line (bin/stoa.js) as a child process, timed
 * from spawn to exit, its peak resident memory (VmHWM) read from /proc while it runs.
 *
 * Seeding (once per invocation, reused by --runs): users, a category and rooms through the
 * actions, then messages straight through the store's write path in big batches (as the search
 * scenario does). Half the messages go to one room, the rest spread over the others.
 *
 * Target (issue #3 §6): the export of 1,000,000 messages in under 60 s with bounded memory.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { doCreateCategory } from '../../packages/server/src/actions/categories.ts';
import { doCreateUser } from '../../packages/server/src/actions/directory.ts';
import { doCreateRoom } from '../../packages/server/src/actions/rooms.ts';
import { buildCore } from '../../packages/server/src/compose.ts';
import { loadConfig } from '../../packages/server/src/config/config.ts';
import type { Actor } from '../../packages/server/src/domain/model.ts';
import { num, type Scenario, type Values } from '../lib/scenario.ts';

const TARGET_S = 60;
const CLI: Actor = { kind: 'cli', osUser: 'bench' };
const BIN = fileURLToPath(new URL('../../packages/server/bin/stoa.js', import.meta.url));

const WORDS = (
  'the release meeting moved to thursday please review the deployment notes before lunch the ' +
  'customer reported latency on the search page we rolled back the patch and opened a ticket ' +
  'coffee anyone budget approved for the new servers backup finished without errors'
).split(' ');

async function seed(dir: string, messages: number, rooms: number): Promise<void> {
  const core = await buildCore(loadConfig({}, { dataDir: dir, sqliteSynchronous: 'normal' }));
  try {
    const ctx = core.ctx;
    const authors: string[] = [];
    for (let i = 0; i < 20; i++)
      authors.push((await doCreateUser(ctx, CLI, { username: `author-${String(i).padStart(2, '0')}` })).id);
    await doCreateCategory(ctx, CLI, { name: 'Bench', allowed: ['domain:stoa.local'] });
    const roomIds: string[] = [];
    for (let i = 0; i < rooms; i++)
      roomIds.push(
        (await doCreateRoom(ctx, CLI, { name: `bench-${String(i).padStart(3, '0')}`, category: 'Bench' })).id,
      );
    const batch = 20_000;
    const started = performance.now();
    const from = Date.UTC(2026, 0, 1);
    for (let done = 0; done < messages; done += batch) {
      const n = Math.min(batch, messages - done);
      await ctx.store.write(async (tx) => {
        for (let i = 0; i < n; i++) {
          const k = done + i;
          const roomId = (k % 2 === 0 ? roomIds[0] : roomIds[1 + (k % (rooms - 1))]) as string;
          const seq = await tx.nextSeq(roomId);
          const words = 8 + (k % 13);
          const text = Array.from({ length: words }, (_, j) => WORDS[(k * 7 + j * 11) % WORDS.length]).join(
            ' ',
          );
          await tx.insertMessage({
            roomId,
            seq,
            authorId: authors[k % authors.length] as string,
            at: from + k * 1000,
            clientMsgId: k % 3 === 0 ? `c-${k}` : null,
            kept: true,
            text,
            alert: k % 100 === 0,
            storyTitle: null,
            rtf: null,
          });
        }
      });
      const secs = (performance.now() - started) / 1000;
      process.stderr.write(
        `\r  seeding: ${done + n}/${messages} messages, ${Math.round((done + n) / secs)}/s   `,
      );
    }
    process.stderr.write('\n');
  } finally {
    await core.close();
  }
}

interface Measured {
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly stdout: string;
}

/** Runs `stoa <args>`: wall time and the peak resident set of the process. */
function measureCli(args: readonly string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    let peakKb = 0;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(child.pid)}/status`, 'utf8'));
        if (m?.[1] !== undefined) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // gone already
      }
    }, 50);
    child.once('error', reject);
    child.once('close', (code) => {
      clearInterval(poll);
      const seconds = Math.round((performance.now() - t0) / 10) / 100;
      if (code !== 0) reject(new Error(`stoa ${args.join(' ')} exited ${String(code)}: ${stdout}`));
      else resolve({ seconds, peakRssMb: Math.round(peakKb / 1024), stdout });
    });
  });
}

let seeded: { dir: string; messages: number; rooms: number } | undefined;

export const exportScenario: Scenario = {
  name: 'export',
  summary: 'stoa export of 1,000,000 messages (time, peak memory), then stoa import of the archive',
  options: {
    messages: { type: 'string', default: '1000000', help: 'messages to seed' },
    rooms: { type: 'string', default: '100', help: 'rooms (half the messages go to the first)' },
    keep: { type: 'boolean', help: 'keep the temporary data folders' },
  },
  keys: ['export.seconds', 'export.peakRssMb', 'import.seconds', 'import.peakRssMb', 'archiveMb'],
  async run(values: Values) {
    const messages = num(values, 'messages', 1_000_000);
    const rooms = Math.max(2, num(values, 'rooms', 100));
    if (!seeded || seeded.messages !== messages || seeded.rooms !== rooms) {
      const dir = mkdtempSync(join(tmpdir(), 'stoa-bench-export-'));
      const t0 = performance.now();
      await seed(join(dir, 'source'), messages, rooms);
      console.log(`seeded ${messages} messages in ${Math.round(performance.now() - t0)} ms`);
      seeded = { dir, messages, rooms };
    }
    const { dir } = seeded;
    const archive = join(dir, 'archive.zip');
    const target = mkdtempSync(join(dir, 'target-'));
    const exported = await measureCli(['--data-dir', join(dir, 'source'), 'export', archive, '--json']);
    const count = (JSON.parse(exported.stdout) as { messages: number }).messages;
    const archiveMb = Math.round(statSync(archive).size / 1024 / 102.4) / 10;
    const imported = await measureCli(['--data-dir', target, 'import', archive, '--json']);
    const added = (JSON.parse(imported.stdout) as { messages: { added: number } }).messages.added;
    if (count !== messages || added !== messages)
      throw new Error(`exported ${count}, imported ${added}, expected ${messages}`);
    if (values.keep === true) console.log(`data kept in ${dir}`);
    else rmSync(target, { recursive: true, force: true });
    const met = exported.seconds < TARGET_S;
    return {
      title: `export: ${messages} messages in ${rooms} rooms`,
      rows: [
        ['messages', messages],
        ['archive size (MB)', archiveMb],
        ['export time (s, process start to exit)', exported.seconds],
        ['export peak RSS (MB)', exported.peakRssMb],
        ['export rate (messages/s)', Math.round(messages / exported.seconds)],
        ['import time (s, verify + one transaction)', imported.seconds],
        ['import peak RSS (MB)', imported.peakRssMb],
        [`target: export < ${TARGET_S} s`, met ? 'met' : 'MISSED'],
      ],
      json: {
        scenario: 'export',
        messages,
        rooms,
        archiveMb,
        export: { seconds: exported.seconds, peakRssMb: exported.peakRssMb },
        import: { seconds: imported.seconds, peakRssMb: imported.peakRssMb },
        met,
      },
    };
  },
};
