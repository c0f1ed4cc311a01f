/** Users, groups, policies and settings: administrative actions, each audited with its actor. */
import { checkName, checkUsername } from '../domain/names.ts';
import { fail } from '../domain/errors.ts';
import type { Actor, Group, Policy, User } from '../domain/model.ts';
import { GLOBAL_POLICY_ID } from '../domain/policy.ts';
import { groupRef, userRef } from '../domain/principals.ts';
import { parseSetting } from '../domain/settings.ts';
import { requireAdmin, transact, type ActionContext } from './context.ts';
import { directoryBefore, inviteAfterDirectoryChange } from './invitations.ts';
import { resolvePrincipal } from './principals.ts';

export interface NewUserInput {
  readonly username: string;
  readonly displayName?: string;
  readonly email?: string;
  readonly sipUri?: string;
  readonly password?: string;
  readonly isAdmin?: boolean;
}

/** The SIP domain given to users created without an explicit SIP URI. */
export const DEFAULT_SIP_DOMAIN = 'stoa.local';

export async function doCreateUser(ctx: ActionContext, actor: Actor, input: NewUserInput): Promise<User> {
  await requireAdmin(ctx, actor);
  const username = checkUsername(input.username);
  const sipUri = (input.sipUri ?? `sip:${username}@${DEFAULT_SIP_DOMAIN}`).toLowerCase();
  if (!/^sip:[^@\s]+@[^@\s]+$/.test(sipUri))
    fail('validation_failed', 'sipUri must look like sip:name@domain');
  if (input.password !== undefined && input.password.length < 8) {
    fail('validation_failed', 'password must be at least 8 characters');
  }
  const hash = input.password === undefined ? null : await ctx.hasher.hash(input.password);
  const user: User = {
    id: ctx.newId(),
    username,
    displayName: input.displayName?.trim() || username,
    email: input.email ?? null,
    sipUri,
    isAdmin: input.isAdmin === true,
    disabled: false,
    createdAt: ctx.clock(),
  };
  return transact(ctx, async (tx, emit) => {
    if ((await tx.findUser(username)) || (await tx.findUser(sipUri)))
      fail('name_taken', 'user already exists');
    await tx.insertUser(user, hash);
    await tx.recordAudit({
      at: user.createdAt,
      actor,
      action: 'user.create',
      target: `u:${user.id}`,
      details: { username },
    });
    // A new user in an allowed domain may access open rooms (or rooms listing the domain).
    await inviteAfterDirectoryChange(tx, emit, new Map(), [user.id], user.createdAt, actor);
    emit({ kind: 'directory.changed' });
    return user;
  });
}

export interface UserChanges {
  readonly displayName?: string;
  readonly email?: string | null;
  readonly isAdmin?: boolean;
  readonly disabled?: boolean;
  readonly password?: string;
}

export async function doUpdateUser(
  ctx: ActionContext,
  actor: Actor,
  userId: string,
  changes: UserChanges,
): Promise<User> {
  await requireAdmin(ctx, actor);
  if (changes.password !== undefined && changes.password.length < 8) {
    fail('validation_failed', 'password must be at least 8 characters');
  }
  const hash = changes.password === undefined ? undefined : await ctx.hasher.hash(changes.password);
  return transact(ctx, async (tx, emit) => {
    const user = await tx.getUser(userId);
    if (!user) fail('not_found', 'user not found');
    const promoted = changes.isAdmin === true && !user.isAdmin;
    const before = promoted ? await directoryBefore(tx, [userRef(userId)]) : undefined;
    await tx.updateUser(userId, {
      ...(changes.displayName !== undefined ? { displayName: changes.displayName } : {}),
      ...(changes.email !== undefined ? { email: changes.email } : {}),
      ...(changes.isAdmin !== undefined ? { isAdmin: changes.isAdmin } : {}),
      ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
    });
    if (hash !== undefined) await tx.setPasswordHash(userId, hash);
    // A disabled user or a changed password ends every session.
    if (changes.disabled === true || hash !== undefined) await tx.deleteSessionsOfUser(userId);
    const { password: _omit, ...logged } = changes;
    await tx.recordAudit({
      at: ctx.clock(),
      actor,
      action: 'user.update',
      target: `u:${userId}`,
      details: { ...logged, passwordChanged: hash !== undefined },
    });
    // An administrator is in every category's scope: open rooms there are newly accessible.
    if (before)
      await inviteAfterDirectoryChange(tx, emit, before, [userId], ctx.clock(), actor, { everyRoom: true });
    emit({ kind: 'directory.changed' });
    return (await tx.getUser(userId)) as User;
  });
}

