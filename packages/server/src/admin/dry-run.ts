/**
 * Dry runs: the command runs for real inside its transactions, which are then rolled back; the
 * audit entries it would have written are what it would change. Nothing is published.
 */
import type { ActionContext } from '../actions/context.ts';
import type { AuditEntry } from '../domain/model.ts';
import { appendPost } from '../storage/append-post.ts';
import type { NewPost, Store, StoreWriter } from '../storage/types.ts';
import { actorLabel } from '../domain/model.ts';

class Rollback extends Error {
  constructor(readonly value: unknown) {
    super('dry run');
  }
}

export interface PlannedChange {
  action: string;
  target: string;
  actor: string;
  details?: Record<string, unknown>;
}

export function dryRunContext(ctx: ActionContext): { ctx: ActionContext; planned: PlannedChange[] } {
  const planned: PlannedChange[] = [];
  const store: Store = {
    dialect: ctx.store.dialect,
    read: ctx.store.read,
    close: () => Promise.resolve(),
    appendMessage(post: NewPost) {
      return this.write((tx) => appendPost(tx, post));
    },
    async write<T>(work: (tx: StoreWriter) => Promise<T>): Promise<T> {
      try {
        await ctx.store.write(async (tx) => {
          const recording = Object.create(tx) as StoreWriter;
          recording.recordAudit = (entry: AuditEntry) => {
            planned.push({
              action: entry.action,
              target: entry.target,
              actor: actorLabel(entry.actor),
              ...(entry.details ? { details: entry.details } : {}),
            });
            return Promise.resolve();
          };
          throw new Rollback(await work(recording));
        });
      } catch (error) {
        if (error instanceof Rollback) return error.value as T;
        throw error;
      }
      throw new Error('unreachable');
    },
  };
  const bus = { publish: () => undefined, subscribe: () => () => undefined, close: () => Promise.resolve() };
  return { ctx: { ...ctx, store, bus }, planned };
}
