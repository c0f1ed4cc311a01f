/** Running an administrative command, for real or as a dry run, and its input schema. */
import type { TSchema } from 'typebox';
import Type from 'typebox';
import type { ActionContext } from '../actions/context.ts';
import type { Actor } from '../domain/model.ts';
import type { AdminCommand, CommandEnv, OptionSpec } from './command.ts';
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
  const dry = dryRunContext(ctx);
  const result = await command.run(dry.ctx, actor, input, env);
  return { result, planned: dry.planned };
}

function optionSchema(spec: OptionSpec): TSchema {
  const text = Type.String({ maxLength: 4096 });
  switch (spec.type) {
    case 'string':
      return text;
    case 'boolean':
      return Type.Boolean();
    case 'int':
      return Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
    case 'list':
      return Type.Array(text, { maxItems: 10_000 });
    case 'listChange':
      return Type.Object(
        {
          set: Type.Optional(Type.Array(text, { maxItems: 10_000 })),
          add: Type.Optional(Type.Array(text, { maxItems: 10_000 })),
          remove: Type.Optional(Type.Array(text, { maxItems: 10_000 })),
        },
        { additionalProperties: false },
      );
  }
}

/** The JSON Schema of a command's input, used by the admin HTTP API. */
export function inputSchema(command: AdminCommand): TSchema {
  const properties: Record<string, TSchema> = {};
  for (const [key, spec] of Object.entries(command.options)) {
    properties[key] = spec.required === true ? optionSchema(spec) : Type.Optional(optionSchema(spec));
  }
  return Type.Object(properties, { additionalProperties: false });
}
