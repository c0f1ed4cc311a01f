/**
 * Principals (spec §2.11): users, groups (nested) and whole domains. A principal reference is a
 * short tagged string so it can be stored, compared and put in sets cheaply:
 *   u:<userId>   g:<groupId>   d:<domain, lower case>
 */
export type PrincipalRef = `u:${string}` | `g:${string}` | `d:${string}`;

export type PrincipalKind = 'user' | 'group' | 'domain';

export function userRef(userId: string): PrincipalRef {
  return `u:${userId}`;
}
export function groupRef(groupId: string): PrincipalRef {
  return `g:${groupId}`;
}
export function domainRef(domain: string): PrincipalRef {
  return `d:${domain.toLowerCase()}`;
}

export function kindOf(ref: PrincipalRef): PrincipalKind {
  switch (ref.charAt(0)) {
    case 'u':
      return 'user';
    case 'g':
      return 'group';
    default:
      return 'domain';
  }
}

export function idOf(ref: PrincipalRef): string {
  return ref.slice(2);
}

export function isPrincipalRef(value: string): value is PrincipalRef {
  return /^[ugd]:[^\s]+$/.test(value);
}

/** The domain part of an address such as `sip:alice@example.com` or `alice@example.com`. */
export function domainOfAddress(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0 || at === address.length - 1) return undefined;
  return address.slice(at + 1).toLowerCase();
}

/**
 * Everything a user "is" for access checks: the user itself, its domain and every group it belongs
 * to directly or through nesting. Computed by `affiliationsOf`; lists are matched against it.
 */
export type Affiliations = ReadonlySet<PrincipalRef>;

/**
 * Resolves a user's affiliations. `parentsOf` gives the groups a principal is a direct member of.
 * Cycle-safe: each group is visited once whatever the nesting.
 */
export function affiliationsOf(
  userId: string,
  domain: string | undefined,
  parentsOf: (ref: PrincipalRef) => readonly PrincipalRef[],
): Affiliations {
  const out = new Set<PrincipalRef>();
  const self = userRef(userId);
  out.add(self);
  if (domain) out.add(domainRef(domain));
  const queue: PrincipalRef[] = [self];
  while (queue.length > 0) {
    const next = queue.pop();
    if (next === undefined) break;
    for (const parent of parentsOf(next)) {
      if (!out.has(parent)) {
        out.add(parent);
        queue.push(parent);
      }
    }
  }
  return out;
}

/** True when any principal of `list` covers the user described by `affiliations`. */
export function matchesAny(affiliations: Affiliations, list: readonly PrincipalRef[]): boolean {
  for (const ref of list) if (affiliations.has(ref)) return true;
  return false;
}
