/**
 * The persistent chat permission rules (spec §3, pseudo-code §3.9, privacy matrix §3.4) as pure
 * functions: data in, booleans out. Decisions taken where the spec is ambiguous are recorded in
 * docs/decisions/0003-permission-rules.md.
 */
import { matchesAny, type Affiliations, type PrincipalRef } from './principals.ts';

export type Privacy = 'open' | 'closed' | 'secret';
export type RoomType = 'normal' | 'auditorium';

/** Who is asking: resolved once per request or connection. */
export interface Subject {
  readonly userId: string;
  readonly isAdmin: boolean;
  /** The effective persistent chat policy (spec §2.7). */
  readonly chatEnabled: boolean;
  readonly affiliations: Affiliations;
}

/** The parts of a category that decide access. */
export interface CategoryRules {
  readonly allowed: readonly PrincipalRef[];
  readonly denied: readonly PrincipalRef[];
  readonly creators: readonly PrincipalRef[];
}

/** The parts of a room that decide access. */
export interface RoomRules {
  readonly privacy: Privacy;
  readonly type: RoomType;
  readonly disabled: boolean;
  readonly members: readonly PrincipalRef[];
  readonly managers: readonly PrincipalRef[];
  readonly presenters: readonly PrincipalRef[];
  readonly category: CategoryRules;
}

/** What a subject may do with one room. */
export interface RoomRights {
  /** Listed in the directory and found by search (spec §3.4 row 1). */
  readonly discover: boolean;
  /** May load the room's details at all (discover, or manage it). Otherwise it looks missing. */
  readonly see: boolean;
  /** May see who the members, managers and presenters are. */
  readonly seeRoles: boolean;
  readonly join: boolean;
  /** Read history and search content; joining is not required. */
  readonly read: boolean;
  /** Post, once joined. */
  readonly post: boolean;
  /** Change properties and roles, disable and enable. */
  readonly manage: boolean;
  /** Delete the room, move it anywhere: administrators only. */
  readonly administer: boolean;
}

/**
 * The ethical wall: allowed minus denied, deny winning. Administrators are not bound by it (spec
 * §3.3: "not bound by Creators or AllowedMembers").
 */
export function inScope(subject: Subject, category: CategoryRules): boolean {
  return subject.isAdmin || affiliationsInScope(subject.affiliations, category);
}

/** Scope for any principal described by its affiliations (a user, a group, a domain). */
export function affiliationsInScope(affiliations: Affiliations, category: CategoryRules): boolean {
  return matchesAny(affiliations, category.allowed) && !matchesAny(affiliations, category.denied);
}

export function roomRights(subject: Subject, room: RoomRules): RoomRights {
  const scoped = subject.chatEnabled && inScope(subject, room.category);
  const member = scoped && matchesAny(subject.affiliations, room.members);
  const manager = matchesAny(subject.affiliations, room.managers) && scoped;
  const presenter = room.type === 'auditorium' && scoped && matchesAny(subject.affiliations, room.presenters);
  const live = !room.disabled;

  const join = live && (room.privacy === 'open' ? scoped : member);
  const discover =
    live && subject.chatEnabled && (subject.isAdmin || (scoped && (room.privacy !== 'secret' || member)));
  const manage = subject.isAdmin || manager;
  const post = join && (room.type === 'normal' || presenter);
  const seeRoles = manage || (discover && (room.privacy !== 'secret' || member));

  return {
    discover,
    see: discover || manage,
    seeRoles,
    join,
    read: join,
    post,
    manage,
    administer: subject.isAdmin,
  };
}

/** May create rooms in the category (spec §3.6). */
export function canCreateIn(subject: Subject, category: CategoryRules): boolean {
  if (subject.isAdmin) return true;
  return (
    subject.chatEnabled &&
    matchesAny(subject.affiliations, category.creators) &&
    affiliationsInScope(subject.affiliations, category)
  );
}

/** May move a room from its category into `target` (spec §3.3 Manager, §3.9 canMove). */
export function canMoveTo(subject: Subject, room: RoomRules, target: CategoryRules): boolean {
  return subject.isAdmin || (roomRights(subject, room).manage && canCreateIn(subject, target));
}

export type RoomRole = 'member' | 'manager' | 'presenter';

/**
 * Whether a principal (user, group or domain, described by its own affiliations) may hold a role
 * in a room of `category`. `isAdminUser` lets administrators add themselves anywhere (spec §3.3).
 * Presenters need an auditorium (spec §3.5).
 */
export function roleAssignmentProblem(
  role: RoomRole,
  roomType: RoomType,
  principal: Affiliations,
  isAdminUser: boolean,
  category: CategoryRules,
): 'out_of_scope' | 'presenters_need_auditorium' | undefined {
  if (role === 'presenter' && roomType !== 'auditorium') return 'presenters_need_auditorium';
  if (!isAdminUser && !affiliationsInScope(principal, category)) return 'out_of_scope';
  return undefined;
}
