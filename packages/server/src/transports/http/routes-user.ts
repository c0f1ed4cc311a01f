/** Sign-in, the caller, the room directory, rooms, messages and participants. */
import type { FastifyInstance } from 'fastify';
import { SearchFields } from '@stoa/protocol';
import Type, { type Static } from 'typebox';
import { accessRoom } from '../../access/access-room.ts';
import { doJoinRoom, doPostMessage, doReadHistory } from '../../actions/chat.ts';
import { doCreateRoom, doDeleteRoom, doUpdateRoom } from '../../actions/rooms.ts';
import { doCreateToken, doLogin, doLogout } from '../../actions/sessions.ts';
import { doFollowRoom, doMarkRead, doUnfollowRoom } from '../../actions/follows.ts';
import { doMarkInvitationsSeen } from '../../actions/invitations.ts';
import { doSearch } from '../../actions/search.ts';
import { getFollow, listFollows, listInvitations } from '../../queries/follows.ts';
import { resolvePrincipal } from '../../actions/principals.ts';
import { listVisibleRooms } from '../../queries/directory.ts';
import { messageToWire, roomToWire } from '../../live/wire.ts';
import { searchInputFromWire, searchResultToWire } from '../../search/wire.ts';
import type { ServerParts } from '../parts.ts';
import { tokenOf, userActor as asActor, userOf } from './auth.ts';
import * as S from './schemas.ts';

const SearchQuery = Type.Object(SearchFields, { additionalProperties: false });

