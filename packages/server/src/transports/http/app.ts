/** The HTTP + WebSocket application: Fastify with our routes, errors and OpenAPI document. */
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ServerParts } from '../parts.ts';
import type { RawData } from 'ws';
import { WsSession, type ReceivedFrame } from '../ws/session.ts';
import { errorOf } from '../ws/errors.ts';
import { userOf } from './auth.ts';
import { installErrorHandling } from './errors.ts';
import { installValidation } from './validation.ts';
import { collectOpenApi } from './openapi.ts';
import { adminRoutes } from './routes-admin.ts';
import { alertRoutes } from './routes-alerts.ts';
import { archiveRoutes } from './routes-archive.ts';
import { commandRoutes } from './routes-commands.ts';
import { fileRoutes } from './routes-files.ts';
import { userRoutes } from './routes-user.ts';

/** Frames a WebSocket client may send before its token is checked (they wait for it). */
const MAX_FRAMES_BEFORE_AUTH = 1000;

export async function buildHttpApp(
  parts: ServerParts,
  logger: boolean | object = false,
): Promise<FastifyInstance> {
  const app = Fastify({ logger, bodyLimit: parts.config.maxBodyBytes });
  installValidation(app);
  installErrorHandling(app, parts.onError);
  const openapi = collectOpenApi(app, parts.version);
  await app.register(websocket, {
    options: { maxPayload: parts.config.maxFrameBytes, perMessageDeflate: false },
    // A client's protocol error (oversized frame, bad UTF-8) is the client's problem: log it quietly.
    errorHandler: (error, socket, request) => {
      request.log.debug({ err: error }, 'websocket error');
      socket.terminate();
    },
  });

  app.get('/healthz', () => ({ ok: true }));
  app.get('/api/v1/openapi.json', () => openapi());

  await app.register((scope, _opts, done) => {
    userRoutes(scope, parts);
    adminRoutes(scope, parts);
    commandRoutes(scope, parts);
    archiveRoutes(scope, parts);
    fileRoutes(scope, parts);
    alertRoutes(scope, parts);
    scope.get('/api/v1/ws', { websocket: true }, (socket, req) => {
      // Frames can arrive while the token is checked (a client may send at once, or with the
      // upgrade request itself): held here, in order, and handed to the session. Without a
      // listener `ws` would drop them. A client that sends too many before it is known is closed.
      const received: ReceivedFrame[] = [];
      const hold = (data: RawData, isBinary: boolean) => {
        if (received.push([data, isBinary]) > MAX_FRAMES_BEFORE_AUTH) socket.close(1008, 'too many frames');
      };
      socket.on('message', hold);
      // Authenticate before anything else; a bad token gets one error and close code 4401.
      userOf(parts, req).then(
        (subject) => {
          socket.off('message', hold);
          // Gone meanwhile (closed by the client, or above for too many frames): no session, which
          // would never hear the close it missed.
          if (socket.readyState !== socket.OPEN) return undefined;
          // @fastify/websocket hands over the `ws` socket it created; the rule cannot see that.
          // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
          return new WsSession(parts, socket, subject, received);
        },
        (error: unknown) => {
          socket.off('message', hold);
          const e = errorOf(error, parts.onError);
          socket.send(JSON.stringify([{ type: 'result', id: null, ok: false, error: e }]));
          socket.close(4401, e.code);
        },
      );
    });
    done();
  });
  return app;
}
