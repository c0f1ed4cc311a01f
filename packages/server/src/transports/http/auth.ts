/** Bearer authentication for HTTP and the WebSocket upgrade. */
import type { FastifyRequest } from 'fastify';
import type { UserSubject } from '../../access/access-state.ts';
import { authenticate } from '../../access/authenticate.ts';
import type { ServerParts } from '../parts.ts';

export function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  // Browsers cannot set headers on a WebSocket: accept ?access_token= there.
  const query = request.query as { access_token?: unknown } | undefined;
  return typeof query?.access_token === 'string' ? query.access_token : undefined;
}

export function userOf(parts: ServerParts, request: FastifyRequest): Promise<UserSubject> {
  return authenticate(parts.ctx.store.read, parts.ctx.access, tokenOf(request), parts.clock());
}
