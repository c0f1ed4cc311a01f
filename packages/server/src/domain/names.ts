/** Names of rooms, categories, groups, users and add-ins. */
import { fail } from './errors.ts';
import { isWellFormedText } from './text.ts';

/** Length in Unicode code points (what people count as characters, near enough). */
function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Room, category and add-in names: 1–256 characters, not blank, no control characters. */
export function checkName(what: string, name: string, max = 256): string {
  const trimmed = name.trim();
  if (trimmed.length === 0) fail('validation_failed', `${what} name must not be empty`);
  if (!isWellFormedText(trimmed)) fail('validation_failed', `${what} name is not valid Unicode text`);
  if (codePoints(trimmed) > max) fail('validation_failed', `${what} name is longer than ${max} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed))
    fail('validation_failed', `${what} name contains control characters`);
  return trimmed;
}

export function checkDescription(description: string): string {
  if (!isWellFormedText(description)) fail('validation_failed', 'description is not valid Unicode text');
  if (codePoints(description) > 256) fail('validation_failed', 'description is longer than 256 characters');
  return description;
}

/** Usernames: letters, digits and . _ - ; 1–64 characters. */
export function checkUsername(username: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(username)) {
    fail('validation_failed', 'username must be 1–64 letters, digits, dots, dashes or underscores');
  }
  return username;
}
