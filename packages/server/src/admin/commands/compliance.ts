import {
  doRunCompliance,
  doSetComplianceConfig,
  getComplianceConfig,
  getComplianceStatus,
} from '../../actions/compliance.ts';
import { complianceRuntime } from '../../compliance/runtime.ts';
import { actorLabel } from '../../domain/model.ts';
import type { AdminCommand, CommandEnv } from '../command.ts';
import type { ActionContext } from '../../actions/context.ts';

const runtime = (ctx: ActionContext, env: CommandEnv) => complianceRuntime(ctx, env.config);

/** Command-line option → spec §5.3 parameter name. */
const PARAMETERS = {
  adapterType: ['AdapterType', 'string', 'xml (default), jsonl or none'],
  adapterName: ['AdapterName', 'string', 'a name for the adapter, shown in status and output'],
  adapterOutputDirectory: [
    'AdapterOutputDirectory',
    'string',
    'output folder (empty: <data-dir>/compliance)',
  ],
  runInterval: ['RunInterval', 'string', 'time between runs, hh:mm:ss or d.hh:mm:ss (1 minute to 30 days)'],
  oneChatRoomPerOutputFile: ['OneChatRoomPerOutputFile', 'boolean', 'one output file per room per batch'],
  addChatRoomDetails: ['AddChatRoomDetails', 'boolean', 'room names and details in the output'],
  addUserDetails: ['AddUserDetails', 'boolean', 'sender names and e-mail in the output'],
  createFileAttachmentsManifest: [
    'CreateFileAttachmentsManifest',
    'boolean',
    'write .ATTACH manifests of file transfers',
  ],
  channelUriDomain: ['ChannelUriDomain', 'string', 'domain of ma-chan:// room URIs'],
} as const;

export const complianceCommands: AdminCommand[] = [
  {
    name: 'compliance status',
    summary: 'The compliance cursor, backlog, last run and lease holder',
    args: [],
    options: {},
    mutates: false,
    run: (ctx, actor, _input, env) => getComplianceStatus(ctx, actor, runtime(ctx, env)),
  },
  {
    name: 'compliance run',
    summary: 'Hand pending compliance events to the adapter now',
    args: [],
    options: {},
    mutates: true,
    run: (ctx, actor, _input, env) => doRunCompliance(ctx, actor, runtime(ctx, env)),
    async plan(ctx, actor, _input, env) {
      const status = await getComplianceStatus(ctx, actor, runtime(ctx, env));
      const details = { pending: status.backlog, outputDirectory: status.outputDirectory };
      return {
        result: status,
        planned: [{ action: 'compliance.run', target: 'compliance', actor: actorLabel(actor), details }],
      };
    },
  },
  {
    name: 'compliance config',
    summary: 'Show the compliance configuration (spec §5.3 parameters)',
    args: [],
    options: {},
    mutates: false,
    run: (ctx, actor, _input, env) => getComplianceConfig(ctx, actor, runtime(ctx, env)),
  },
  {
    name: 'compliance set',
    summary: 'Change compliance parameters (checked against their bounds)',
    args: [],
    options: Object.fromEntries(
      Object.entries(PARAMETERS).map(([key, [, type, help]]) => [key, { type, help }]),
    ),
    mutates: true,
    run(ctx, actor, input, env) {
      const changes: Record<string, unknown> = {};
      for (const [key, [parameter]] of Object.entries(PARAMETERS))
        if (input[key] !== undefined) changes[parameter] = input[key];
      return doSetComplianceConfig(ctx, actor, changes, runtime(ctx, env));
    },
  },
];
