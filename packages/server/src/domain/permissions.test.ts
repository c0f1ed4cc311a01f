/**
 * Table-driven tests of the permission rules (spec §3, privacy matrix §3.4, pseudo-code §3.9).
 *
 * The expectations of the big `roomRights` table come from `expectedRights`, an oracle written
 * here from the spec; it never calls the module under test. A few literal scenarios and
 * invariants below guard the oracle itself.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Affiliations, PrincipalRef } from './principals.ts';
import {
  affiliationsInScope,
  canCreateIn,
  canMoveTo,
  inScope,
  roleAssignmentProblem,
  roomRights,
  type CategoryRules,
  type Privacy,
  type RoomRights,
  type RoomRole,
  type RoomRules,
  type RoomType,
  type Subject,
} from './permissions.ts';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const ALICE: PrincipalRef = 'u:alice';
const BOB: PrincipalRef = 'u:bob';
const MALLORY: PrincipalRef = 'u:mallory';
const SALES: PrincipalRef = 'g:sales'; // alice's direct group
const STAFF: PrincipalRef = 'g:staff'; // parent of sales (nested group)
const LEGAL: PrincipalRef = 'g:legal'; // alice is not in it
const EXAMPLE: PrincipalRef = 'd:example.com'; // alice's domain
const OTHER: PrincipalRef = 'd:other.org';

/** Alice's resolved affiliations: herself, her domain, her group and its parent group. */
const ALICE_AFFILIATIONS: Affiliations = new Set<PrincipalRef>([ALICE, EXAMPLE, SALES, STAFF]);

function subject(isAdmin: boolean, chatEnabled: boolean, affiliations = ALICE_AFFILIATIONS): Subject {
  return { userId: 'alice', isAdmin, chatEnabled, affiliations };
}

function category(
  allowed: readonly PrincipalRef[],
  denied: readonly PrincipalRef[] = [],
  creators: readonly PrincipalRef[] = [],
): CategoryRules {
  return { allowed, denied, creators };
}

/** The subject's relation to the category scope, with the hand-computed scope of a non-admin. */
interface Relation {
  readonly name: string;
  readonly allowed: readonly PrincipalRef[];
  readonly denied: readonly PrincipalRef[];
  /** Whether alice (not an administrator) is in scope: written by hand, not computed. */
  readonly inScope: boolean;
}

const RELATIONS: readonly Relation[] = [
  { name: 'in scope via allowed user', allowed: [BOB, ALICE], denied: [MALLORY], inScope: true },
  { name: 'in scope via allowed (nested) group', allowed: [LEGAL, STAFF], denied: [BOB], inScope: true },
  { name: 'in scope via allowed domain', allowed: [EXAMPLE], denied: [], inScope: true },
  { name: 'not allowed at all', allowed: [OTHER, LEGAL, BOB], denied: [], inScope: false },
  { name: 'allowed but denied directly', allowed: [SALES], denied: [ALICE], inScope: false },
  {
    name: 'allowed via domain but denied via group (deny wins)',
    allowed: [EXAMPLE],
    denied: [SALES],
    inScope: false,
  },
];

/** Which role entries of the room cover the subject. */
interface Roles {
  readonly name: string;
  readonly member: boolean;
  readonly manager: boolean;
  readonly presenter: boolean;
}

const ROLES: readonly Roles[] = [
  { name: 'no role', member: false, manager: false, presenter: false },
  { name: 'member', member: true, manager: false, presenter: false },
  { name: 'manager only', member: false, manager: true, presenter: false },
  { name: 'member+manager', member: true, manager: true, presenter: false },
  { name: 'member+presenter', member: true, manager: false, presenter: true },
  { name: 'presenter only', member: false, manager: false, presenter: true },
];

/** Role entries can name the subject itself or a group it belongs to. */
const ROLE_VIA: readonly { readonly name: string; readonly ref: PrincipalRef }[] = [
  { name: 'entries name the user', ref: ALICE },
  { name: 'entries name her group', ref: SALES },
];

