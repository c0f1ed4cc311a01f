/**
 * What every action needs, passed in by the composition root. Actions are the only writers: they
 * check access, write in one transaction together with the compliance or audit record, and
 * publish bus events only after the transaction committed.
 */
import type { AccessState, UserSubject } from '../access/access-state.ts';
import type { Bus, BusEvent } from '../bus/types.ts';
import { fail } from '../domain/errors.ts';
import type { Actor, Message, Writable } from '../domain/model.ts';
import type { BlobStore } from '../blobs/types.ts';
import type { NewPost, Store, StoreWriter, WriteOptions } from '../storage/types.ts';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

export interface ActionLimits {
  /** Largest message text in bytes. */
  readonly maxMessageBytes: number;
  /** Lifetime of a password-login session, ms. */
  readonly sessionTtlMs: number;
}

export interface ActionContext {
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly bus: Bus;
  readonly access: AccessState;
  readonly clock: () => number;
  readonly newId: () => string;
  readonly hasher: PasswordHasher;
  readonly limits: ActionLimits;
}

/**
 * Runs `work` in one transaction and publishes the events it queued after the commit. Events of a
 * failed transaction are dropped.
 */
export async function transact<T>(
  ctx: ActionContext,
  work: (tx: StoreWriter, emit: (event: BusEvent) => void) => Promise<T>,
  options?: WriteOptions,
): Promise<T> {
  const events: BusEvent[] = [];
  const result = await ctx.store.write((tx) => {
    events.length = 0;
    return work(tx, (e) => events.push(e));
  }, options);
  for (const event of events) ctx.bus.publish(event);
  return result;
}

/**
 * Appends a post (`store.appendMessage`: one durable transaction with its compliance record) and
 * publishes it once durable, as `transact` would: the message as stored, or the one a repeated
 * client message id names.
 */
export async function appendAndPublish(
  ctx: ActionContext,
  post: NewPost,
): Promise<{ message: Message; duplicate: boolean }> {
  const outcome = await ctx.store.appendMessage(post);
  if (outcome.duplicate) return { message: outcome.message, duplicate: true };
  // Field by field, not `{ ...rest }`: an object rest with exclusions runs through V8's slow path
  // (about 4 µs a post on the development machine).
  const m = post.message;
  const message: Writable<Message> = {
    id: outcome.id,
    roomId: m.roomId,
    seq: outcome.seq,
    authorId: m.authorId,
    at: m.at,
    clientMsgId: m.clientMsgId,
    text: m.text,
    alert: m.alert,
    storyTitle: m.storyTitle,
    rtf: m.rtf,
  };
  if (m.file) message.file = m.file;
  ctx.bus.publish({ kind: 'message', roomId: message.roomId, message });
  return { message, duplicate: false };
}

/** The subject behind a user actor; fails `unauthenticated` when the user is gone or disabled. */
export async function subjectOf(ctx: ActionContext, actor: Actor): Promise<UserSubject | undefined> {
  if (actor.kind !== 'user') return undefined;
  const subject = await ctx.access.subject(actor.userId);
  if (!subject) fail('unauthenticated', 'the user no longer exists or is disabled');
  return subject;
}

/** Administrative actions: the command line and system jobs, or a signed-in administrator. */
export async function requireAdmin(ctx: ActionContext, actor: Actor): Promise<UserSubject | undefined> {
  const subject = await subjectOf(ctx, actor);
  if (subject && !subject.isAdmin) fail('forbidden', 'administrators only');
  return subject;
}
