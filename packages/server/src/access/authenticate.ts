/** Resolves a bearer or session token to its user: `unauthenticated` or `token_expired` otherwise. */
import { createHash } from 'node:crypto';
import { fail } from '../domain/errors.ts';
import type { StoreReader } from '../storage/types.ts';
import type { AccessState, UserSubject } from './access-state.ts';

export async function authenticate(
  read: StoreReader,
  access: AccessState,
  token: string | undefined,
  now: number,
): Promise<UserSubject> {
  if (token === undefined || token.length === 0 || token.length > 200)
    fail('unauthenticated', 'sign in first');
  const session = await read.getSession(createHash('sha256').update(token).digest('hex'));
  if (!session) fail('unauthenticated', 'unknown or revoked token');
  if (session.expiresAt !== null && session.expiresAt <= now) fail('token_expired', 'the token has expired');
  const subject = await access.subject(session.userId);
  if (!subject) fail('unauthenticated', 'the user no longer exists or is disabled');
  return subject;
}