const PRIVACIES: readonly Privacy[] = ['open', 'closed', 'secret'];
const TYPES: readonly RoomType[] = ['normal', 'auditorium'];
const BOOLS: readonly boolean[] = [false, true];

/** Role lists always hold someone else too, so matching is not "list is non-empty". */
function roleList(has: boolean, via: PrincipalRef): PrincipalRef[] {
  return has ? [BOB, via] : [BOB, LEGAL];
}

interface Cell {
  readonly privacy: Privacy;
  readonly type: RoomType;
  readonly disabled: boolean;
  readonly relation: Relation;
  readonly roles: Roles;
  readonly via: PrincipalRef;
  readonly chatEnabled: boolean;
  readonly admin: boolean;
}

function roomOf(cell: Cell): RoomRules {
  return {
    privacy: cell.privacy,
    type: cell.type,
    disabled: cell.disabled,
    members: roleList(cell.roles.member, cell.via),
    managers: roleList(cell.roles.manager, cell.via),
    presenters: roleList(cell.roles.presenter, cell.via),
    category: category(cell.relation.allowed, cell.relation.denied),
  };
}

// ---------------------------------------------------------------------------------------------
// The oracle (spec §3.1 layers, §3.4 matrix, §3.8 disabled rooms, §3.9 pseudo-code)
// ---------------------------------------------------------------------------------------------
//
// Rules, layer by layer:
//  1. Policy (§2.7, §3.1.1): a subject whose chat policy is disabled can do nothing, except that an
//     administrator keeps `manage` and `administer` (a NON-admin manager with the policy disabled
//     cannot manage). `see` = discover || manage, so such an admin still "sees" the room.
//  2. Category scope (§3.2): inScope = allowed minus denied, deny wins. Administrators are not bound
//     by category scope: inScope is true for them (§3.1.6, §3.3). Role entries of a subject out of
//     scope count for nothing (ethical wall): no member, manager or presenter.
//  3. Roles (§3.3): managers are not members unless also members; managing does not allow joining.
//  4. Privacy (§3.4): open rooms are joinable (hence readable) by anyone in scope, membership neither
//     needed nor used; closed and secret rooms only by members. Discovery is always intersected
//     with category scope; secret rooms are discoverable only by members (and administrators, who
//     discover every non-disabled room when their policy is enabled, but still need membership to
//     join a closed or secret room). A secret room is invisible to non-members: `see` is false
//     unless they manage it, indistinguishable from a missing room.
//     seeRoles = manage || (discover && (privacy != secret || member)).
//     Room type (§3.5): in an auditorium only presenters post; a presenter must be a member unless
//     the room is open (joining requires membership); administrators and managers cannot post in an
//     auditorium unless they are presenters. In a normal room everyone who may join may post.
//  5. Disabled rooms (§3.8): no discover, join, read or post for anyone, but managers and
//     administrators keep `manage` (and therefore `see` and `seeRoles`).
//  6. `administer` (delete, move anywhere) is for administrators only, whatever else holds.
function expectedRights(cell: Cell): RoomRights {
  const { admin, chatEnabled, privacy, type } = cell;
  const nothing: RoomRights = {
    discover: false,
    see: false,
    seeRoles: false,
    join: false,
    read: false,
    post: false,
    manage: false,
    administer: false,
  };

  // Layer 1: the policy.
  if (!chatEnabled) {
    return admin ? { ...nothing, see: true, seeRoles: true, manage: true, administer: true } : nothing;
  }

  // Layer 2: the category scope; administrators are never out of scope.
  const scoped = admin || cell.relation.inScope;
  // Ethical wall: a non-admin out of scope gets nothing, whatever their role entries say.
  if (!scoped) return nothing;

  // Layer 3: the roles (only counted in scope).
  const isMember = cell.roles.member;
  const isManager = cell.roles.manager;
  const isPresenter = type === 'auditorium' && cell.roles.presenter;
  const manage = admin || isManager;

  // Layer 5: disabled rooms are unreachable but stay manageable.
  if (cell.disabled) {
    return { ...nothing, see: manage, seeRoles: manage, manage, administer: admin };
  }

  // Layer 4: the privacy matrix, row by row (the subject is policy-enabled and in scope here).
  const discoverByPrivacy: Record<Privacy, boolean> = {
    open: true, // anyone in scope
    closed: true, // anyone in scope
    secret: isMember || admin, // members only; administrators discover everything
  };
  const joinByPrivacy: Record<Privacy, boolean> = {
    open: true, // anyone in scope, membership not needed
    closed: isMember, // members only (admins too need membership)
    secret: isMember,
  };
  const discover = discoverByPrivacy[privacy];
  const join = joinByPrivacy[privacy];
  const post = join && (type === 'normal' || isPresenter);
  const seeRoles = manage || (discover && (privacy !== 'secret' || isMember));

  return {
    discover,
    see: discover || manage,
    seeRoles,
    join,
    read: join, // history needs the right to join, not an actual join
    post,
    manage,
    administer: admin,
  };
}

