/**
 * The admin command API used by `stoa --url … --token …`: the same commands as on a data folder,
 * run as the signed-in administrator, so every change is audited with that user as the actor.
 */
import type { FastifyInstance } from 'fastify';
import type { TSchema } from 'typebox';
import Type from 'typebox';
import Compile from 'typebox/compile';
import { commandByName, ADMIN_COMMANDS } from '../../admin/registry.ts';
import { inputSchema } from '../../admin/input-schema.ts';
import { runAdminCommand } from '../../admin/run.ts';
import { fail } from '../../domain/errors.ts';
import type { ServerParts } from '../parts.ts';
import { userOf } from './auth.ts';
import { archiveEnv } from './routes-archive.ts';

const checkers = new Map(
  ADMIN_COMMANDS.map((c) => {
    const schema: TSchema = inputSchema(c);
    return [c.name, Compile(schema)] as const;
  }),
);

const Body = Type.Object(
  { input: Type.Optional(Type.Record(Type.String(), Type.Unknown())), dryRun: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const Params = Type.Object({ name: Type.String({ maxLength: 64 }) });

export function commandRoutes(app: FastifyInstance, parts: ServerParts): void {
  app.get(
    '/api/v1/admin/commands',
    { schema: { summary: 'The administrative commands and their options', tags: ['admin'] } },
    async (req) => {
      const s = await userOf(parts, req);
      if (!s.isAdmin) fail('forbidden', 'administrators only');
      return {
        commands: ADMIN_COMMANDS.map((c) => ({
          name: c.name,
          summary: c.summary,
          mutates: c.mutates,
          options: c.options,
          input: inputSchema(c),
        })),
      };
    },
  );

  app.post(
    '/api/v1/admin/commands/:name',
    {
      schema: {
        summary: 'Run an administrative command (name with dots: room.create); dryRun previews the changes',
        tags: ['admin'],
        params: Params,
        body: Body,
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      if (!s.isAdmin) fail('forbidden', 'administrators only');
      const name = (req.params as { name: string }).name.replace(/\./g, ' ');
      const command = commandByName.get(name);
      const checker = checkers.get(name);
      if (!command || !checker) fail('not_found', `no such command: ${name}`);
      const body = req.body as { input?: Record<string, unknown>; dryRun?: boolean };
      const input = body.input ?? {};
      if (!checker.Check(input)) {
        const first = [...checker.Errors(input)][0];
        fail(
          'validation_failed',
          `${name}: ${first ? `${first.instancePath || '/'} ${first.message}` : 'invalid input'}`,
        );
      }
      const dryRun = body.dryRun === true;
      // Archive commands (export, import) read or write a file of the server's (routes-archive.ts).
      const archive = await archiveEnv(parts, command, input, dryRun);
      let outcome;
      try {
        outcome = await runAdminCommand(
          parts.ctx,
          { kind: 'user', userId: s.userId },
          command,
          input,
          { config: parts.config, ...archive.env },
          dryRun,
        );
      } catch (error) {
        await archive.settle(undefined, false);
        throw error;
      }
      return { ...outcome, result: await archive.settle(outcome.result, true) };
    },
  );
}
