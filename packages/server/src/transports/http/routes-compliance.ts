/** Compliance administration over HTTP (docs/compliance.md): status, configuration, run now. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import {
  doRunCompliance,
  doSetComplianceConfig,
  getComplianceConfig,
  getComplianceStatus,
} from '../../actions/compliance.ts';
import { complianceRuntime } from '../../compliance/runtime.ts';
import type { Actor } from '../../domain/model.ts';
import type { ServerParts } from '../parts.ts';
import { userOf } from './auth.ts';

const Flag = Type.Optional(Type.Boolean());

export const ComplianceChanges = Type.Object(
  {
    AdapterType: Type.Optional(
      Type.Union([Type.Literal('xml'), Type.Literal('jsonl'), Type.Literal('none')]),
    ),
    AdapterName: Type.Optional(Type.String({ maxLength: 256 })),
    AdapterOutputDirectory: Type.Optional(Type.String({ maxLength: 4096 })),
    RunInterval: Type.Optional(
      Type.String({ maxLength: 32, description: 'TimeSpan [d.]hh:mm:ss[.fffffff], 00:01:00 to 30.00:00:00' }),
    ),
    OneChatRoomPerOutputFile: Flag,
    AddChatRoomDetails: Flag,
    AddUserDetails: Flag,
    CreateFileAttachmentsManifest: Flag,
    ChannelUriDomain: Type.Optional(Type.String({ maxLength: 253 })),
  },
  { additionalProperties: false },
);

export function complianceRoutes(app: FastifyInstance, parts: ServerParts): void {
  const { ctx } = parts;
  const rt = complianceRuntime(ctx, parts.config);
  const actor = async (req: FastifyRequest): Promise<Actor> => ({
    kind: 'user',
    userId: (await userOf(parts, req)).userId,
  });
  const tags = ['compliance'];

  app.get(
    '/api/v1/compliance/status',
    { schema: { summary: 'Compliance processing: cursor, backlog, last run, lease', tags } },
    async (req) => getComplianceStatus(ctx, await actor(req), rt),
  );
  app.get(
    '/api/v1/compliance/config',
    { schema: { summary: 'The compliance configuration (spec §5.3)', tags } },
    async (req) => getComplianceConfig(ctx, await actor(req), rt),
  );
  app.patch(
    '/api/v1/compliance/config',
    {
      schema: {
        summary: 'Change compliance parameters (bounds checked, audited)',
        tags,
        body: ComplianceChanges,
      },
    },
    async (req) => doSetComplianceConfig(ctx, await actor(req), req.body as Record<string, unknown>, rt),
  );
  app.post(
    '/api/v1/compliance/run',
    { schema: { summary: 'Run the compliance adapter now (unless another node holds the lease)', tags } },
    async (req) => doRunCompliance(ctx, await actor(req), rt),
  );
}