function allCells(): Cell[] {
  const cells: Cell[] = [];
  for (const privacy of PRIVACIES)
    for (const type of TYPES)
      for (const disabled of BOOLS)
        for (const relation of RELATIONS)
          for (const roles of ROLES)
            for (const { ref: via } of ROLE_VIA)
              for (const chatEnabled of BOOLS)
                for (const admin of BOOLS)
                  cells.push({ privacy, type, disabled, relation, roles, via, chatEnabled, admin });
  return cells;
}

const CELLS = allCells();

function viaName(via: PrincipalRef): string {
  return ROLE_VIA.find((v) => v.ref === via)?.name ?? via;
}

function cellName(cell: Cell): string {
  return [
    cell.roles.name,
    viaName(cell.via),
    cell.chatEnabled ? 'policy on' : 'policy off',
    cell.admin ? 'administrator' : 'not admin',
  ].join(' · ');
}

// ---------------------------------------------------------------------------------------------
// The cross product
// ---------------------------------------------------------------------------------------------

void describe('roomRights: full cross product against the spec oracle', () => {
  void test('the table has every combination', () => {
    assert.equal(CELLS.length, 3 * 2 * 2 * 6 * 6 * 2 * 2 * 2);
  });

  for (const privacy of PRIVACIES)
    for (const type of TYPES)
      for (const disabled of BOOLS)
        void describe(`${privacy} ${type} room, ${disabled ? 'disabled' : 'enabled'}`, () => {
          for (const relation of RELATIONS)
            void describe(relation.name, () => {
              const cells = CELLS.filter(
                (c) =>
                  c.privacy === privacy &&
                  c.type === type &&
                  c.disabled === disabled &&
                  c.relation === relation,
              );
              for (const cell of cells)
                void test(cellName(cell), () => {
                  assert.deepEqual(
                    roomRights(subject(cell.admin, cell.chatEnabled), roomOf(cell)),
                    expectedRights(cell),
                  );
                });
            });
        });
});

// ---------------------------------------------------------------------------------------------
// Invariants over the whole table (they hold whatever the oracle says)
// ---------------------------------------------------------------------------------------------

