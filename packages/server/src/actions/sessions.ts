/**
 * Sign-in: password login gives a session token; bearer tokens serve bots and scripts. Tokens are
 * random, shown once, and stored only as SHA-256 hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fail } from '../domain/errors.ts';
import type { Actor, User } from '../domain/model.ts';
import { subjectOf, transact, type ActionContext } from './context.ts';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function newToken(): string {
  return `stoa_${randomBytes(32).toString('base64url')}`;
}

/** A hash that never matches, verified when the user is unknown so timing does not reveal it. */
let decoyHash: Promise<string> | undefined;

export async function doLogin(
  ctx: ActionContext,
  input: { username: string; password: string },
): Promise<{ token: string; expiresAt: number; user: User }> {
  const user = await ctx.store.read.findUser(input.username);
  const hash = user && !user.disabled ? await ctx.store.read.getPasswordHash(user.id) : null;
  if (!user || hash === null) {
    decoyHash ??= ctx.hasher.hash(randomBytes(16).toString('hex'));
    await ctx.hasher.verify(await decoyHash, input.password);
    fail('invalid_credentials', 'wrong username or password');
  }
  if (!(await ctx.hasher.verify(hash, input.password)))
    fail('invalid_credentials', 'wrong username or password');
  const token = newToken();
  const now = ctx.clock();
  const expiresAt = now + ctx.limits.sessionTtlMs;
  await transact(ctx, async (tx) => {
    await tx.insertSession({
      tokenHash: hashToken(token),
      userId: user.id,
      kind: 'session',
      name: 'login',
      createdAt: now,
      expiresAt,
    });
  });
  return { token, expiresAt, user };
}

export async function doLogout(ctx: ActionContext, token: string): Promise<void> {
  await transact(ctx, (tx) => tx.deleteSession(hashToken(token)));
}

/**
 * A bearer token for a bot or script, acting as `userId` (default: the actor itself). Creating one
 * for someone else is for administrators (and the command line).
 */
export async function doCreateToken(
  ctx: ActionContext,
  actor: Actor,
  input: { userId?: string; name: string; ttlMs?: number },
): Promise<{ token: string; expiresAt: number | null }> {
  const subject = await subjectOf(ctx, actor);
  const userId = input.userId ?? subject?.userId;
  if (userId === undefined) fail('validation_failed', 'which user is the token for?');
  if (subject && userId !== subject.userId && !subject.isAdmin) fail('forbidden', 'administrators only');
  if (!(await ctx.store.read.getUser(userId))) fail('not_found', 'user not found');
  const token = newToken();
  const now = ctx.clock();
  const expiresAt = input.ttlMs === undefined ? null : now + input.ttlMs;
  await transact(ctx, async (tx) => {
    await tx.insertSession({
      tokenHash: hashToken(token),
      userId,
      kind: 'bot',
      name: input.name,
      createdAt: now,
      expiresAt,
    });
    await tx.recordAudit({
      at: now,
      actor,
      action: 'token.create',
      target: `u:${userId}`,
      details: { name: input.name, expiresAt },
    });
  });
  return { token, expiresAt };
}
