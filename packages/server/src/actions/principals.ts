/**
 * Turning what people type into principal references: `alice`, `sip:alice@example.com`,
 * `user:alice`, `group:sales`, `domain:example.com`, or a canonical `u:…`/`g:…`/`d:…` reference.
 * An unknown user or group fails `not_found` ("principal not provisioned", spec §2.11).
 */
import { fail } from '../domain/errors.ts';
import { domainRef, groupRef, isPrincipalRef, userRef, type PrincipalRef } from '../domain/principals.ts';
import type { StoreReader } from '../storage/types.ts';

export async function resolvePrincipal(read: StoreReader, text: string): Promise<PrincipalRef> {
  const value = text.trim();
  if (/^[ug]:/.test(value) && isPrincipalRef(value)) {
    const exists = value.startsWith('u:')
      ? await read.getUser(value.slice(2))
      : await read.getGroup(value.slice(2));
    if (!exists) fail('not_found', `principal not provisioned: ${value}`);
    return value;
  }
  if (/^(domain|d):/i.test(value)) {
    const domain = value.slice(value.indexOf(':') + 1).toLowerCase();
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(domain)) {
      fail('validation_failed', `not a domain: ${domain}`);
    }
    return domainRef(domain);
  }
  if (/^group:/i.test(value)) {
    const group = await read.findGroup(value.slice(6));
    if (!group) fail('not_found', `principal not provisioned: ${value}`);
    return groupRef(group.id);
  }
  const name = value.replace(/^user:/i, '');
  const user = await read.findUser(name);
  if (!user) fail('not_found', `principal not provisioned: ${value}`);
  return userRef(user.id);
}

/** A principal as people name it: `u:<id>` → `user:alice`, `g:<id>` → `group:sales`, `d:x` → `domain:x`. */
export async function principalName(read: StoreReader, ref: PrincipalRef): Promise<string> {
  if (ref.startsWith('d:')) return `domain:${ref.slice(2)}`;
  if (ref.startsWith('u:')) {
    const user = await read.getUser(ref.slice(2));
    return user ? `user:${user.username}` : ref;
  }
  const group = await read.getGroup(ref.slice(2));
  return group ? `group:${group.name}` : ref;
}

/** A list-valued setting change: replace it, or add and remove entries (spec §10). */
export interface ListChange {
  readonly set?: readonly string[];
  readonly add?: readonly string[];
  readonly remove?: readonly string[];
}

export async function applyListChange(
  read: StoreReader,
  current: readonly PrincipalRef[],
  change: ListChange | undefined,
): Promise<PrincipalRef[]> {
  if (!change) return [...current];
  const resolve = (names: readonly string[] | undefined) =>
    Promise.all((names ?? []).map((n) => resolvePrincipal(read, n)));
  const base = change.set ? await resolve(change.set) : [...current];
  const add = await resolve(change.add);
  const remove = new Set(await resolve(change.remove));
  return [...new Set([...base, ...add])].filter((r) => !remove.has(r)).sort();
}