void describe('roomRights: invariants over every cell', () => {
  const rows = CELLS.map((cell) => ({
    cell,
    rights: roomRights(subject(cell.admin, cell.chatEnabled), roomOf(cell)),
  }));

  void test('read is exactly join (history needs the right to join)', () => {
    for (const { rights } of rows) assert.equal(rights.read, rights.join);
  });

  void test('see is discover or manage', () => {
    for (const { rights } of rows) assert.equal(rights.see, rights.discover || rights.manage);
  });

  void test('post implies join', () => {
    for (const { rights } of rows) if (rights.post) assert.ok(rights.join);
  });

  void test('administer is exactly isAdmin', () => {
    for (const { cell, rights } of rows) assert.equal(rights.administer, cell.admin);
  });

  void test('administrators always manage, whatever the policy, scope or room state', () => {
    for (const { cell, rights } of rows) if (cell.admin) assert.ok(rights.manage);
  });

  void test('a disabled room is neither discovered, joined, read nor posted to', () => {
    for (const { cell, rights } of rows)
      if (cell.disabled) {
        assert.equal(rights.discover, false);
        assert.equal(rights.join, false);
        assert.equal(rights.read, false);
        assert.equal(rights.post, false);
      }
  });

  void test('a non-admin with the chat policy disabled gets nothing at all', () => {
    for (const { cell, rights } of rows)
      if (!cell.admin && !cell.chatEnabled) assert.ok(Object.values(rights).every((v) => !v));
  });

  void test('a non-admin out of the category scope gets nothing at all (ethical wall)', () => {
    for (const { cell, rights } of rows)
      if (!cell.admin && !cell.relation.inScope) assert.ok(Object.values(rights).every((v) => !v));
  });

  void test('in an auditorium, only presenters post', () => {
    for (const { cell, rights } of rows)
      if (cell.type === 'auditorium' && !cell.roles.presenter) assert.equal(rights.post, false);
  });

  void test('a secret room is invisible to a non-member who does not manage it', () => {
    for (const { cell, rights } of rows)
      if (cell.privacy === 'secret' && !cell.admin && !cell.roles.member && !cell.roles.manager) {
        assert.equal(rights.see, false);
        assert.equal(rights.seeRoles, false);
      }
  });

  void test('in closed and secret rooms, joining needs membership even for administrators', () => {
    for (const { cell, rights } of rows)
      if (cell.privacy !== 'open' && !cell.roles.member) assert.equal(rights.join, false);
  });
});

// ---------------------------------------------------------------------------------------------
// Literal scenarios (expected values written out by hand, independent of the oracle)
// ---------------------------------------------------------------------------------------------

function rights(over: Partial<RoomRights>): RoomRights {
  return {
    discover: false,
    see: false,
    seeRoles: false,
    join: false,
    read: false,
    post: false,
    manage: false,
    administer: false,
    ...over,
  };
}

interface Scenario {
  readonly name: string;
  readonly subject: Subject;
  readonly room: RoomRules;
  readonly expected: RoomRights;
}

const inScopeCategory = category([EXAMPLE]);

function room(over: Partial<RoomRules>): RoomRules {
  return {
    privacy: 'closed',
    type: 'normal',
    disabled: false,
    members: [],
    managers: [],
    presenters: [],
    category: inScopeCategory,
    ...over,
  };
}

