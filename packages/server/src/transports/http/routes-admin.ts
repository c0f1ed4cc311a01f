/** Administration over HTTP: categories, users, groups, policies, settings, audit. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { doCreateCategory, doDeleteCategory, doUpdateCategory } from '../../actions/categories.ts';
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
import { fail } from '../../domain/errors.ts';
import type { Actor } from '../../domain/model.ts';
import { canCreateIn } from '../../domain/permissions.ts';
import type { ServerParts } from '../parts.ts';
import { userOf } from './auth.ts';
import { complianceRoutes } from './routes-compliance.ts';
import * as S from './schemas.ts';

export function adminRoutes(app: FastifyInstance, parts: ServerParts): void {
  const { ctx } = parts;
  const admin = async (req: FastifyRequest): Promise<Actor> => {
    const s = await userOf(parts, req);
    if (!s.isAdmin) fail('forbidden', 'administrators only');
    return { kind: 'user', userId: s.userId };
  };
  const idOf = (req: FastifyRequest) => (req.params as Static<typeof S.IdParams>).id;

  app.get(
    '/api/v1/categories',
    {
      schema: {
        summary: 'Categories: all for administrators, those the caller may create rooms in otherwise',
        tags: ['categories'],
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      const all = await ctx.store.read.listCategories();
      return {
        categories: all
          .filter((c) => s.isAdmin || canCreateIn(s, c))
          .map((c) => (s.isAdmin ? c : { id: c.id, name: c.name, description: c.description })),
      };
    },
  );
  app.post(
    '/api/v1/categories',
    { schema: { summary: 'Create a category', tags: ['categories'], body: S.NewCategory } },
    async (req) => doCreateCategory(ctx, await admin(req), req.body as Static<typeof S.NewCategory>),
  );
  app.patch(
    '/api/v1/categories/:id',
    {
      schema: {
        summary: 'Change a category; roles out of the new scope are purged',
        tags: ['categories'],
        params: S.IdParams,
        body: S.CategoryChanges,
      },
    },
    async (req) =>
      doUpdateCategory(ctx, await admin(req), idOf(req), req.body as Static<typeof S.CategoryChanges>),
  );
  app.delete(
    '/api/v1/categories/:id',
    { schema: { summary: 'Delete an empty category', tags: ['categories'], params: S.IdParams } },
    async (req) => {
      await doDeleteCategory(ctx, await admin(req), idOf(req));
      return { ok: true };
    },
  );

  app.get('/api/v1/users', { schema: { summary: 'Users', tags: ['directory'] } }, async (req) => {
    await admin(req);
    return { users: await ctx.store.read.listUsers() };
  });
  app.post(
    '/api/v1/users',
    { schema: { summary: 'Create a user', tags: ['directory'], body: S.NewUser } },
    async (req) => doCreateUser(ctx, await admin(req), req.body as Static<typeof S.NewUser>),
  );
  app.patch(
    '/api/v1/users/:id',
    { schema: { summary: 'Change a user', tags: ['directory'], params: S.IdParams, body: S.UserChanges } },
    async (req) => doUpdateUser(ctx, await admin(req), idOf(req), req.body as Static<typeof S.UserChanges>),
  );

  app.get('/api/v1/groups', { schema: { summary: 'Groups', tags: ['directory'] } }, async (req) => {
    await admin(req);
    return { groups: await ctx.store.read.listGroups() };
  });
  app.post(
    '/api/v1/groups',
    { schema: { summary: 'Create a group', tags: ['directory'], body: S.NewGroup } },
    async (req) => doCreateGroup(ctx, await admin(req), req.body as Static<typeof S.NewGroup>),
  );
  app.patch(
    '/api/v1/groups/:id/members',
    {
      schema: {
        summary: 'Add or remove group members (users or groups)',
        tags: ['directory'],
        params: S.IdParams,
        body: S.GroupMembersChange,
      },
    },
    async (req) => {
      await doChangeGroupMembers(
        ctx,
        await admin(req),
        idOf(req),
        req.body as Static<typeof S.GroupMembersChange>,
      );
      return { ok: true };
    },
  );
  app.delete(
    '/api/v1/groups/:id',
    { schema: { summary: 'Delete a group', tags: ['directory'], params: S.IdParams } },
    async (req) => {
      await doDeleteGroup(ctx, await admin(req), idOf(req));
      return { ok: true };
    },
  );

  app.get(
    '/api/v1/policies',
    { schema: { summary: 'Persistent chat policies', tags: ['policies'] } },
    async (req) => {
      await admin(req);
      return {
        policies: await ctx.store.read.listPolicies(),
        assignments: await ctx.store.read.policyAssignments(),
      };
    },
  );
  app.put(
    '/api/v1/policies/:id',
    {
      schema: {
        summary: 'Create or change a policy by name',
        tags: ['policies'],
        params: S.IdParams,
        body: S.PolicyBody,
      },
    },
    async (req) =>
      doSetPolicy(ctx, await admin(req), { name: idOf(req), ...(req.body as Static<typeof S.PolicyBody>) }),
  );
  app.put(
    '/api/v1/policy-grants/:id',
    {
      schema: {
        summary: 'Grant a policy to a user or group (null removes)',
        tags: ['policies'],
        params: S.IdParams,
        body: S.PolicyGrant,
      },
    },
    async (req) => {
      await doAssignPolicy(
        ctx,
        await admin(req),
        idOf(req),
        (req.body as Static<typeof S.PolicyGrant>).policy,
      );
      return { ok: true };
    },
  );

  app.get(
    '/api/v1/settings',
    { schema: { summary: 'Effective settings', tags: ['settings'] } },
    async (req) => {
      await admin(req);
      return ctx.access.settings();
    },
  );
  app.put(
    '/api/v1/settings/:id',
    {
      schema: {
        summary: 'Change a setting (bounds checked)',
        tags: ['settings'],
        params: S.IdParams,
        body: S.SettingBody,
      },
    },
    async (req) => {
      await doSetSetting(
        ctx,
        await admin(req),
        idOf(req),
        String((req.body as Static<typeof S.SettingBody>).value),
      );
      return ctx.access.settings();
    },
  );

  app.get(
    '/api/v1/audit',
    { schema: { summary: 'Recent administrative changes', tags: ['settings'] } },
    async (req) => {
      await admin(req);
      return { entries: await ctx.store.read.listAudit(200) };
    },
  );

  complianceRoutes(app, parts);
}
