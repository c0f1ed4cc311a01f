/**
 * Persistent chat policy resolution (spec §2.7): the most specific policy wins. A policy assigned
 * to the user wins over one assigned to a group, which wins over the global policy. Among groups,
 * the nearest (fewest nesting steps from the user) wins; at equal distance an enabling policy
 * wins (decision recorded in docs/decisions/0004-policy-resolution.md).
 */
import { userRef, type PrincipalRef } from './principals.ts';

export const GLOBAL_POLICY_ID = 'global';

export interface PolicyFacts {
  /** policy id → enabled */
  readonly enabledById: ReadonlyMap<string, boolean>;
  /** principal (user or group) → assigned policy id */
  readonly assignment: ReadonlyMap<PrincipalRef, string>;
}

/**
 * `parentsOf` gives a principal's direct groups. Returns whether chat is enabled for the user and
 * which policy decided it.
 */
export function effectivePolicy(
  userId: string,
  facts: PolicyFacts,
  parentsOf: (ref: PrincipalRef) => readonly PrincipalRef[],
): { policyId: string; chatEnabled: boolean } {
  const own = facts.assignment.get(userRef(userId));
  if (own !== undefined) return { policyId: own, chatEnabled: facts.enabledById.get(own) ?? false };

  const seen = new Set<PrincipalRef>([userRef(userId)]);
  let frontier: PrincipalRef[] = [userRef(userId)];
  while (frontier.length > 0) {
    const next: PrincipalRef[] = [];
    for (const ref of frontier) {
      for (const parent of parentsOf(ref)) {
        if (seen.has(parent)) continue;
        seen.add(parent);
        next.push(parent);
      }
    }
    const decided = next
      .map((ref) => facts.assignment.get(ref))
      .filter((id): id is string => id !== undefined)
      .sort();
    if (decided.length > 0) {
      const enabling = decided.find((id) => facts.enabledById.get(id) === true);
      const policyId = enabling ?? decided[0] ?? GLOBAL_POLICY_ID;
      return { policyId, chatEnabled: facts.enabledById.get(policyId) ?? false };
    }
    frontier = next;
  }
  return { policyId: GLOBAL_POLICY_ID, chatEnabled: facts.enabledById.get(GLOBAL_POLICY_ID) ?? false };
}
