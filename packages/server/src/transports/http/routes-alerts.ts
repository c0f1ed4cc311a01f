/** Saved filters ("topic feeds") and keyword alerts (spec §4.9; docs/decisions/0007). */
import type { FastifyInstance } from 'fastify';
import { AlertPageFields, FilterFields } from '@stoa/protocol';
import Type, { type Static } from 'typebox';
import {
  doDeleteFilter,
  doMarkAlertsSeen,
  doReadAlerts,
  doSaveFilter,
  getFilter,
  listFilters,
} from '../../actions/alerts.ts';
import type { ServerParts } from '../parts.ts';
import { actorOf } from './auth.ts';

const FilterBody = Type.Object(FilterFields, { additionalProperties: false });
const FilterParams = Type.Object({ filter: Type.String({ minLength: 1, maxLength: 64 }) });
const FeedQuery = Type.Object(AlertPageFields, { additionalProperties: false });
const { filter: _filter, ...FilterFeedFields } = AlertPageFields;
const FilterFeedQuery = Type.Object(FilterFeedFields, { additionalProperties: false });
const SeenBody = Type.Object({ id: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });

export function alertRoutes(app: FastifyInstance, parts: ServerParts): void {
  const { ctx } = parts;

  app.get('/api/v1/filters', { schema: { summary: 'Your saved filters', tags: ['alerts'] } }, async (req) => {
    const actor = await actorOf(parts, req);
    return { filters: await listFilters(ctx, actor) };
  });

  app.post(
    '/api/v1/filters',
    {
      schema: {
        summary: 'Save a filter: keywords or phrases, authors, mentions of you, rooms',
        tags: ['alerts'],
        body: FilterBody,
      },
    },
    async (req) => {
      const actor = await actorOf(parts, req);
      return doSaveFilter(ctx, actor, req.body as Static<typeof FilterBody>);
    },
  );

  app.get(
    '/api/v1/filters/:filter',
    { schema: { summary: 'One saved filter', tags: ['alerts'], params: FilterParams } },
    async (req) => {
      const actor = await actorOf(parts, req);
      const { filter } = req.params as Static<typeof FilterParams>;
      return getFilter(ctx, actor, filter);
    },
  );

  app.put(
    '/api/v1/filters/:filter',
    {
      schema: {
        summary: 'Replace a saved filter (its past matches stay)',
        tags: ['alerts'],
        params: FilterParams,
        body: FilterBody,
      },
    },
    async (req) => {
      const actor = await actorOf(parts, req);
      const { filter } = req.params as Static<typeof FilterParams>;
      return doSaveFilter(ctx, actor, req.body as Static<typeof FilterBody>, filter);
    },
  );

  app.delete(
    '/api/v1/filters/:filter',
    { schema: { summary: 'Delete a filter and its matches', tags: ['alerts'], params: FilterParams } },
    async (req) => {
      const actor = await actorOf(parts, req);
      const { filter } = req.params as Static<typeof FilterParams>;
      await doDeleteFilter(ctx, actor, filter);
      return { ok: true };
    },
  );

  app.get(
    '/api/v1/filters/:filter/alerts',
    {
      schema: {
        summary: "One filter's past matches, newest first (records BACKCHAT)",
        tags: ['alerts'],
        params: FilterParams,
        querystring: FilterFeedQuery,
      },
    },
    async (req) => {
      const actor = await actorOf(parts, req);
      const { filter } = req.params as Static<typeof FilterParams>;
      const q = req.query as Static<typeof FilterFeedQuery>;
      return doReadAlerts(ctx, actor, { ...q, filter });
    },
  );

  app.get(
    '/api/v1/alerts',
    {
      schema: {
        summary: 'Past matches of all your filters (or `filter`), newest first (records BACKCHAT)',
        tags: ['alerts'],
        querystring: FeedQuery,
      },
    },
    async (req) => {
      const actor = await actorOf(parts, req);
      return doReadAlerts(ctx, actor, req.query as Static<typeof FeedQuery>);
    },
  );

  app.post(
    '/api/v1/alerts/seen',
    {
      schema: {
        summary: 'Mark alerts up to an id seen (the cursor roams; forwards only)',
        tags: ['alerts'],
        body: SeenBody,
      },
    },
    async (req) => {
      const actor = await actorOf(parts, req);
      const { id } = req.body as Static<typeof SeenBody>;
      return doMarkAlertsSeen(ctx, actor, id);
    },
  );
}