const everything = rights({
  discover: true,
  see: true,
  seeRoles: true,
  join: true,
  read: true,
  post: true,
});

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'open room: anyone in scope joins, reads and posts without membership',
    subject: subject(false, true),
    room: room({ privacy: 'open' }),
    expected: everything,
  },
  {
    name: 'closed room: a non-member in scope discovers it and sees its roles but cannot join',
    subject: subject(false, true),
    room: room({ privacy: 'closed' }),
    expected: rights({ discover: true, see: true, seeRoles: true }),
  },
  {
    name: 'closed room: a member joins, reads and posts',
    subject: subject(false, true),
    room: room({ privacy: 'closed', members: [ALICE] }),
    expected: everything,
  },
  {
    name: 'secret room: a non-member in scope cannot even see it',
    subject: subject(false, true),
    room: room({ privacy: 'secret' }),
    expected: rights({}),
  },
  {
    name: 'secret room: a member through a nested group does everything',
    subject: subject(false, true),
    room: room({ privacy: 'secret', members: [STAFF] }),
    expected: everything,
  },
  {
    name: 'secret room: a manager who is not a member sees and manages it but cannot discover or join',
    subject: subject(false, true),
    room: room({ privacy: 'secret', managers: [ALICE] }),
    expected: rights({ see: true, seeRoles: true, manage: true }),
  },
  {
    name: 'closed room: a manager is not a member',
    subject: subject(false, true),
    room: room({ managers: [ALICE] }),
    expected: rights({ discover: true, see: true, seeRoles: true, manage: true }),
  },
  {
    name: 'secret room: an administrator discovers it but needs membership to join',
    subject: subject(true, true),
    room: room({ privacy: 'secret', category: category([OTHER]) }),
    expected: rights({ discover: true, see: true, seeRoles: true, manage: true, administer: true }),
  },
  {
    name: 'closed room out of the admin scope: an administrator member joins it',
    subject: subject(true, true),
    room: room({ members: [ALICE], category: category([OTHER], [ALICE]) }),
    expected: rights({ ...everything, manage: true, administer: true }),
  },
  {
    name: 'auditorium: a member who is not a presenter reads but does not post',
    subject: subject(false, true),
    room: room({ type: 'auditorium', members: [ALICE] }),
    expected: rights({ discover: true, see: true, seeRoles: true, join: true, read: true }),
  },
  {
    name: 'open auditorium: a presenter needs no membership to post',
    subject: subject(false, true),
    room: room({ privacy: 'open', type: 'auditorium', presenters: [ALICE] }),
    expected: everything,
  },
  {
    name: 'closed auditorium: a presenter who is not a member cannot post',
    subject: subject(false, true),
    room: room({ type: 'auditorium', presenters: [ALICE] }),
    expected: rights({ discover: true, see: true, seeRoles: true }),
  },
  {
    name: 'auditorium: an administrator member and manager does not post unless a presenter',
    subject: subject(true, true),
    room: room({ type: 'auditorium', members: [ALICE], managers: [ALICE] }),
    expected: rights({ ...everything, post: false, manage: true, administer: true }),
  },
  {
    name: 'disabled room: a member-manager only keeps manage',
    subject: subject(false, true),
    room: room({ disabled: true, privacy: 'open', members: [ALICE], managers: [ALICE] }),
    expected: rights({ see: true, seeRoles: true, manage: true }),
  },
  {
    name: 'disabled room: an administrator only keeps manage and administer',
    subject: subject(true, true),
    room: room({ disabled: true, privacy: 'open', members: [ALICE] }),
    expected: rights({ see: true, seeRoles: true, manage: true, administer: true }),
  },
  {
    name: 'policy disabled: a manager member gets nothing',
    subject: subject(false, false),
    room: room({ privacy: 'open', members: [ALICE], managers: [ALICE] }),
    expected: rights({}),
  },
  {
    name: 'policy disabled: an administrator only keeps manage and administer',
    subject: subject(true, false),
    room: room({ privacy: 'open', members: [ALICE] }),
    expected: rights({ see: true, seeRoles: true, manage: true, administer: true }),
  },
];

void describe('roomRights: literal scenarios', () => {
  for (const scenario of SCENARIOS)
    void test(scenario.name, () => {
      assert.deepEqual(roomRights(scenario.subject, scenario.room), scenario.expected);
    });
});

// ---------------------------------------------------------------------------------------------
// Ethical walls
// ---------------------------------------------------------------------------------------------

void describe('ethical wall: a user denied by the category reaches none of its rooms', () => {
  const walls: readonly { readonly name: string; readonly category: CategoryRules }[] = [
    { name: 'denied directly, allowed directly', category: category([ALICE], [ALICE]) },
    { name: 'denied directly, allowed by domain', category: category([EXAMPLE], [ALICE]) },
    { name: 'denied by group, allowed directly', category: category([ALICE], [SALES]) },
    { name: 'denied by parent group, allowed by group', category: category([SALES], [STAFF]) },
    { name: 'denied by domain, allowed by group', category: category([SALES], [EXAMPLE]) },
  ];
  const everyRole: readonly PrincipalRef[] = [ALICE, SALES, STAFF, EXAMPLE];

  for (const wall of walls)
    for (const privacy of PRIVACIES)
      for (const type of TYPES)
        void test(`${wall.name}: ${privacy} ${type} room listing her in every role`, () => {
          const r = roomRights(subject(false, true), {
            privacy,
            type,
            disabled: false,
            members: everyRole,
            managers: everyRole,
            presenters: everyRole,
            category: wall.category,
          });
          assert.equal(r.discover, false, 'discover');
          assert.equal(r.see, false, 'see');
          assert.equal(r.seeRoles, false, 'seeRoles');
          assert.equal(r.join, false, 'join');
          assert.equal(r.read, false, 'read');
          assert.equal(r.post, false, 'post');
          assert.equal(r.manage, false, 'manage');
          assert.equal(r.administer, false, 'administer');
        });

  void test('the same user on the allowed side of the wall gets in', () => {
    const r = roomRights(
      subject(false, true),
      room({ members: [ALICE], category: category([ALICE], [LEGAL]) }),
    );
    assert.equal(r.join, true);
    assert.equal(r.read, true);
  });

  void test('an administrator is not bound by the wall', () => {
    const r = roomRights(
      subject(true, true),
      room({ members: [ALICE], category: category([ALICE], [ALICE]) }),
    );
    assert.equal(r.discover, true);
    assert.equal(r.join, true);
    assert.equal(r.read, true);
    assert.equal(r.manage, true);
  });
});

