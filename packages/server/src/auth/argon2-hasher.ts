/** Password hashing with Argon2id (prebuilt @node-rs/argon2, OWASP parameters). */
import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../actions/context.ts';

export function argon2Hasher(cost: 'standard' | 'fast-for-tests' = 'standard'): PasswordHasher {
  const options =
    cost === 'standard'
      ? { memoryCost: 19_456, timeCost: 2, parallelism: 1 }
      : { memoryCost: 1024, timeCost: 1, parallelism: 1 };
  return {
    hash: (password) => hash(password, options),
    verify: async (stored, password) => {
      try {
        return await verify(stored, password);
      } catch {
        return false;
      }
    },
  };
}
