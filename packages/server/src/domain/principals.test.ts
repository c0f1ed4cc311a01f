/** Tests of principal references and affiliation resolution (spec §2.11). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  affiliationsOf,
  domainOfAddress,
  domainRef,
  groupRef,
  idOf,
  isPrincipalRef,
  kindOf,
  matchesAny,
  userRef,
  type PrincipalKind,
  type PrincipalRef,
} from './principals.ts';

/** A directory given as "principal → groups it is a direct member of". */
function directory(edges: Readonly<Record<string, readonly PrincipalRef[]>>) {
  const calls: PrincipalRef[] = [];
  const parentsOf = (ref: PrincipalRef): readonly PrincipalRef[] => {
    calls.push(ref);
    return edges[ref] ?? [];
  };
  return { parentsOf, calls };
}

function sorted(set: ReadonlySet<PrincipalRef>): PrincipalRef[] {
  return [...set].sort();
}

void describe('reference constructors', () => {
  void test('userRef, groupRef and domainRef tag their ids', () => {
    assert.equal(userRef('alice'), 'u:alice');
    assert.equal(groupRef('sales'), 'g:sales');
    assert.equal(domainRef('example.com'), 'd:example.com');
  });

  void test('domainRef lower-cases the domain, userRef and groupRef keep the case', () => {
    assert.equal(domainRef('Example.COM'), 'd:example.com');
    assert.equal(userRef('Alice'), 'u:Alice');
    assert.equal(groupRef('Sales'), 'g:Sales');
  });
});

void describe('kindOf and idOf', () => {
  const cases: readonly { ref: PrincipalRef; kind: PrincipalKind; id: string }[] = [
    { ref: 'u:alice', kind: 'user', id: 'alice' },
    { ref: 'g:sales', kind: 'group', id: 'sales' },
    { ref: 'd:example.com', kind: 'domain', id: 'example.com' },
    { ref: 'u:alice:with:colons', kind: 'user', id: 'alice:with:colons' },
    { ref: 'g:', kind: 'group', id: '' },
    {
      ref: 'u:0b5f2a6e-0000-4000-8000-000000000000',
      kind: 'user',
      id: '0b5f2a6e-0000-4000-8000-000000000000',
    },
  ];
  for (const c of cases)
    void test(`${c.ref} is a ${c.kind} with id "${c.id}"`, () => {
      assert.equal(kindOf(c.ref), c.kind);
      assert.equal(idOf(c.ref), c.id);
    });

  void test('idOf inverts the constructors', () => {
    assert.equal(idOf(userRef('bob')), 'bob');
    assert.equal(idOf(groupRef('g1')), 'g1');
    assert.equal(idOf(domainRef('Other.org')), 'other.org');
  });
});

void describe('isPrincipalRef', () => {
  const cases: readonly { value: string; expected: boolean }[] = [
    { value: 'u:alice', expected: true },
    { value: 'g:sales', expected: true },
    { value: 'd:example.com', expected: true },
    { value: 'u:a', expected: true },
    { value: 'u:alice:x', expected: true },
    { value: 'u:', expected: false },
    { value: 'g:', expected: false },
    { value: 'x:alice', expected: false },
    { value: 'U:alice', expected: false },
    { value: 'u-alice', expected: false },
    { value: 'ualice', expected: false },
    { value: '', expected: false },
    { value: 'u: alice', expected: false },
    { value: 'u:alice bob', expected: false },
    { value: 'u:alice\n', expected: false },
    { value: ' u:alice', expected: false },
    { value: 'user:alice', expected: false },
  ];
  for (const c of cases)
    void test(`${JSON.stringify(c.value)} → ${c.expected ? 'true' : 'false'}`, () => {
      assert.equal(isPrincipalRef(c.value), c.expected);
    });
});

void describe('domainOfAddress', () => {
  const cases: readonly { address: string; expected: string | undefined }[] = [
    { address: 'alice@example.com', expected: 'example.com' },
    { address: 'sip:alice@example.com', expected: 'example.com' },
    { address: 'sip:Alice@Example.COM', expected: 'example.com' },
    { address: 'odd@name@example.com', expected: 'example.com' },
    { address: '@example.com', expected: 'example.com' },
    { address: 'alice', expected: undefined },
    { address: 'alice@', expected: undefined },
    { address: '@', expected: undefined },
    { address: '', expected: undefined },
  ];
  for (const c of cases)
    void test(`${JSON.stringify(c.address)} → ${c.expected ?? 'undefined'}`, () => {
      assert.equal(domainOfAddress(c.address), c.expected);
    });
});

