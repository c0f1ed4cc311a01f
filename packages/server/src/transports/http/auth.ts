/** Bearer authentication for HTTP and the WebSocket upgrade. */
import type { FastifyRequest } from 'fastify';
import type { UserSubject } from '../../access/access-state.ts';
import type { Actor } from '../../domain/model.ts';
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

/** The signed-in user as the actor of an action. */
export const userActor = (userId: string): Actor => ({ kind: 'user', userId });

/** Authenticates the request and returns its user as an actor (for routes that need nothing else). */
export async function actorOf(parts: ServerParts, request: FastifyRequest): Promise<Actor> {
  return userActor((await userOf(parts, request)).userId);
}