export async function doCreateGroup(
  ctx: ActionContext,
  actor: Actor,
  input: { name: string; description?: string; members?: readonly string[] },
): Promise<Group> {
  await requireAdmin(ctx, actor);
  const group: Group = {
    id: ctx.newId(),
    name: checkName('group', input.name),
    description: input.description ?? '',
    createdAt: ctx.clock(),
  };
  return transact(ctx, async (tx, emit) => {
    if (await tx.findGroup(group.name)) fail('name_taken', 'a group with that name exists');
    await tx.insertGroup(group);
    const members = await Promise.all((input.members ?? []).map((m) => resolvePrincipal(tx, m)));
    await tx.addGroupMembers(
      group.id,
      members.filter((m) => !m.startsWith('d:')),
    );
    await tx.recordAudit({
      at: group.createdAt,
      actor,
      action: 'group.create',
      target: groupRef(group.id),
      details: { name: group.name },
    });
    emit({ kind: 'directory.changed' });
    return group;
  });
}

/** Adds or removes direct members (users or groups) of a group. Nesting may form cycles safely. */
export async function doChangeGroupMembers(
  ctx: ActionContext,
  actor: Actor,
  groupId: string,
  change: { add?: readonly string[]; remove?: readonly string[] },
): Promise<void> {
  await requireAdmin(ctx, actor);
  await transact(ctx, async (tx, emit) => {
    if (!(await tx.getGroup(groupId))) fail('not_found', 'group not found');
    const add = await Promise.all((change.add ?? []).map((m) => resolvePrincipal(tx, m)));
    const remove = await Promise.all((change.remove ?? []).map((m) => resolvePrincipal(tx, m)));
    if (add.some((m) => m.startsWith('d:'))) fail('validation_failed', 'a domain cannot be a group member');
    if (add.includes(groupRef(groupId))) fail('validation_failed', 'a group cannot contain itself');
    // Joining a group (or leaving a denied one) can open rooms: compare those users before and after.
    const before = await directoryBefore(tx, [...add, ...remove]);
    await tx.addGroupMembers(groupId, add);
    await tx.removeGroupMembers(groupId, remove);
    await inviteAfterDirectoryChange(tx, emit, before, before.keys(), ctx.clock(), actor);
    await tx.recordAudit({
      at: ctx.clock(),
      actor,
      action: 'group.members',
      target: groupRef(groupId),
      details: { add, remove },
    });
    emit({ kind: 'directory.changed' });
  });
}

