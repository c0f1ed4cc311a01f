/** Running an administrative command, for real or as a dry run, and its input schema. */
import type { ActionContext } from '../actions/context.ts';
import type { Actor } from '../domain/model.ts';
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
  return { result, planned: dry.planned };
}
