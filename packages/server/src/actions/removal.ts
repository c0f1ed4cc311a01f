/**
 * Content removal by administrators (spec §4.13): remove or replace selected messages of a room,
 * or clear its history up to a date. Clients in the room see the change at once; the compliance
 * records of the original messages stay, and the removal itself is recorded (CHATDELETE,
 * CHATPURGE) together with an audit entry.
 */
import { fail, notFound } from '../domain/errors.ts';
import { actorLabel as actorLabelOf, type Actor, type Message } from '../domain/model.ts';
import { DEFAULT_REPLACEMENT, matchesKeywords, type MatchClause } from '../domain/removal.ts';
import { isWellFormedText } from '../domain/text.ts';
import { requireAdmin, transact, type ActionContext } from './context.ts';
import { resolvePrincipal } from './principals.ts';

export interface RemovalFilter {
  /** Only messages by this user (username, SIP URI or id). */
  readonly user?: string;
  readonly since?: number;
  readonly until?: number;
  /** Space-separated keywords. */
  readonly keywords?: string;
  readonly match?: MatchClause;
  readonly caseSensitive?: boolean;
}

export type RemovalMode = { readonly kind: 'remove' } | { readonly kind: 'replace'; readonly text?: string };

export interface RemovalResult {
  readonly removed: number[];
  readonly replaced: number[];
}

export async function doRemoveMessages(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  filter: RemovalFilter,
  mode: RemovalMode,
): Promise<RemovalResult> {
  await requireAdmin(ctx, actor);
  const replacement = mode.kind === 'replace' ? (mode.text ?? DEFAULT_REPLACEMENT) : '';
  if (mode.kind === 'replace' && (replacement.trim() === '' || !isWellFormedText(replacement))) {
    fail('validation_failed', 'the replacement text must be non-empty Unicode text');
  }
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
    fail('validation_failed', 'the start date is after the end date');
  }
  const at = ctx.clock();
  return transact(ctx, async (tx, emit) => {
    if (!(await tx.getRoom(roomId))) notFound('room');
    const authorId =
      filter.user === undefined ? undefined : (await resolvePrincipal(tx, filter.user)).slice(2);
    if (filter.user !== undefined && !(await tx.getUser(authorId ?? '')))
      fail('validation_failed', 'user must be a user');
    const candidates = await tx.selectMessages(roomId, {
      ...(authorId !== undefined ? { authorId } : {}),
      ...(filter.since !== undefined ? { since: filter.since } : {}),
      ...(filter.until !== undefined ? { until: filter.until } : {}),
    });
    const keywords = filter.keywords ?? '';
    const selected = candidates.filter((m) =>
      matchesKeywords(`${m.storyTitle ?? ''} ${m.text}`, {
        keywords,
        match: filter.match ?? 'all',
        caseSensitive: filter.caseSensitive === true,
      }),
    );
    const seqs = selected.map((m) => m.seq);
    const replaced: Message[] = [];
    if (mode.kind === 'remove') {
      await tx.deleteMessages(roomId, seqs);
    } else {
      for (const m of selected) {
        await tx.replaceMessageText(roomId, m.seq, replacement);
        replaced.push({ ...m, text: replacement, rtf: null, storyTitle: null });
      }
    }
    for (const m of selected) {
      await tx.recordCompliance({
        kind: 'CHATDELETE',
        at,
        roomId,
        userId: m.authorId,
        messageSeq: m.seq,
        content: mode.kind === 'replace' ? replacement : '',
        details: { mode: mode.kind, originalAt: m.at, by: actorLabelOf(actor) },
      });
    }
    await tx.recordAudit({
      at,
      actor,
      action: mode.kind === 'remove' ? 'messages.remove' : 'messages.replace',
      target: `room:${roomId}`,
      details: { filter: { ...filter }, count: seqs.length, seqs },
    });
    if (seqs.length > 0)
      emit({ kind: 'messages.removed', roomId, removed: mode.kind === 'remove' ? seqs : [], replaced });
    return { removed: mode.kind === 'remove' ? seqs : [], replaced: mode.kind === 'replace' ? seqs : [] };
  });
}

/** Clear-CsPersistentChatRoom: deletes everything from the oldest message up to and including `until`. */
export async function doClearRoom(
  ctx: ActionContext,
  actor: Actor,
  roomId: string,
  until: number,
): Promise<{ removed: number }> {
  await requireAdmin(ctx, actor);
  const at = ctx.clock();
  return transact(ctx, async (tx, emit) => {
    if (!(await tx.getRoom(roomId))) notFound('room');
    const seqs = await tx.deleteMessagesUntil(roomId, until);
    await tx.recordCompliance({
      kind: 'CHATPURGE',
      at,
      roomId,
      userId: null,
      messageSeq: seqs[seqs.length - 1] ?? null,
      content: '',
      details: { until, count: seqs.length, by: actorLabelOf(actor) },
    });
    await tx.recordAudit({
      at,
      actor,
      action: 'room.clear',
      target: `room:${roomId}`,
      details: { until, count: seqs.length },
    });
    if (seqs.length > 0) emit({ kind: 'messages.removed', roomId, removed: seqs, replaced: [] });
    return { removed: seqs.length };
  });
}
