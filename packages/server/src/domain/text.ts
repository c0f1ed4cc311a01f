/** Text checks shared by every field people type. */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * False for strings with unpaired UTF-16 surrogates: they cannot be stored as UTF-8, so what was
 * acknowledged would differ from what is read back.
 */
export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}
