import { doCreateCategory, doDeleteCategory, doUpdateCategory } from '../../actions/categories.ts';
import type { Category } from '../../domain/model.ts';
import { bool, change, list, present, str, type AdminCommand } from '../command.ts';
import { categoryNamed, principalNamer } from './lookup.ts';

async function shown(ctx: Parameters<AdminCommand['run']>[0], c: Category) {
  const name = await principalNamer(ctx);
  return { ...c, allowed: c.allowed.map(name), denied: c.denied.map(name), creators: c.creators.map(name) };
}

const switches = {
  description: { type: 'string', help: 'description (up to 256 characters)' },
  invitations: { type: 'boolean', help: 'rooms may send invitations' },
  fileUpload: { type: 'boolean', help: 'rooms allow file posting' },
  chatHistory: { type: 'boolean', help: 'keep history (off: delivered live only; compliance still records)' },
} as const;

export const categoryCommands: AdminCommand[] = [
  {
    name: 'category list',
    summary: 'List categories',
    args: [],
    options: {},
    mutates: false,
    columns: ['name', 'invitations', 'fileUpload', 'chatHistory', 'allowed', 'denied', 'creators'],
    async run(ctx) {
      const rows = await Promise.all((await ctx.store.read.listCategories()).map((c) => shown(ctx, c)));
      return { rows };
    },
  },
  {
    name: 'category show',
    summary: 'Show one category',
    args: ['category'],
    options: { category: { type: 'string', help: 'name or id', required: true } },
    mutates: false,
    async run(ctx, _actor, input) {
      return shown(ctx, await categoryNamed(ctx, str(input, 'category') ?? ''));
    },
  },
  {
    name: 'category create',
    summary: 'Create a category (invitations and file upload off, history on, unless told)',
    args: ['name'],
    options: {
      name: { type: 'string', help: 'unique name', required: true },
      ...switches,
      allowed: { type: 'list', help: 'principals in scope (user, group:NAME, domain:NAME)' },
      denied: { type: 'list', help: 'principals excluded from scope (deny wins)' },
      creators: { type: 'list', help: 'principals who may create rooms here' },
    },
    mutates: true,
    async run(ctx, actor, input) {
      const c = await doCreateCategory(
        ctx,
        actor,
        present({
          name: str(input, 'name') ?? '',
          description: str(input, 'description'),
          invitations: bool(input, 'invitations'),
          fileUpload: bool(input, 'fileUpload'),
          chatHistory: bool(input, 'chatHistory'),
          allowed: list(input, 'allowed'),
          denied: list(input, 'denied'),
          creators: list(input, 'creators'),
        }) as Parameters<typeof doCreateCategory>[2],
      );
      return shown(ctx, c);
    },
  },
  {
    name: 'category set',
    summary: 'Change a category; roles no longer in scope are purged from its rooms',
    args: ['category'],
    options: {
      category: { type: 'string', help: 'name or id', required: true },
      name: { type: 'string', help: 'new name' },
      ...switches,
      allowed: { type: 'listChange', help: 'principals in scope' },
      denied: { type: 'listChange', help: 'principals excluded from scope' },
      creators: { type: 'listChange', help: 'room creators' },
    },
    mutates: true,
    async run(ctx, actor, input) {
      const c = await categoryNamed(ctx, str(input, 'category') ?? '');
      const { category, purged } = await doUpdateCategory(
        ctx,
        actor,
        c.id,
        present({
          name: str(input, 'name'),
          description: str(input, 'description'),
          invitations: bool(input, 'invitations'),
          fileUpload: bool(input, 'fileUpload'),
          chatHistory: bool(input, 'chatHistory'),
          allowed: change(input, 'allowed'),
          denied: change(input, 'denied'),
          creators: change(input, 'creators'),
        }),
      );
      return { ...(await shown(ctx, category)), purgedRoles: purged };
    },
  },
  {
    name: 'category remove',
    summary: 'Delete an empty category',
    args: ['category'],
    options: { category: { type: 'string', help: 'name or id', required: true } },
    mutates: true,
    async run(ctx, actor, input) {
      const c = await categoryNamed(ctx, str(input, 'category') ?? '');
      await doDeleteCategory(ctx, actor, c.id);
      return { removed: c.name };
    },
  },
];