export function userRoutes(app: FastifyInstance, parts: ServerParts): void {
  const { ctx } = parts;

  app.post(
    '/api/v1/login',
    {
      schema: {
        summary: 'Sign in with a password; returns a session token',
        tags: ['auth'],
        security: false,
        body: S.Login,
      },
    },
    async (req) => {
      const body = req.body as Static<typeof S.Login>;
      const { token, expiresAt, user } = await doLogin(ctx, body);
      return {
        token,
        expiresAt,
        user: { id: user.id, username: user.username, displayName: user.displayName, isAdmin: user.isAdmin },
      };
    },
  );

  app.post('/api/v1/logout', { schema: { summary: 'End this session', tags: ['auth'] } }, async (req) => {
    await userOf(parts, req);
    await doLogout(ctx, tokenOf(req) ?? '');
    return { ok: true };
  });

  app.get('/api/v1/me', { schema: { summary: 'The signed-in user', tags: ['auth'] } }, async (req) => {
    const s = await userOf(parts, req);
    const { user } = s;
    return {
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      email: user.email,
      sipUri: user.sipUri,
      isAdmin: user.isAdmin,
      chatEnabled: s.chatEnabled,
      policy: s.policyId,
    };
  });

  app.post(
    '/api/v1/tokens',
    { schema: { summary: 'Create a bearer token for a bot or script', tags: ['auth'], body: S.NewToken } },
    async (req) => {
      const s = await userOf(parts, req);
      const body = req.body as Static<typeof S.NewToken>;
      const userId =
        body.user === undefined
          ? s.userId
          : (await resolvePrincipal(ctx.store.read, body.user)).replace(/^u:/, '');
      return doCreateToken(ctx, asActor(s.userId), {
        userId,
        name: body.name,
        ...(body.ttlSeconds !== undefined ? { ttlMs: body.ttlSeconds * 1000 } : {}),
      });
    },
  );

  app.get(
    '/api/v1/rooms',
    { schema: { summary: 'Rooms the caller may discover', tags: ['rooms'], querystring: S.DirectoryQuery } },
    async (req) => {
      const s = await userOf(parts, req);
      const q = req.query as Static<typeof S.DirectoryQuery>;
      const rooms = await listVisibleRooms(ctx.access, s, {
        ...(q.q !== undefined ? { text: q.q } : {}),
        ...(q.category !== undefined ? { categoryId: q.category } : {}),
        ...(q.role !== undefined ? { role: q.role } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
      });
      return { rooms: rooms.map(roomToWire) };
    },
  );

  app.post(
    '/api/v1/rooms',
    {
      schema: {
        summary: 'Create a room (category creators and administrators)',
        tags: ['rooms'],
        body: S.NewRoom,
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      const room = await doCreateRoom(ctx, asActor(s.userId), req.body as Static<typeof S.NewRoom>);
      return roomToWire(await accessRoom(ctx.access, s, room.id, 'see'));
    },
  );

  app.get(
    '/api/v1/rooms/:room',
    { schema: { summary: 'One room', tags: ['rooms'], params: S.RoomParams } },
    async (req) => {
      const s = await userOf(parts, req);
      const { room } = req.params as Static<typeof S.RoomParams>;
      return roomToWire(await accessRoom(ctx.access, s, room, 'see'));
    },
  );

  app.patch(
    '/api/v1/rooms/:room',
    {
      schema: {
        summary: 'Change a room: properties, roles, category, disabled (managers and administrators)',
        tags: ['rooms'],
        params: S.RoomParams,
        body: S.RoomChanges,
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      const { room } = req.params as Static<typeof S.RoomParams>;
      await doUpdateRoom(ctx, asActor(s.userId), room, req.body as Static<typeof S.RoomChanges>);
      return roomToWire(await accessRoom(ctx.access, s, room, 'see'));
    },
  );

  app.delete(
    '/api/v1/rooms/:room',
    { schema: { summary: 'Delete a room (administrators)', tags: ['rooms'], params: S.RoomParams } },
    async (req) => {
      const s = await userOf(parts, req);
      const { room } = req.params as Static<typeof S.RoomParams>;
      await doDeleteRoom(ctx, asActor(s.userId), room);
      return { ok: true };
    },
  );

  app.get(
    '/api/v1/rooms/:room/messages',
    {
      schema: {
        summary: 'History, by sequence number or time (records BACKCHAT)',
        tags: ['messages'],
        params: S.RoomParams,
        querystring: S.HistoryQuery,
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      const { room } = req.params as Static<typeof S.RoomParams>;
      const messages = await doReadHistory(
        ctx,
        asActor(s.userId),
        room,
        req.query as Static<typeof S.HistoryQuery>,
      );
      return { messages: messages.map(messageToWire) };
    },
  );

  app.get(
    '/api/v1/rooms/:room/recent',
    {
      schema: {
        summary: 'What joining returns: the last DefaultChatHistory messages (records JOIN and BACKCHAT)',
        tags: ['messages'],
        params: S.RoomParams,
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      const { room } = req.params as Static<typeof S.RoomParams>;
      const result = await doJoinRoom(ctx, asActor(s.userId), room);
      return { room: roomToWire(result.access), messages: result.history.map(messageToWire) };
    },
  );

  app.post(
    '/api/v1/rooms/:room/messages',
    {
      schema: {
        summary: 'Post a message; acknowledged once durable',
        tags: ['messages'],
        params: S.RoomParams,
        body: S.PostBody,
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      const { room } = req.params as Static<typeof S.RoomParams>;
      const result = await doPostMessage(ctx, asActor(s.userId), room, req.body as Static<typeof S.PostBody>);
      return { message: messageToWire(result.message), duplicate: result.duplicate };
    },
  );

  app.get(
    '/api/v1/rooms/:room/participants',
    {
      schema: {
        summary: 'Who is connected (null above ParticipantUpdateLimit)',
        tags: ['rooms'],
        params: S.RoomParams,
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      const { room } = req.params as Static<typeof S.RoomParams>;
      await accessRoom(ctx.access, s, room, 'read');
      const { participants, count } = parts.hub.participants(room);
      return { count, participants: participants ?? null };
    },
  );

  // ---- following and invitations (spec §4.7, §4.12)

  app.get(
    '/api/v1/follows',
    { schema: { summary: 'Followed rooms with unread counts', tags: ['follows'] } },
    async (req) => {
      const s = await userOf(parts, req);
      return { follows: (await listFollows(ctx.access, ctx.store.read, s)).follows };
    },
  );

  app.get(
    '/api/v1/follows/:room',
    { schema: { summary: 'One followed room', tags: ['follows'], params: S.RoomParams } },
    async (req) => {
      const s = await userOf(parts, req);
      const { room } = req.params as Static<typeof S.RoomParams>;
      return getFollow(ctx.access, ctx.store.read, s, room);
    },
  );

  app.put(
    '/api/v1/follows/:room',
    {
      schema: {
        summary: 'Follow a room (read rights needed; idempotent)',
        tags: ['follows'],
        params: S.RoomParams,
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      const { room } = req.params as Static<typeof S.RoomParams>;
      return doFollowRoom(ctx, asActor(s.userId), room);
    },
  );

  app.delete(
    '/api/v1/follows/:room',
    { schema: { summary: 'Stop following a room', tags: ['follows'], params: S.RoomParams } },
    async (req) => {
      const s = await userOf(parts, req);
      const { room } = req.params as Static<typeof S.RoomParams>;
      await doUnfollowRoom(ctx, asActor(s.userId), room);
      return { ok: true };
    },
  );

  app.post(
    '/api/v1/follows/:room/read',
    {
      schema: {
        summary: 'Mark a followed room read up to a sequence number (forwards only)',
        tags: ['follows'],
        params: S.RoomParams,
        body: S.ReadBody,
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      const { room } = req.params as Static<typeof S.RoomParams>;
      const { seq } = req.body as Static<typeof S.ReadBody>;
      return doMarkRead(ctx, asActor(s.userId), room, seq);
    },
  );

  app.get(
    '/api/v1/invitations',
    {
      schema: {
        summary: 'Invitations after `since` (default: the last seen one)',
        tags: ['follows'],
        querystring: S.InvitationsQuery,
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      return listInvitations(ctx.access, ctx.store.read, s, req.query as Static<typeof S.InvitationsQuery>);
    },
  );

  app.post(
    '/api/v1/invitations/seen',
    {
      schema: {
        summary: 'Mark invitations up to an id seen (the cursor roams)',
        tags: ['follows'],
        body: S.SeenBody,
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      const { id } = req.body as Static<typeof S.SeenBody>;
      return doMarkInvitationsSeen(ctx, asActor(s.userId), id);
    },
  );

  app.get(
    '/api/v1/search',
    {
      schema: {
        summary: 'Search history in every room you may read, newest first (records BACKCHAT)',
        tags: ['messages'],
        querystring: SearchQuery,
      },
    },
    async (req) => {
      const s = await userOf(parts, req);
      const input = searchInputFromWire(req.query as Static<typeof SearchQuery>);
      return searchResultToWire(await doSearch(ctx, asActor(s.userId), input));
    },
  );
}