void describe('matchesAny', () => {
  const affiliations = new Set<PrincipalRef>(['u:alice', 'g:sales', 'd:example.com']);
  const cases: readonly { name: string; list: readonly PrincipalRef[]; expected: boolean }[] = [
    { name: 'empty list', list: [], expected: false },
    { name: 'the user itself', list: ['u:alice'], expected: true },
    { name: 'one of her groups', list: ['g:sales'], expected: true },
    { name: 'her domain', list: ['d:example.com'], expected: true },
    { name: 'a match after non-matches', list: ['u:bob', 'g:legal', 'd:example.com'], expected: true },
    { name: 'only others', list: ['u:bob', 'g:legal', 'd:other.org'], expected: false },
    { name: 'same id, other kind', list: ['g:alice', 'u:sales', 'u:example.com'], expected: false },
    { name: 'case matters for users', list: ['u:Alice'], expected: false },
  ];
  for (const c of cases)
    void test(c.name, () => {
      assert.equal(matchesAny(affiliations, c.list), c.expected);
    });

  void test('nothing matches an empty set of affiliations', () => {
    assert.equal(matchesAny(new Set(), ['u:alice', 'g:sales']), false);
  });
});

void describe('affiliationsOf', () => {
  void test('a user with no groups and no domain is only itself', () => {
    const { parentsOf } = directory({});
    assert.deepEqual(sorted(affiliationsOf('alice', undefined, parentsOf)), ['u:alice']);
  });

  void test('an empty domain string adds no domain', () => {
    const { parentsOf } = directory({});
    assert.deepEqual(sorted(affiliationsOf('alice', '', parentsOf)), ['u:alice']);
  });

  void test('the domain is included, lower-cased', () => {
    const { parentsOf } = directory({});
    assert.deepEqual(sorted(affiliationsOf('alice', 'Example.COM', parentsOf)), ['d:example.com', 'u:alice']);
  });

  void test('direct groups are included', () => {
    const { parentsOf } = directory({ 'u:alice': ['g:sales', 'g:emea'] });
    assert.deepEqual(sorted(affiliationsOf('alice', 'example.com', parentsOf)), [
      'd:example.com',
      'g:emea',
      'g:sales',
      'u:alice',
    ]);
  });

  void test('nested groups are included transitively', () => {
    const { parentsOf } = directory({
      'u:alice': ['g:sales'],
      'g:sales': ['g:staff'],
      'g:staff': ['g:everyone'],
      'g:other': ['g:unrelated'],
    });
    assert.deepEqual(sorted(affiliationsOf('alice', undefined, parentsOf)), [
      'g:everyone',
      'g:sales',
      'g:staff',
      'u:alice',
    ]);
  });

  void test('a diamond is resolved once per group', () => {
    const { parentsOf, calls } = directory({
      'u:alice': ['g:left', 'g:right'],
      'g:left': ['g:top'],
      'g:right': ['g:top'],
      'g:top': [],
    });
    assert.deepEqual(sorted(affiliationsOf('alice', undefined, parentsOf)), [
      'g:left',
      'g:right',
      'g:top',
      'u:alice',
    ]);
    assert.deepEqual([...calls].sort(), ['g:left', 'g:right', 'g:top', 'u:alice']);
  });

  void test('a cycle A → B → A terminates and includes both', () => {
    const { parentsOf, calls } = directory({
      'u:alice': ['g:a'],
      'g:a': ['g:b'],
      'g:b': ['g:a'],
    });
    assert.deepEqual(sorted(affiliationsOf('alice', 'example.com', parentsOf)), [
      'd:example.com',
      'g:a',
      'g:b',
      'u:alice',
    ]);
    assert.deepEqual([...calls].sort(), ['g:a', 'g:b', 'u:alice']);
  });

  void test('a self-loop and a cycle back to the user terminate', () => {
    const { parentsOf } = directory({
      'u:alice': ['g:a'],
      'g:a': ['g:a', 'u:alice', 'g:b'],
      'g:b': ['g:b'],
    });
    assert.deepEqual(sorted(affiliationsOf('alice', undefined, parentsOf)), ['g:a', 'g:b', 'u:alice']);
  });

  void test('groups and domains reached through parents are kept as they are', () => {
    const { parentsOf } = directory({ 'u:alice': ['g:sales'], 'g:sales': ['d:partner.org'] });
    assert.deepEqual(sorted(affiliationsOf('alice', 'example.com', parentsOf)), [
      'd:example.com',
      'd:partner.org',
      'g:sales',
      'u:alice',
    ]);
  });

  void test('the domain is not itself expanded', () => {
    const { parentsOf, calls } = directory({ 'd:example.com': ['g:never'] });
    assert.deepEqual(sorted(affiliationsOf('alice', 'example.com', parentsOf)), ['d:example.com', 'u:alice']);
    assert.deepEqual(calls, ['u:alice']);
  });

  void test('a corrupt parent list holding undefined stops the walk instead of crashing (defensive)', () => {
    // Only reachable from untyped callers; the guard must not loop or throw.
    const broken = [undefined] as unknown as readonly PrincipalRef[];
    const result = affiliationsOf('alice', undefined, (ref) => (ref === 'u:alice' ? broken : []));
    assert.ok(result.has('u:alice'));
  });
});
