/**
 * The search language (docs/search.md), parsed into terms every adapter understands:
 *
 *   deploy            a word, case and accents ignored ("Reunion" finds "réunion")
 *   "release notes"   a phrase: these words, in this order
 *   depl*             a word prefix ("deploy", "deployment"); also "release no"*
 *   *ployme*  *ployme a substring anywhere, inside words, URLs and file names (3+ characters)
 *   *"v2 final"*      a substring with spaces
 *   東京 会議          Chinese, Japanese, Korean, Thai…: always substrings, from one character
 *
 * Every term must match (AND). Words are what remains between punctuation, so `example.com/docs`
 * is the phrase "example com docs" and `report_v2.pdf` the phrase "report v2 pdf".
 */
import { fail } from '../domain/errors.ts';
import { codePoints, fold, foldForSubstring, hasNoSpaceScript, isNoSpaceChar } from './text.ts';

export type SearchTerm =
  /** One or more words in order; with `prefix`, the last one may continue. */
  | { readonly kind: 'words'; readonly text: string; readonly prefix: boolean }
  /** A substring of three characters or more, folded with `foldForSubstring`. */
  | { readonly kind: 'substring'; readonly text: string }
  /** One or two characters of a script without spaces. */
  | { readonly kind: 'gram'; readonly text: string };

export const MAX_TERMS = 16;

const WORD_CHAR = /[\p{L}\p{N}]/u;
const GRAM_CHARS = /^[\p{L}\p{M}\p{N}]+$/u;
const WORD_SPLIT = /[^\p{L}\p{N}]+/u;

/** Splits the query into raw pieces: bare terms and "quoted" ones, with their `*` marks. */
function pieces(q: string): { raw: string; substring: boolean; prefix: boolean }[] {
  const out: { raw: string; substring: boolean; prefix: boolean }[] = [];
  let i = 0;
  const n = q.length;
  const space = (c: string | undefined) => c !== undefined && /\s/u.test(c);
  while (i < n) {
    while (i < n && space(q[i])) i++;
    if (i >= n) break;
    let substring = false;
    while (q[i] === '*') {
      substring = true;
      i++;
    }
    let raw: string;
    if (q[i] === '"') {
      const end = q.indexOf('"', i + 1);
      raw = q.slice(i + 1, end < 0 ? n : end);
      i = end < 0 ? n : end + 1;
    } else {
      const start = i;
      while (i < n && !space(q[i]) && q[i] !== '"') i++;
      raw = q.slice(start, i);
    }
    let prefix = false;
    if (q[i] === '*') {
      prefix = true;
      while (q[i] === '*') i++;
    } else if (raw.endsWith('*')) {
      prefix = true;
      raw = raw.replace(/\*+$/u, '');
    }
    out.push({ raw, substring, prefix });
  }
  return out;
}

/** Parses what a user typed. Throws `validation_failed` with a readable message when it cannot. */
export function parseQuery(q: string): SearchTerm[] {
  const terms: SearchTerm[] = [];
  for (const p of pieces(q)) {
    const text = fold(p.raw).replace(/\*/gu, ' ').replace(/\s+/gu, ' ').trim();
    if (text === '') continue;
    const words = WORD_CHAR.test(text);
    if (p.substring || hasNoSpaceScript(text) || !words) {
      const needle = foldForSubstring(text).trim();
      if (codePoints(needle).length >= 3) terms.push({ kind: 'substring', text: needle });
      else if (codePoints(text).every(isNoSpaceChar)) {
        // Only letters, marks and digits are indexed; a lone punctuation mark finds nothing.
        if (GRAM_CHARS.test(text)) terms.push({ kind: 'gram', text });
      } else if (!words)
        continue; // stray punctuation such as "-" or "&": nothing to look for
      else fail('validation_failed', `"${p.raw}": a substring needs at least 3 characters`);
    } else {
      const last = text.split(WORD_SPLIT).filter(Boolean).pop() ?? '';
      if (p.prefix && codePoints(last).length < 2)
        fail('validation_failed', `"${p.raw}*": a prefix needs at least 2 letters`);
      terms.push({ kind: 'words', text, prefix: p.prefix });
    }
  }
  if (terms.length > MAX_TERMS) fail('validation_failed', `at most ${MAX_TERMS} search terms`);
  return dedupe(terms);
}

function dedupe(terms: SearchTerm[]): SearchTerm[] {
  const seen = new Set<string>();
  return terms.filter((t) => {
    const key = `${t.kind}:${t.kind === 'words' && t.prefix ? '*' : ''}${t.text.toLowerCase()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
