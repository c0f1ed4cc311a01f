/** Running an administrative command, for real or as a dry run, and its input schema. */
import type { ActionContext } from '../actions/context.ts';
import type { Actor } from '../domain/model.ts';
import { isPrincipalRef } from '../domain/principals.ts';
import { principalNamer } from './commands/lookup.ts';
import type { AdminCommand, CommandEnv } from './command.ts';
import { dryRunContext, type PlannedChange } from './dry-run.ts';

export interface CommandOutcome {
  readonly result: unknown;
  /** Present for dry runs: the changes the command would make. */
  readonly planned?: PlannedChange[];
}

export async function runAdminCommand(
  ctx: ActionContext,
  actor: Actor,
  command: AdminCommand,
  input: Record<string, unknown>,
  env: CommandEnv,
  dryRun = false,
): Promise<CommandOutcome> {
  if (!dryRun || !command.mutates) return { result: await command.run(ctx, actor, input, env) };
  if (command.plan) return command.plan(ctx, actor, input, env);
  const dry = dryRunContext(ctx);
  const result = await command.run(dry.ctx, actor, input, env);
  // The audit keeps ids (names change); people reading a plan want names.
  const name = await principalNamer(ctx);
  const planned = dry.planned.map((p) =>
    p.details ? { ...p, details: namePrincipals(p.details, name) } : p,
  );
  return { result, planned };
}

/** Every principal reference (`u:…`, `g:…`, `d:…`) inside `value`, named. */
function namePrincipals<T>(value: T, name: (ref: string) => string): T {
  const walk = (v: unknown): unknown =>
    typeof v === 'string'
      ? isPrincipalRef(v)
        ? name(v)
        : v
      : Array.isArray(v)
        ? v.map(walk)
        : typeof v === 'object' && v !== null
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
          : v;
  return walk(value) as T;
}
