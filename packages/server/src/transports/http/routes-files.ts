/**
 * File transfer over HTTP (spec §4.10): ask for a one-time token, then PUT the body (streamed,
 * never buffered whole) or GET the file (attachment, no sniffing).
 */
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import Type from 'typebox';
import {
  doCreateDownloadToken,
  doCreateUploadToken,
  doDownloadFile,
  doUploadFile,
} from '../../actions/files.ts';
import { contentDisposition } from '../../domain/files.ts';
import { messageToWire } from '../../live/wire.ts';
import type { ServerParts } from '../parts.ts';
import { userOf } from './auth.ts';
import { RoomParams } from './schemas.ts';

const UploadRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    contentType: Type.Optional(Type.String({ maxLength: 255 })),
    size: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
const TokenParams = Type.Object({
  room: Type.String({ maxLength: 64 }),
  token: Type.String({ maxLength: 100 }),
});
const FileParams = Type.Object({
  room: Type.String({ maxLength: 64 }),
  file: Type.String({ maxLength: 64 }),
});

export function fileRoutes(app: FastifyInstance, parts: ServerParts): void {
  const { ctx } = parts;
  const actor = (userId: string) => ({ kind: 'user' as const, userId });

  app.post(
    '/api/v1/rooms/:room/files',
    {
      schema: {
        summary: 'Ask to upload a file: a one-time token, valid 30 minutes',
        tags: ['files'],
        params: RoomParams,
        body: UploadRequest,
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      const { room } = req.params as Static<typeof RoomParams>;
      const r = await doCreateUploadToken(
        ctx,
        actor(s.userId),
        room,
        req.body as Static<typeof UploadRequest>,
      );
      return { ...r, uploadUrl: `/api/v1/rooms/${room}/files/upload/${r.token}` };
    },
  );

  app.post(
    '/api/v1/rooms/:room/files/:file/download',
    {
      schema: {
        summary: 'Ask to download a file: a one-time token, valid 30 minutes',
        tags: ['files'],
        params: FileParams,
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      const { room, file } = req.params as Static<typeof FileParams>;
      const r = await doCreateDownloadToken(ctx, actor(s.userId), room, file);
      return { ...r, downloadUrl: `/api/v1/rooms/${room}/files/download/${r.token}` };
    },
  );

  app.get(
    '/api/v1/rooms/:room/files/download/:token',
    {
      schema: {
        summary: 'Download with a one-time token (an attachment; never rendered)',
        tags: ['files'],
        params: TokenParams,
      },
    },
    async (req, reply) => {
      const s = await userOf(parts, req);
      const { room, token } = req.params as Static<typeof TokenParams>;
      const { file, body } = await doDownloadFile(ctx, actor(s.userId), room, token);
      void reply
        .header('content-type', file.contentType)
        .header('content-length', String(file.size))
        .header('content-disposition', contentDisposition(file.name))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, no-store');
      return reply.send(body);
    },
  );

  // The upload body is a raw stream: no parser may buffer it.
  void app.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, next) => {
      next(null);
    });
    scope.put(
      '/api/v1/rooms/:room/files/upload/:token',
      {
        schema: {
          summary: 'Upload the file body (any content type), streamed; refused past MaxFileSizeKB',
          tags: ['files'],
          params: TokenParams,
        },
      },
      async (req, reply) => {
        const s = await userOf(parts, req);
        const { room, token } = req.params as Static<typeof TokenParams>;
        const length =
          req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
        try {
          const r = await doUploadFile(
            ctx,
            actor(s.userId),
            room,
            token,
            req.raw,
            Number.isFinite(length) ? length : undefined,
          );
          return { file: r.file, message: messageToWire(r.message) };
        } catch (error) {
          // Do not read the rest of a refused body: answer and close the connection.
          void reply.header('connection', 'close');
          throw error;
        }
      },
    );
    done();
  });
}
