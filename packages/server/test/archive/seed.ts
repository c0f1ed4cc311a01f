/**
 * Seeding history quickly but through the real write path: `doPostMessage` (access check,
 * validation, sequence numbers, compliance record) as each user, many posts in flight at once so
 * the store's group commit batches them. Run on a data folder no server is using.
 */
import { buildCore } from '../../src/compose.ts';
import { loadConfig } from '../../src/config/config.ts';
import { doPostMessage } from '../../src/actions/chat.ts';

export interface SeedOptions {
  readonly dataDir: string;
  /** Room name. */
  readonly room: string;
  /** Authors (user names), in turn. */
  readonly authors: readonly string[];
  readonly count: number;
  /** Time of the first message (epoch ms); each next one `stepMs` later. */
  readonly from: number;
  readonly stepMs: number;
  /** Posts in flight at once (default 1000). */
  readonly inFlight?: number;
  readonly onProgress?: (done: number) => void;
}

export async function seedMessages(o: SeedOptions): Promise<void> {
  let now = o.from;
  const config = loadConfig({}, { dataDir: o.dataDir, sqliteSynchronous: 'normal' });
  const core = await buildCore(config, { clock: () => now });
  try {
    const room = await core.store.read.findRoom(o.room);
    if (!room) throw new Error(`no room ${o.room}`);
    const authors = [];
    for (const name of o.authors) {
      const u = await core.store.read.findUser(name);
      if (!u) throw new Error(`no user ${name}`);
      authors.push(u.id);
    }
    const inFlight = o.inFlight ?? 1000;
    for (let done = 0; done < o.count;) {
      const batch: Promise<unknown>[] = [];
      for (let i = 0; i < inFlight && done < o.count; i++, done++) {
        const userId = authors[done % authors.length] ?? '';
        batch.push(
          doPostMessage(core.ctx, { kind: 'user', userId }, room.id, {
            text: `message ${done + 1} about topic ${done % 97} from the seed`,
            ...(done % 10 === 0 ? { clientMsgId: `seed-${done}` } : {}),
            ...(done % 50 === 0 ? { alert: true, storyTitle: `story ${done}` } : {}),
          }),
        );
        now += o.stepMs;
      }
      await Promise.all(batch);
      o.onProgress?.(done);
    }
  } finally {
    await core.close();
  }
}
