import { doCreateAddin, doDeleteAddin, doUpdateAddin } from '../../actions/addins.ts';
import { int, present, str, type AdminCommand } from '../command.ts';

export const miscCommands: AdminCommand[] = [
  {
    name: 'addin list',
    summary: 'List registered add-ins',
    args: [],
    options: {},
    mutates: false,
    columns: ['name', 'url', 'rooms'],
    async run(ctx) {
      const rooms = await ctx.store.read.listRooms({ includeDisabled: true });
      return {
        rows: (await ctx.store.read.listAddins()).map((a) => ({
          ...a,
          rooms: rooms.filter((r) => r.addinId === a.id).map((r) => r.name),
        })),
      };
    },
  },
  {
    name: 'addin create',
    summary: 'Register an add-in: a web page shown beside rooms that use it',
    args: ['name'],
    options: {
      name: { type: 'string', help: 'unique name (up to 50 characters)', required: true },
      url: { type: 'string', help: 'http or https URL', required: true },
    },
    mutates: true,
    run: (ctx, actor, input) =>
      doCreateAddin(ctx, actor, { name: str(input, 'name') ?? '', url: str(input, 'url') ?? '' }),
  },
  {
    name: 'addin set',
    summary: 'Change an add-in',
    args: ['addin'],
    options: {
      addin: { type: 'string', help: 'add-in name', required: true },
      name: { type: 'string', help: 'new name' },
      url: { type: 'string', help: 'new URL' },
    },
    mutates: true,
    run: (ctx, actor, input) =>
      doUpdateAddin(
        ctx,
        actor,
        str(input, 'addin') ?? '',
        present({ name: str(input, 'name'), url: str(input, 'url') }),
      ),
  },
  {
    name: 'addin remove',
    summary: 'Remove an add-in (rooms using it are detached)',
    args: ['addin'],
    options: { addin: { type: 'string', help: 'add-in name', required: true } },
    mutates: true,
    async run(ctx, actor, input) {
      await doDeleteAddin(ctx, actor, str(input, 'addin') ?? '');
      return { removed: str(input, 'addin') };
    },
  },
  {
    name: 'audit',
    summary: 'Recent administrative changes, newest first, with their actors',
    args: [],
    options: { limit: { type: 'int', help: 'how many (default 50)' } },
    mutates: false,
    columns: ['at', 'actor', 'action', 'target'],
    async run(ctx, _actor, input) {
      const entries = await ctx.store.read.listAudit(int(input, 'limit') ?? 50);
      return {
        rows: entries.map((e) => ({
          at: new Date(e.at).toISOString(),
          actor:
            e.actor.kind === 'user'
              ? `user:${e.actor.userId}`
              : e.actor.kind === 'cli'
                ? `cli:${e.actor.osUser}`
                : `system:${e.actor.job}`,
          action: e.action,
          target: e.target,
          details: e.details,
        })),
      };
    },
  },
  {
    name: 'status',
    summary: 'What the data folder holds',
    args: [],
    options: {},
    mutates: false,
    async run(ctx) {
      const [users, categories, rooms, groups] = await Promise.all([
        ctx.store.read.countUsers(),
        ctx.store.read.listCategories(),
        ctx.store.read.listRooms({ includeDisabled: true }),
        ctx.store.read.listGroups(),
      ]);
      return {
        users,
        groups: groups.length,
        categories: categories.length,
        rooms: rooms.length,
        disabledRooms: rooms.filter((r) => r.disabled).length,
        messages: rooms.reduce((n, r) => n + r.lastSeq, 0),
      };
    },
  },
];
