/**
 * A database for the SQLite tools of this folder: the real schema (migrations), a user and
 * `roomCount` open rooms, made through the server's own actions; the server is closed again so
 * that the tool works on the file directly.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doCreateCategory } from '../../packages/server/src/actions/categories.ts';
import { doCreateUser } from '../../packages/server/src/actions/directory.ts';
import { doCreateRoom } from '../../packages/server/src/actions/rooms.ts';
import { buildServer } from '../../packages/server/src/compose.ts';
import { DEFAULTS } from '../../packages/server/src/config/config.ts';
import type { Actor } from '../../packages/server/src/domain/model.ts';

export async function databaseWithRooms(
  prefix: string,
  roomCount: number,
): Promise<{ dir: string; file: string; userId: string; rooms: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const cli: Actor = { kind: 'cli', osUser: 'bench' };
  const server = await buildServer({ ...DEFAULTS, logLevel: 'silent', dataDir: dir, port: 0 });
  const user = await doCreateUser(server.ctx, cli, { username: 'poster' });
  await doCreateCategory(server.ctx, cli, { name: 'Bench', allowed: ['domain:stoa.local'] });
  const rooms: string[] = [];
  for (let i = 0; i < roomCount; i++)
    rooms.push(
      (await doCreateRoom(server.ctx, cli, { name: `r${i}`, category: 'Bench', privacy: 'open' })).id,
    );
  await server.close();
  return { dir, file: join(dir, 'stoa.db'), userId: user.id, rooms };
}