// ---------------------------------------------------------------------------------------------
// inScope and affiliationsInScope
// ---------------------------------------------------------------------------------------------

void describe('affiliationsInScope', () => {
  const cases: readonly {
    readonly name: string;
    readonly affiliations: readonly PrincipalRef[];
    readonly allowed: readonly PrincipalRef[];
    readonly denied: readonly PrincipalRef[];
    readonly expected: boolean;
  }[] = [
    {
      name: 'empty allowed list admits nobody',
      affiliations: [ALICE],
      allowed: [],
      denied: [],
      expected: false,
    },
    {
      name: 'no affiliation at all is never in scope',
      affiliations: [],
      allowed: [ALICE, EXAMPLE],
      denied: [],
      expected: false,
    },
    { name: 'allowed user', affiliations: [ALICE], allowed: [ALICE], denied: [], expected: true },
    { name: 'allowed group', affiliations: [ALICE, SALES], allowed: [SALES], denied: [], expected: true },
    {
      name: 'allowed domain',
      affiliations: [ALICE, EXAMPLE],
      allowed: [EXAMPLE],
      denied: [],
      expected: true,
    },
    {
      name: 'someone else allowed',
      affiliations: [ALICE],
      allowed: [BOB, LEGAL, OTHER],
      denied: [],
      expected: false,
    },
    {
      name: 'allowed and denied directly',
      affiliations: [ALICE],
      allowed: [ALICE],
      denied: [ALICE],
      expected: false,
    },
    {
      name: 'allowed by domain, denied by group: deny wins',
      affiliations: [ALICE, EXAMPLE, SALES],
      allowed: [EXAMPLE],
      denied: [SALES],
      expected: false,
    },
    {
      name: 'denied without being allowed',
      affiliations: [ALICE],
      allowed: [],
      denied: [ALICE],
      expected: false,
    },
    {
      name: 'someone else denied does not matter',
      affiliations: [ALICE, EXAMPLE],
      allowed: [EXAMPLE],
      denied: [BOB, LEGAL],
      expected: true,
    },
    {
      name: 'a group principal described by its own affiliations',
      affiliations: [SALES, STAFF],
      allowed: [STAFF],
      denied: [],
      expected: true,
    },
    {
      name: 'a domain principal',
      affiliations: [EXAMPLE],
      allowed: [EXAMPLE],
      denied: [],
      expected: true,
    },
  ];
  for (const c of cases)
    void test(c.name, () => {
      assert.equal(affiliationsInScope(new Set(c.affiliations), category(c.allowed, c.denied)), c.expected);
    });
});

void describe('inScope', () => {
  for (const relation of RELATIONS)
    for (const admin of BOOLS)
      for (const chatEnabled of BOOLS) {
        // Administrators are not bound by category scope; the policy plays no part in scope.
        const expected = admin || relation.inScope;
        void test(`${relation.name}, ${admin ? 'administrator' : 'not admin'}, policy ${chatEnabled ? 'on' : 'off'}`, () => {
          assert.equal(
            inScope(subject(admin, chatEnabled), category(relation.allowed, relation.denied)),
            expected,
          );
        });
      }

  void test('an administrator is in scope of a category allowing nobody', () => {
    assert.equal(inScope(subject(true, true), category([])), true);
  });

  void test('a non-admin is not in scope of a category allowing nobody', () => {
    assert.equal(inScope(subject(false, true), category([])), false);
  });
});

