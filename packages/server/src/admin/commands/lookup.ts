/** Finding things by the names administrators type (ids work too). */
import type { ActionContext } from '../../actions/context.ts';
import { fail } from '../../domain/errors.ts';
import type { Category, Group, Room, User } from '../../domain/model.ts';

export async function roomNamed(ctx: ActionContext, nameOrId: string): Promise<Room> {
  const room = (await ctx.store.read.getRoom(nameOrId)) ?? (await ctx.store.read.findRoom(nameOrId));
  if (!room) fail('not_found', `room not found: ${nameOrId}`);
  return room;
}

export async function categoryNamed(ctx: ActionContext, nameOrId: string): Promise<Category> {
  const c = (await ctx.store.read.getCategory(nameOrId)) ?? (await ctx.store.read.findCategory(nameOrId));
  if (!c) fail('not_found', `category not found: ${nameOrId}`);
  return c;
}

export async function userNamed(ctx: ActionContext, nameOrId: string): Promise<User> {
  const u = (await ctx.store.read.getUser(nameOrId)) ?? (await ctx.store.read.findUser(nameOrId));
  if (!u) fail('not_found', `user not found: ${nameOrId}`);
  return u;
}

export async function groupNamed(ctx: ActionContext, nameOrId: string): Promise<Group> {
  const g = (await ctx.store.read.getGroup(nameOrId)) ?? (await ctx.store.read.findGroup(nameOrId));
  if (!g) fail('not_found', `group not found: ${nameOrId}`);
  return g;
}

/** Principal references shown with names: `u:<id>` → `user:alice`. */
export async function principalNamer(ctx: ActionContext): Promise<(ref: string) => string> {
  const [users, groups] = await Promise.all([ctx.store.read.listUsers(), ctx.store.read.listGroups()]);
  const u = new Map(users.map((x) => [`u:${x.id}`, `user:${x.username}`]));
  const g = new Map(groups.map((x) => [`g:${x.id}`, `group:${x.name}`]));
  return (ref) => u.get(ref) ?? g.get(ref) ?? (ref.startsWith('d:') ? `domain:${ref.slice(2)}` : ref);
}