export async function doDeleteGroup(ctx: ActionContext, actor: Actor, groupId: string): Promise<void> {
  await requireAdmin(ctx, actor);
  await transact(ctx, async (tx, emit) => {
    if (!(await tx.getGroup(groupId))) fail('not_found', 'group not found');
    const ref = groupRef(groupId);
    // The store drops every entry naming the group; the rooms and categories that had one change.
    const categories = (await tx.listCategories()).filter((c) =>
      [c.allowed, c.denied, c.creators].some((list) => list.includes(ref)),
    );
    const allRooms = await tx.listRooms({ includeDisabled: true });
    const rooms = allRooms.filter((r) =>
      [r.members, r.managers, r.presenters].some((list) => list.includes(ref)),
    );
    // Rooms of categories that denied the group, as they were: its users may now reach them.
    const walls = new Map(categories.filter((c) => c.denied.includes(ref)).map((c) => [c.id, c]));
    const was = new Map(
      allRooms.flatMap((room) => {
        const category = walls.get(room.categoryId);
        return category ? [[room.id, { room, category }] as const] : [];
      }),
    );
    const before = was.size > 0 ? await directoryBefore(tx, [ref]) : undefined;
    await tx.deleteGroup(groupId);
    await tx.assignPolicy(ref, null);
    await tx.recordAudit({
      at: ctx.clock(),
      actor,
      action: 'group.delete',
      target: ref,
      details: { categories: categories.map((c) => c.name), rooms: rooms.map((r) => r.name) },
    });
    if (before)
      await inviteAfterDirectoryChange(tx, emit, before, before.keys(), ctx.clock(), actor, { was });
    emit({ kind: 'directory.changed' });
    for (const c of categories) emit({ kind: 'category.changed', categoryId: c.id });
    for (const r of rooms) emit({ kind: 'room.changed', roomId: r.id, access: true });
  });
}

/** Creates or updates a policy by name; `global` always exists and cannot be removed. */
export async function doSetPolicy(
  ctx: ActionContext,
  actor: Actor,
  input: { name: string; chatEnabled: boolean; description?: string },
): Promise<Policy> {
  await requireAdmin(ctx, actor);
  const name = checkName('policy', input.name, 64);
  return transact(ctx, async (tx, emit) => {
    const existing = (await tx.listPolicies()).find((p) => p.name.toLowerCase() === name.toLowerCase());
    const policy: Policy = {
      id: existing?.id ?? (name.toLowerCase() === GLOBAL_POLICY_ID ? GLOBAL_POLICY_ID : ctx.newId()),
      name: existing?.name ?? name,
      description: input.description ?? existing?.description ?? '',
      chatEnabled: input.chatEnabled,
    };
    await tx.upsertPolicy(policy);
    await tx.recordAudit({
      at: ctx.clock(),
      actor,
      action: 'policy.set',
      target: `policy:${policy.name}`,
      details: { chatEnabled: policy.chatEnabled },
    });
    emit({ kind: 'directory.changed' });
    return policy;
  });
}

/** Grants a policy to a user or group; `null` removes the grant (falls back to groups, then global). */
export async function doAssignPolicy(
  ctx: ActionContext,
  actor: Actor,
  principal: string,
  policyName: string | null,
): Promise<void> {
  await requireAdmin(ctx, actor);
  await transact(ctx, async (tx, emit) => {
    const ref = await resolvePrincipal(tx, principal);
    if (ref.startsWith('d:')) fail('validation_failed', 'policies are granted to users or groups');
    let policyId: string | null = null;
    if (policyName !== null) {
      const policy = (await tx.listPolicies()).find((p) => p.name.toLowerCase() === policyName.toLowerCase());
      if (!policy) fail('not_found', `policy not found: ${policyName}`);
      if (policy.id === GLOBAL_POLICY_ID)
        fail('validation_failed', 'the global policy applies by default; grant null instead');
      policyId = policy.id;
    }
    await tx.assignPolicy(ref, policyId);
    await tx.recordAudit({
      at: ctx.clock(),
      actor,
      action: 'policy.grant',
      target: ref,
      details: { policy: policyName },
    });
    emit({ kind: 'directory.changed' });
  });
}

export async function doSetSetting(
  ctx: ActionContext,
  actor: Actor,
  name: string,
  value: string,
): Promise<string> {
  await requireAdmin(ctx, actor);
  const checked = parseSetting(name, value);
  await transact(ctx, async (tx, emit) => {
    await tx.setSetting(name, checked);
    await tx.recordAudit({
      at: ctx.clock(),
      actor,
      action: 'setting.set',
      target: `setting:${name}`,
      details: { value: checked },
    });
    emit({ kind: 'settings.changed' });
  });
  return checked;
}
