/**
 * Archives over HTTP for `stoa export` / `stoa import` with --url. The commands themselves run
 * through POST /api/v1/admin/commands/{export,import} like every other command; this file adds
 * the two transfers around them and the server-side files they use:
 *
 * - export: the command writes the archive to `<data-dir>/archives/<name>.zip` and its result
 *   carries `download`; `GET /api/v1/admin/archives/:name` streams it once, then deletes it.
 * - import: `POST /api/v1/admin/archives` streams the body (at most `maxArchiveBytes`) into such a
 *   file and answers its name; the import command then reads it (`input.file`) and deletes it.
 *
 * Administrators only. Files left behind (a download never fetched) are removed by the next export
 * or upload an hour or more later.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AdminCommand, CommandEnv } from '../../admin/command.ts';
import { nullSink } from '../../archive/zip.ts';
import { fail } from '../../domain/errors.ts';
import type { ServerParts } from '../parts.ts';
import { userOf } from './auth.ts';

const NAME = /^[0-9a-f]{32}\.zip$/;
const STALE_MS = 3600_000;
const ArchiveParams = Type.Object({ name: Type.String({ pattern: NAME.source }) });

const folderOf = (parts: ServerParts) => join(parts.config.dataDir, 'archives');

async function sweep(folder: string, now: number): Promise<void> {
  for (const f of await readdir(folder).catch(() => [] as string[])) {
    const path = join(folder, f);
    const s = await stat(path).catch(() => undefined);
    if (s && now - s.mtimeMs > STALE_MS) await rm(path, { force: true });
  }
}

/**
 * The environment of an archive command run over HTTP: where an export writes, which uploaded
 * file an import reads; `settle` finishes (result with `download`) or cleans up.
 */
export async function archiveEnv(
  parts: ServerParts,
  command: AdminCommand,
  input: Record<string, unknown>,
  dryRun: boolean,
): Promise<{ env: Partial<CommandEnv>; settle: (result: unknown, ok: boolean) => Promise<unknown> }> {
  const folder = folderOf(parts);
  if (command.archive === 'in') {
    const name = typeof input.file === 'string' ? input.file : '';
    if (!NAME.test(name))
      fail('validation_failed', 'file: the name of an archive uploaded to POST /api/v1/admin/archives');
    const path = join(folder, name);
    if (!(await stat(path).catch(() => undefined))) fail('not_found', `no uploaded archive ${name}`);
    return {
      env: { archiveIn: path },
      settle: async (result) => {
        await rm(path, { force: true });
        return result;
      },
    };
  }
  if (command.archive !== 'out') return { env: {}, settle: (result) => Promise.resolve(result) };
  if (dryRun) return { env: { archiveOut: nullSink() }, settle: (result) => Promise.resolve(result) };
  await mkdir(folder, { recursive: true });
  await sweep(folder, Date.now());
  const name = `${randomBytes(16).toString('hex')}.zip`;
  const partial = join(folder, `${name}.partial`);
  const out = createWriteStream(partial);
  return {
    env: { archiveOut: out },
    settle: async (result, ok) => {
      if (!ok) {
        out.destroy();
        await rm(partial, { force: true });
        return result;
      }
      await rename(partial, join(folder, name));
      return { ...(result as Record<string, unknown>), download: `/api/v1/admin/archives/${name}` };
    },
  };
}

export function archiveRoutes(app: FastifyInstance, parts: ServerParts): void {
  const admin = async (req: Parameters<typeof userOf>[1]) => {
    const s = await userOf(parts, req);
    if (!s.isAdmin) fail('forbidden', 'administrators only');
  };

  app.get(
    '/api/v1/admin/archives/:name',
    {
      schema: {
        summary: 'Download an archive written by the export command (once: it is deleted afterwards)',
        tags: ['admin'],
        params: ArchiveParams,
      },
    },
    async (req, reply) => {
      await admin(req);
      const { name } = req.params as Static<typeof ArchiveParams>;
      const path = join(folderOf(parts), name);
      const s = await stat(path).catch(() => undefined);
      if (!s) fail('not_found', `no archive ${name}`);
      const body = createReadStream(path);
      body.once('close', () => void rm(path, { force: true }));
      return reply
        .header('content-type', 'application/zip')
        .header('content-length', String(s.size))
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(body);
    },
  );

  // The upload body is a raw stream: no parser may buffer it.
  void app.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, next) => {
      next(null);
    });
    scope.post(
      '/api/v1/admin/archives',
      {
        schema: {
          summary: `Upload an archive for the import command (streamed, at most maxArchiveBytes); answers its name`,
          tags: ['admin'],
        },
      },
      async (req, reply) => {
        // Refused before the body was read: answer and close the connection.
        await admin(req).catch((error: unknown) => {
          void reply.header('connection', 'close');
          throw error;
        });
        const limit = parts.config.maxArchiveBytes;
        const length = Number(req.headers['content-length'] ?? NaN);
        if (Number.isFinite(length) && length > limit) {
          void reply.header('connection', 'close');
          fail('payload_too_large', `archives are limited to ${limit} bytes (maxArchiveBytes)`);
        }
        const folder = folderOf(parts);
        await mkdir(folder, { recursive: true });
        await sweep(folder, Date.now());
        const name = `${randomBytes(16).toString('hex')}.zip`;
        const path = join(folder, name);
        let bytes = 0;
        const bound = new Transform({
          transform(chunk: Buffer, _enc, next) {
            bytes += chunk.length;
            if (bytes > limit) next(new Error('too large'));
            else next(null, chunk);
          },
        });
        try {
          await pipeline(req.raw as Readable, bound, createWriteStream(path));
        } catch (error) {
          await rm(path, { force: true });
          void reply.header('connection', 'close');
          if (bytes > limit)
            fail('payload_too_large', `archives are limited to ${limit} bytes (maxArchiveBytes)`);
          throw error;
        }
        return { file: name, bytes };
      },
    );
    done();
  });
}
