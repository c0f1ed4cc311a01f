import {
  doAssignPolicy,
  doChangeGroupMembers,
  doCreateGroup,
  doCreateUser,
  doDeleteGroup,
  doSetPolicy,
  doSetSetting,
  doUpdateUser,
} from '../../actions/directory.ts';
import { doCreateToken } from '../../actions/sessions.ts';
import { fail } from '../../domain/errors.ts';
import type { User } from '../../domain/model.ts';
import { affiliationsInScope } from '../../domain/permissions.ts';
import { resolveSettings, SETTING_SPECS } from '../../domain/settings.ts';
import { bool, int, list, present, str, type AdminCommand } from '../command.ts';
import { categoryNamed, groupNamed, principalNamer, roomNamed, userNamed } from './lookup.ts';

const userRow = (u: User) => ({
  username: u.username,
  displayName: u.displayName,
  email: u.email,
  sipUri: u.sipUri,
  admin: u.isAdmin,
  disabled: u.disabled,
  id: u.id,
});

const userOptions = {
  displayName: { type: 'string', help: 'name shown to others' },
  email: { type: 'string', help: 'e-mail address' },
  password: { type: 'string', help: 'password (at least 8 characters)' },
  admin: { type: 'boolean', help: 'administrator' },
} as const;

export const directoryCommands: AdminCommand[] = [
  {
    name: 'user list',
    summary: 'List users',
    args: [],
    options: {},
    mutates: false,
    columns: ['username', 'displayName', 'sipUri', 'admin', 'disabled'],
    async run(ctx) {
      return { rows: (await ctx.store.read.listUsers()).map(userRow) };
    },
  },
  {
    name: 'user create',
    summary: 'Create a user',
    args: ['username'],
    options: {
      username: { type: 'string', help: 'login name', required: true },
      sipUri: { type: 'string', help: 'SIP address (default sip:USERNAME@stoa.local)' },
      ...userOptions,
    },
    mutates: true,
    async run(ctx, actor, input) {
      const user = await doCreateUser(
        ctx,
        actor,
        present({
          username: str(input, 'username') ?? '',
          sipUri: str(input, 'sipUri'),
          displayName: str(input, 'displayName'),
          email: str(input, 'email'),
          password: str(input, 'password'),
          isAdmin: bool(input, 'admin'),
        }) as Parameters<typeof doCreateUser>[2],
      );
      return userRow(user);
    },
  },
  {
    name: 'user set',
    summary: 'Change a user (disabling or a new password ends their sessions)',
    args: ['user'],
    options: {
      user: { type: 'string', help: 'username, SIP address or id', required: true },
      ...userOptions,
      disabled: { type: 'boolean', help: 'disabled users cannot sign in' },
    },
    mutates: true,
    async run(ctx, actor, input) {
      const user = await userNamed(ctx, str(input, 'user') ?? '');
      const updated = await doUpdateUser(
        ctx,
        actor,
        user.id,
        present({
          displayName: str(input, 'displayName'),
          email: str(input, 'email'),
          password: str(input, 'password'),
          isAdmin: bool(input, 'admin'),
          disabled: bool(input, 'disabled'),
        }),
      );
      return userRow(updated);
    },
  },
  {
    name: 'group list',
    summary: 'List groups with their direct members',
    args: [],
    options: {},
    mutates: false,
    columns: ['name', 'description', 'members'],
    async run(ctx) {
      const name = await principalNamer(ctx);
      const edges = await ctx.store.read.groupEdges();
      return {
        rows: (await ctx.store.read.listGroups()).map((g) => ({
          name: g.name,
          description: g.description,
          members: edges.filter((e) => e.groupId === g.id).map((e) => name(e.member)),
          id: g.id,
        })),
      };
    },
  },
  {
    name: 'group create',
    summary: 'Create a group (members: users or groups; nesting allowed)',
    args: ['name'],
    options: {
      name: { type: 'string', help: 'unique name', required: true },
      description: { type: 'string', help: 'description' },
      members: { type: 'list', help: 'users or group:NAME' },
    },
    mutates: true,
    async run(ctx, actor, input) {
      return doCreateGroup(
        ctx,
        actor,
        present({
          name: str(input, 'name') ?? '',
          description: str(input, 'description'),
          members: list(input, 'members'),
        }) as {
          name: string;
        },
      );
    },
  },
  {
    name: 'group members',
    summary: 'Add or remove direct members of a group',
    args: ['group'],
    options: {
      group: { type: 'string', help: 'group name', required: true },
      add: { type: 'list', help: 'members to add' },
      remove: { type: 'list', help: 'members to remove' },
    },
    mutates: true,
    async run(ctx, actor, input) {
      const g = await groupNamed(ctx, str(input, 'group') ?? '');
      await doChangeGroupMembers(
        ctx,
        actor,
        g.id,
        present({ add: list(input, 'add'), remove: list(input, 'remove') }),
      );
      return { group: g.name, ok: true };
    },
  },
  {
    name: 'group remove',
    summary: 'Delete a group',
    args: ['group'],
    options: { group: { type: 'string', help: 'group name', required: true } },
    mutates: true,
    async run(ctx, actor, input) {
      const g = await groupNamed(ctx, str(input, 'group') ?? '');
      await doDeleteGroup(ctx, actor, g.id);
      return { removed: g.name };
    },
  },
  {
    name: 'policy list',
    summary: 'List persistent chat policies and their grants',
    args: [],
    options: {},
    mutates: false,
    columns: ['name', 'chatEnabled', 'description', 'grantedTo'],
    async run(ctx) {
      const name = await principalNamer(ctx);
      const grants = await ctx.store.read.policyAssignments();
      return {
        rows: (await ctx.store.read.listPolicies()).map((p) => ({
          name: p.name,
          chatEnabled: p.chatEnabled,
          description: p.description,
          grantedTo:
            p.id === 'global'
              ? ['everyone else']
              : grants.filter((g) => g.policyId === p.id).map((g) => name(g.principal)),
        })),
      };
    },
  },
  {
    name: 'policy set',
    summary: 'Create or change a policy (global always exists)',
    args: ['name'],
    options: {
      name: { type: 'string', help: 'policy name', required: true },
      enabled: { type: 'boolean', help: 'persistent chat enabled', required: true },
      description: { type: 'string', help: 'description' },
    },
    mutates: true,
    async run(ctx, actor, input) {
      return doSetPolicy(
        ctx,
        actor,
        present({
          name: str(input, 'name') ?? '',
          chatEnabled: bool(input, 'enabled') ?? false,
          description: str(input, 'description'),
        }) as {
          name: string;
          chatEnabled: boolean;
        },
      );
    },
  },
  {
    name: 'policy grant',
    summary: 'Grant a policy to a user or group; --policy none removes the grant',
    args: ['principal'],
    options: {
      principal: { type: 'string', help: 'user or group:NAME', required: true },
      policy: { type: 'string', help: 'policy name, or none', required: true },
    },
    mutates: true,
    async run(ctx, actor, input) {
      const policy = str(input, 'policy') ?? 'none';
      await doAssignPolicy(ctx, actor, str(input, 'principal') ?? '', policy === 'none' ? null : policy);
      return { principal: str(input, 'principal'), policy };
    },
  },
  {
    name: 'config show',
    summary: 'Show the persistent chat settings with their bounds',
    args: [],
    options: {},
    mutates: false,
    columns: ['name', 'value', 'default', 'bounds', 'meaning'],
    async run(ctx) {
      const s = await ctx.access.settings();
      return {
        rows: Object.entries(SETTING_SPECS).map(([name, spec]) => ({
          name,
          value: s[name as keyof typeof s],
          default: spec.fallback,
          bounds: spec.kind === 'int' ? `${spec.min}–${spec.max}` : 'http(s) URL or empty',
          meaning: spec.help,
        })),
      };
    },
  },
  {
    name: 'config set',
    summary: 'Change a setting (refused outside its bounds)',
    args: ['name', 'value'],
    options: {
      name: { type: 'string', help: 'setting name', required: true },
      value: { type: 'string', help: 'new value', required: true },
    },
    mutates: true,
    async run(ctx, actor, input) {
      const name = str(input, 'name') ?? '';
      const stored = await doSetSetting(ctx, actor, name, str(input, 'value') ?? '');
      // The settings after the change, also for a dry run (which left the cache as it was).
      const changed = resolveSettings({ [name]: stored });
      return { ...(await ctx.access.settings()), [name]: changed[name as keyof typeof changed] };
    },
  },
  {
    name: 'principal eligible',
    summary: 'Users who may be given a role in a category (or presenters of an auditorium room)',
    args: [],
    options: {
      category: { type: 'string', help: 'category name' },
      room: {
        type: 'string',
        help: 'room name (uses its category; with --presenters, must be an auditorium)',
      },
      presenters: { type: 'boolean', help: 'eligibility as presenter' },
      filter: { type: 'string', help: 'SIP address pattern, * as wildcard (e.g. sip:*@example.com)' },
      limit: { type: 'int', help: 'at most this many (default all)' },
    },
    mutates: false,
    columns: ['username', 'sipUri', 'displayName'],
    async run(ctx, _actor, input) {
      const roomName = str(input, 'room');
      const room = roomName === undefined ? undefined : await roomNamed(ctx, roomName);
      const categoryName = str(input, 'category');
      if (!room && categoryName === undefined) fail('validation_failed', 'give --category or --room');
      const category = room
        ? await categoryNamed(ctx, room.categoryId)
        : await categoryNamed(ctx, categoryName ?? '');
      if (bool(input, 'presenters') === true && room?.type !== 'auditorium') {
        fail('presenters_need_auditorium', 'presenters exist only in auditorium rooms: give --room');
      }
      const pattern = str(input, 'filter');
      const re =
        pattern === undefined
          ? undefined
          : new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
      const rows: { username: string; sipUri: string; displayName: string }[] = [];
      for (const user of await ctx.store.read.listUsers()) {
        if (user.disabled || (re && !re.test(user.sipUri))) continue;
        const subject = await ctx.access.subject(user.id);
        if (!subject || !(user.isAdmin || affiliationsInScope(subject.affiliations, category))) continue;
        rows.push({ username: user.username, sipUri: user.sipUri, displayName: user.displayName });
        if (rows.length >= (int(input, 'limit') ?? Infinity)) break;
      }
      return { rows };
    },
  },
  {
    name: 'token create',
    summary: 'Create a bearer token for a user (bots, scripts, remote administration)',
    args: ['user'],
    options: {
      user: { type: 'string', help: 'username', required: true },
      name: { type: 'string', help: 'what the token is for' },
      ttlSeconds: { type: 'int', help: 'lifetime in seconds (default: no expiry)' },
    },
    mutates: true,
    async run(ctx, actor, input) {
      const user = await userNamed(ctx, str(input, 'user') ?? '');
      const ttl = int(input, 'ttlSeconds');
      return doCreateToken(ctx, actor, {
        userId: user.id,
        name: str(input, 'name') ?? 'cli',
        ...(ttl !== undefined ? { ttlMs: ttl * 1000 } : {}),
      });
    },
  },
];
