/**
 * The named fixture organisation, built through the real actions as the command line would:
 *
 *   users   alice, bob, carol (example.com), dave (partner.org), erin (example.com, in "legal"),
 *           root (administrator)
 *   groups  staff = {alice, bob, carol, erin}, legal = {erin}
 *   category "Engineering": allowed staff, denied legal (an ethical wall around erin)
 *   category "Lounge": allowed example.com and partner.org; history off ("Lounge" keeps nothing)
 *   rooms   eng-open (open), eng-closed (closed, members alice & bob), eng-secret (secret, member alice),
 *           eng-stage (auditorium, members alice, bob; presenter alice), lounge (open, in Lounge)
 *
 * Every password is "password-<username>".
 */
import type { ActionContext } from '../../src/actions/context.ts';
import { doCreateCategory } from '../../src/actions/categories.ts';
import { doCreateGroup, doCreateUser } from '../../src/actions/directory.ts';
import { doCreateRoom } from '../../src/actions/rooms.ts';
import type { Actor, Category, Room, User } from '../../src/domain/model.ts';

export const CLI: Actor = { kind: 'cli', osUser: 'test' };

export interface Org {
  users: Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'root', User>;
  categories: Record<'engineering' | 'lounge', Category>;
  rooms: Record<'engOpen' | 'engClosed' | 'engSecret' | 'engStage' | 'lounge', Room>;
}

export async function buildOrg(ctx: ActionContext): Promise<Org> {
  const mk = (username: string, domain: string, isAdmin = false) =>
    doCreateUser(ctx, CLI, {
      username,
      sipUri: `sip:${username}@${domain}`,
      password: `password-${username}`,
      isAdmin,
      displayName: username.charAt(0).toUpperCase() + username.slice(1),
    });
  const users = {
    alice: await mk('alice', 'example.com'),
    bob: await mk('bob', 'example.com'),
    carol: await mk('carol', 'example.com'),
    dave: await mk('dave', 'partner.org'),
    erin: await mk('erin', 'example.com'),
    root: await mk('root', 'example.com', true),
  };
  await doCreateGroup(ctx, CLI, { name: 'staff', members: ['alice', 'bob', 'carol', 'erin'] });
  await doCreateGroup(ctx, CLI, { name: 'legal', members: ['erin'] });
  const engineering = await doCreateCategory(ctx, CLI, {
    name: 'Engineering',
    allowed: ['group:staff'],
    denied: ['group:legal'],
    creators: ['alice'],
  });
  const lounge = await doCreateCategory(ctx, CLI, {
    name: 'Lounge',
    allowed: ['domain:example.com', 'domain:partner.org'],
    chatHistory: false,
  });
  const rooms = {
    engOpen: await doCreateRoom(ctx, CLI, { name: 'eng-open', category: 'Engineering', privacy: 'open' }),
    engClosed: await doCreateRoom(ctx, CLI, {
      name: 'eng-closed',
      category: 'Engineering',
      members: ['alice', 'bob'],
      managers: ['alice'],
    }),
    engSecret: await doCreateRoom(ctx, CLI, {
      name: 'eng-secret',
      category: 'Engineering',
      privacy: 'secret',
      members: ['alice'],
      managers: ['alice'],
    }),
    engStage: await doCreateRoom(ctx, CLI, {
      name: 'eng-stage',
      category: 'Engineering',
      type: 'auditorium',
      members: ['alice', 'bob'],
      presenters: ['alice'],
    }),
    lounge: await doCreateRoom(ctx, CLI, { name: 'lounge', category: 'Lounge', privacy: 'open' }),
  };
  return { users, categories: { engineering, lounge }, rooms };
}