// ---------------------------------------------------------------------------------------------
// canCreateIn (spec §3.6)
// ---------------------------------------------------------------------------------------------

void describe('canCreateIn', () => {
  const cases: readonly {
    readonly name: string;
    readonly admin: boolean;
    readonly chatEnabled: boolean;
    readonly category: CategoryRules;
    readonly expected: boolean;
  }[] = [
    {
      name: 'creator listed directly, in scope',
      admin: false,
      chatEnabled: true,
      category: category([EXAMPLE], [], [ALICE]),
      expected: true,
    },
    {
      name: 'creator through a nested group, in scope',
      admin: false,
      chatEnabled: true,
      category: category([EXAMPLE], [], [STAFF]),
      expected: true,
    },
    {
      name: 'creator through the domain, in scope',
      admin: false,
      chatEnabled: true,
      category: category([SALES], [], [EXAMPLE]),
      expected: true,
    },
    {
      name: 'in scope but not a creator',
      admin: false,
      chatEnabled: true,
      category: category([EXAMPLE], [], [BOB, LEGAL]),
      expected: false,
    },
    {
      name: 'no creators at all',
      admin: false,
      chatEnabled: true,
      category: category([EXAMPLE]),
      expected: false,
    },
    {
      name: 'creator but not allowed',
      admin: false,
      chatEnabled: true,
      category: category([OTHER], [], [ALICE]),
      expected: false,
    },
    {
      name: 'creator but denied (deny wins)',
      admin: false,
      chatEnabled: true,
      category: category([EXAMPLE], [SALES], [ALICE]),
      expected: false,
    },
    {
      name: 'creator in scope but chat policy disabled',
      admin: false,
      chatEnabled: false,
      category: category([EXAMPLE], [], [ALICE]),
      expected: false,
    },
    {
      name: 'administrator, neither creator nor in scope',
      admin: true,
      chatEnabled: true,
      category: category([OTHER], [ALICE]),
      expected: true,
    },
    {
      name: 'administrator with the chat policy disabled',
      admin: true,
      chatEnabled: false,
      category: category([]),
      expected: true,
    },
  ];
  for (const c of cases)
    void test(c.name, () => {
      assert.equal(canCreateIn(subject(c.admin, c.chatEnabled), c.category), c.expected);
    });
});

// ---------------------------------------------------------------------------------------------
// canMoveTo (spec §3.3 Manager, §3.9 canMove)
// ---------------------------------------------------------------------------------------------

void describe('canMoveTo', () => {
  const source = category([EXAMPLE]);
  const targetCreator = category([EXAMPLE], [], [SALES]);
  const targetNotCreator = category([EXAMPLE], [], [BOB]);
  const targetCreatorDenied = category([EXAMPLE], [ALICE], [SALES]);
  const managed = room({ managers: [ALICE], category: source });
  const notManaged = room({ members: [ALICE], category: source });
  const managedBehindWall = room({ managers: [ALICE], category: category([EXAMPLE], [SALES]) });

  const cases: readonly {
    readonly name: string;
    readonly admin: boolean;
    readonly chatEnabled: boolean;
    readonly room: RoomRules;
    readonly target: CategoryRules;
    readonly expected: boolean;
  }[] = [
    {
      name: 'manager who is a creator of the target',
      admin: false,
      chatEnabled: true,
      room: managed,
      target: targetCreator,
      expected: true,
    },
    {
      name: 'manager who is not a creator of the target',
      admin: false,
      chatEnabled: true,
      room: managed,
      target: targetNotCreator,
      expected: false,
    },
    {
      name: 'creator of the target who does not manage the room',
      admin: false,
      chatEnabled: true,
      room: notManaged,
      target: targetCreator,
      expected: false,
    },
    {
      name: 'manager and creator of the target, but denied by the target',
      admin: false,
      chatEnabled: true,
      room: managed,
      target: targetCreatorDenied,
      expected: false,
    },
    {
      name: 'manager entry behind the source category wall counts for nothing',
      admin: false,
      chatEnabled: true,
      room: managedBehindWall,
      target: targetCreator,
      expected: false,
    },
    {
      name: 'manager and creator with the chat policy disabled',
      admin: false,
      chatEnabled: false,
      room: managed,
      target: targetCreator,
      expected: false,
    },
    {
      name: 'manager and creator into a disabled room (managers keep manage)',
      admin: false,
      chatEnabled: true,
      room: { ...managed, disabled: true },
      target: targetCreator,
      expected: true,
    },
    {
      name: 'administrator who neither manages nor creates',
      admin: true,
      chatEnabled: true,
      room: room({ category: category([OTHER]) }),
      target: category([OTHER], [ALICE]),
      expected: true,
    },
    {
      name: 'administrator with the chat policy disabled',
      admin: true,
      chatEnabled: false,
      room: notManaged,
      target: targetNotCreator,
      expected: true,
    },
  ];
  for (const c of cases)
    void test(c.name, () => {
      assert.equal(canMoveTo(subject(c.admin, c.chatEnabled), c.room, c.target), c.expected);
    });
});

