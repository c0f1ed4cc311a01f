import type { ActionContext } from '../../actions/context.ts';
import { doCreateRoom, doDeleteRoom, doUpdateRoom } from '../../actions/rooms.ts';
import type { Room } from '../../domain/model.ts';
import { bool, change, list, present, str, type AdminCommand } from '../command.ts';
import { categoryNamed, principalNamer, roomNamed } from './lookup.ts';

async function shown(ctx: ActionContext, r: Room) {
  const name = await principalNamer(ctx);
  const category = await ctx.store.read.getCategory(r.categoryId);
  const addin = r.addinId === null ? undefined : await ctx.store.read.getAddin(r.addinId);
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    category: category?.name ?? r.categoryId,
    privacy: r.privacy,
    type: r.type,
    invitations: r.invitations,
    addin: addin?.name ?? null,
    disabled: r.disabled,
    messages: r.lastSeq,
    members: r.members.map(name),
    managers: r.managers.map(name),
    presenters: r.presenters.map(name),
  };
}

const properties = {
  description: { type: 'string', help: 'description (up to 256 characters)' },
  privacy: { type: 'string', help: 'open, closed (default) or secret' },
  type: { type: 'string', help: 'normal (default) or auditorium' },
  invitations: { type: 'string', help: 'inherit (default) or false' },
  addin: { type: 'string', help: 'add-in name ("" detaches)' },
} as const;

const roomArg = { room: { type: 'string', help: 'room name or id', required: true } } as const;

function props(input: Record<string, unknown>) {
  return present({
    description: str(input, 'description'),
    privacy: str(input, 'privacy') as Room['privacy'] | undefined,
    type: str(input, 'type') as Room['type'] | undefined,
    invitations: str(input, 'invitations') as Room['invitations'] | undefined,
    addin: str(input, 'addin'),
  });
}

function toggle(name: string, disabled: boolean, summary: string): AdminCommand {
  return {
    name,
    summary,
    args: ['room'],
    options: roomArg,
    mutates: true,
    async run(ctx, actor, input) {
      const room = await roomNamed(ctx, str(input, 'room') ?? '');
      return shown(ctx, await doUpdateRoom(ctx, actor, room.id, { disabled }));
    },
  };
}

export const roomCommands: AdminCommand[] = [
  {
    name: 'room list',
    summary: 'List rooms, with filters',
    args: [],
    options: {
      category: { type: 'string', help: 'only this category' },
      disabled: { type: 'boolean', help: 'only disabled (true) or enabled (false) rooms' },
      filter: { type: 'string', help: 'text in the name or description' },
      member: { type: 'string', help: 'only rooms listing this principal as member' },
      manager: { type: 'string', help: 'only rooms listing this principal as manager' },
    },
    mutates: false,
    columns: ['name', 'category', 'privacy', 'type', 'disabled', 'messages', 'members', 'managers'],
    async run(ctx, _actor, input) {
      const category = str(input, 'category');
      const cat = category === undefined ? undefined : await categoryNamed(ctx, category);
      const filter = str(input, 'filter')?.toLowerCase();
      const disabled = bool(input, 'disabled');
      let rooms = await ctx.store.read.listRooms({
        includeDisabled: true,
        ...(cat ? { categoryId: cat.id } : {}),
      });
      if (disabled !== undefined) rooms = rooms.filter((r) => r.disabled === disabled);
      if (filter) rooms = rooms.filter((r) => `${r.name}\n${r.description}`.toLowerCase().includes(filter));
      const rows = await Promise.all(rooms.map((r) => shown(ctx, r)));
      const member = str(input, 'member');
      const manager = str(input, 'manager');
      return {
        rows: rows.filter(
          (r) =>
            (member === undefined || r.members.some((m) => m.endsWith(`:${member}`) || m === member)) &&
            (manager === undefined || r.managers.some((m) => m.endsWith(`:${manager}`) || m === manager)),
        ),
      };
    },
  },
  {
    name: 'room show',
    summary: 'Show one room',
    args: ['room'],
    options: roomArg,
    mutates: false,
    async run(ctx, _actor, input) {
      return shown(ctx, await roomNamed(ctx, str(input, 'room') ?? ''));
    },
  },
  {
    name: 'room create',
    summary: 'Create a room in a category',
    args: ['name'],
    options: {
      name: { type: 'string', help: 'unique room name', required: true },
      category: { type: 'string', help: 'category name', required: true },
      ...properties,
      disabled: { type: 'boolean', help: 'create it disabled' },
      members: { type: 'list', help: 'members (must be in the category scope)' },
      managers: { type: 'list', help: 'managers' },
      presenters: { type: 'list', help: 'presenters (auditorium rooms only)' },
    },
    mutates: true,
    async run(ctx, actor, input) {
      const room = await doCreateRoom(ctx, actor, {
        name: str(input, 'name') ?? '',
        category: str(input, 'category') ?? '',
        ...props(input),
        ...present({
          disabled: bool(input, 'disabled'),
          members: list(input, 'members'),
          managers: list(input, 'managers'),
          presenters: list(input, 'presenters'),
        }),
      });
      return shown(ctx, room);
    },
  },
  {
    name: 'room set',
    summary: 'Change a room: properties and roles (add/remove/set)',
    args: ['room'],
    options: {
      ...roomArg,
      name: { type: 'string', help: 'new name' },
      ...properties,
      members: { type: 'listChange', help: 'members' },
      managers: { type: 'listChange', help: 'managers' },
      presenters: { type: 'listChange', help: 'presenters' },
    },
    mutates: true,
    async run(ctx, actor, input) {
      const room = await roomNamed(ctx, str(input, 'room') ?? '');
      const updated = await doUpdateRoom(ctx, actor, room.id, {
        ...props(input),
        ...present({
          name: str(input, 'name'),
          members: change(input, 'members'),
          managers: change(input, 'managers'),
          presenters: change(input, 'presenters'),
        }),
      });
      return shown(ctx, updated);
    },
  },
  toggle('room disable', true, 'Disable a room: everyone in it is disconnected at once'),
  toggle('room enable', false, 'Enable a disabled room again'),
  {
    name: 'room move',
    summary: 'Move a room to another category; roles outside the new scope are purged',
    args: ['room', 'category'],
    options: { ...roomArg, category: { type: 'string', help: 'target category', required: true } },
    mutates: true,
    async run(ctx, actor, input) {
      const room = await roomNamed(ctx, str(input, 'room') ?? '');
      return shown(ctx, await doUpdateRoom(ctx, actor, room.id, { category: str(input, 'category') ?? '' }));
    },
  },
  {
    name: 'room remove',
    summary: 'Delete a room and its history (administrators only)',
    args: ['room'],
    options: roomArg,
    mutates: true,
    async run(ctx, actor, input) {
      const room = await roomNamed(ctx, str(input, 'room') ?? '');
      await doDeleteRoom(ctx, actor, room.id);
      return { removed: room.name };
    },
  },
];