// ---------------------------------------------------------------------------------------------
// roleAssignmentProblem (spec §3.2, §3.3, §3.5)
// ---------------------------------------------------------------------------------------------

void describe('roleAssignmentProblem', () => {
  const cat = category([EXAMPLE, STAFF], [MALLORY, LEGAL]);
  const principals: readonly {
    readonly name: string;
    readonly affiliations: readonly PrincipalRef[];
    readonly inScope: boolean;
  }[] = [
    { name: 'user in scope by domain', affiliations: [ALICE, EXAMPLE, SALES, STAFF], inScope: true },
    { name: 'group whose own affiliations are in scope', affiliations: [SALES, STAFF], inScope: true },
    { name: 'domain in scope', affiliations: [EXAMPLE], inScope: true },
    { name: 'user not allowed', affiliations: [BOB, OTHER], inScope: false },
    { name: 'user allowed but denied', affiliations: [MALLORY, EXAMPLE], inScope: false },
    { name: 'group allowed but denied', affiliations: [LEGAL, STAFF], inScope: false },
    { name: 'group not allowed', affiliations: [LEGAL], inScope: false },
  ];
  const roles: readonly RoomRole[] = ['member', 'manager', 'presenter'];

  // Oracle: presenters need an auditorium (checked first, for everyone); then anyone but an
  // administrator user must be in the category scope.
  for (const role of roles)
    for (const roomType of TYPES)
      for (const principal of principals)
        for (const isAdminUser of BOOLS) {
          const expected =
            role === 'presenter' && roomType !== 'auditorium'
              ? 'presenters_need_auditorium'
              : !isAdminUser && !principal.inScope
                ? 'out_of_scope'
                : undefined;
          void test(`${role} in a ${roomType} room: ${principal.name}${isAdminUser ? ' (administrator)' : ''}`, () => {
            assert.equal(
              roleAssignmentProblem(role, roomType, new Set(principal.affiliations), isAdminUser, cat),
              expected,
            );
          });
        }

  void test('presenter on a normal room is refused even for an administrator', () => {
    assert.equal(
      roleAssignmentProblem('presenter', 'normal', new Set([ALICE]), true, category([ALICE])),
      'presenters_need_auditorium',
    );
  });

  void test('a group principal whose own affiliations are in scope is eligible', () => {
    assert.equal(
      roleAssignmentProblem('member', 'normal', new Set([SALES, STAFF]), false, category([STAFF])),
      undefined,
    );
  });

  void test('a user denied by the category is out of scope', () => {
    assert.equal(
      roleAssignmentProblem(
        'manager',
        'normal',
        new Set([ALICE, EXAMPLE]),
        false,
        category([EXAMPLE], [ALICE]),
      ),
      'out_of_scope',
    );
  });

  void test('an administrator user is eligible anywhere, even where denied', () => {
    assert.equal(
      roleAssignmentProblem('presenter', 'auditorium', new Set([ALICE]), true, category([OTHER], [ALICE])),
      undefined,
    );
  });
});
