/**
 * Text normalisation shared by indexing and querying, so that both sides see the same characters.
 * Pure functions, no I/O: any search adapter may use them.
 *
 * - `fold` applies NFKC (full-width Latin and half-width katakana become ordinary characters,
 *   ligatures like "ﬁ" are split) and spells out the letters that accent removal does not reach
 *   (œ → oe, æ → ae, ß → ss), so "oeuvre" finds "œuvre". For words, the tokenizer then ignores
 *   case and accents; for substrings, `foldForSubstring` does it here.
 * - Scripts written without spaces between words (Chinese, Japanese, Korean, Thai, Lao, Khmer,
 *   Myanmar) cannot be split into words by a tokenizer; text in them is matched as substrings.
 *   Substrings of three characters or more use the trigram index; one or two characters (東京,
 *   会議, 猫) use `gramTokens`, one token per character and per pair of adjacent characters.
 * - Plain ASCII text (most chat) skips the Unicode normalisations, which leave it unchanged.
 */

import { createHash } from 'node:crypto';

const LIGATURES: Record<string, string> = { œ: 'oe', Œ: 'OE', æ: 'ae', Æ: 'AE', ß: 'ss', ẞ: 'SS' };
// eslint-disable-next-line no-control-regex -- "only ASCII" is the point
const ASCII = /^[\x00-\x7f]*$/;

export function fold(text: string): string {
  if (ASCII.test(text)) return text;
  return text.normalize('NFKC').replace(/[œŒæÆßẞ]/g, (c) => LIGATURES[c] ?? c);
}

/**
 * Whether a code point belongs to a script written without spaces: Han (with 々 〆 〇), Hiragana,
 * Katakana (with the long vowel mark ー), Bopomofo, Hangul, Thai, Lao, Khmer, Myanmar. Code point
 * ranges rather than Unicode script properties, for speed when indexing; the same function serves
 * indexing and querying, so both sides always agree.
 */
export function isNoSpaceCode(cp: number): boolean {
  if (cp < 0x0e00) return false;
  if (cp <= 0x0eff) return true; // Thai, Lao
  if (cp < 0x1000) return false;
  if (cp <= 0x109f) return true; // Myanmar
  if (cp < 0x1100) return false;
  if (cp <= 0x11ff) return true; // Hangul Jamo
  if (cp >= 0x1780 && cp <= 0x17ff) return true; // Khmer
  if (cp >= 0x19e0 && cp <= 0x19ff) return true; // Khmer symbols
  if (cp < 0x2e80) return false;
  if (cp <= 0x2fdf) return true; // CJK radicals
  if (cp >= 0x3005 && cp <= 0x3007) return true; // 々 〆 〇
  if (cp >= 0x3021 && cp <= 0x3029) return true; // Suzhou numerals
  if (cp >= 0x3041 && cp <= 0x3096) return true; // Hiragana
  if (cp === 0x3099 || cp === 0x309a || (cp >= 0x309d && cp <= 0x309f)) return true;
  if (cp >= 0x30a1 && cp <= 0x30ff) return cp !== 0x30fb; // Katakana with ー, without ・
  if (cp >= 0x3105 && cp <= 0x318e) return true; // Bopomofo, Hangul compatibility jamo
  if (cp >= 0x31a0 && cp <= 0x31bf) return true; // Bopomofo extended
  if (cp >= 0x31f0 && cp <= 0x31ff) return true; // Katakana phonetic extensions
  if (cp >= 0x3400 && cp <= 0x4dbf) return true; // CJK extension A
  if (cp >= 0x4e00 && cp <= 0x9fff) return true; // CJK unified ideographs
  if (cp >= 0xa960 && cp <= 0xa97f) return true; // Hangul Jamo extended A
  if (cp >= 0xa9e0 && cp <= 0xa9ff) return true; // Myanmar extended B
  if (cp >= 0xaa60 && cp <= 0xaa7f) return true; // Myanmar extended A
  if (cp >= 0xac00 && cp <= 0xd7ff) return true; // Hangul syllables, Jamo extended B
  if (cp >= 0xf900 && cp <= 0xfaff) return true; // CJK compatibility ideographs
  if (cp >= 0xff66 && cp <= 0xffdc) return true; // half-width katakana and Hangul
  return cp >= 0x20000 && cp <= 0x3134f; // CJK extensions B–H
}

export function isNoSpaceChar(ch: string): boolean {
  return isNoSpaceCode(ch.codePointAt(0) ?? 0);
}

export function hasNoSpaceScript(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) < 0x0e00) continue;
    const cp = text.codePointAt(i) ?? 0;
    if (isNoSpaceCode(cp)) return true;
    if (cp > 0xffff) i++;
  }
  return false;
}

/** Unicode code points, the unit people count characters in (and the trigram tokenizer uses). */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

/**
 * Every character of a script without spaces in `folded` text, and every pair of such adjacent
 * characters, space-separated (repeats removed: the index needs presence only). The word index
 * keeps each as one token: these scripts are letters and marks, and no tokenizer splits them.
 */
export function gramTokens(folded: string): string {
  if (!hasNoSpaceScript(folded)) return '';
  const out = new Set<string>();
  let previous = '';
  for (const ch of folded) {
    if (!isNoSpaceChar(ch)) {
      previous = '';
      continue;
    }
    out.add(ch);
    if (previous !== '') out.add(previous + ch);
    previous = ch;
  }
  return [...out].join(' ');
}

/**
 * Lower case without accents, for substrings: the trigram index is built from this (and matches
 * case-sensitively), and candidate rows are checked with it, so both agree by construction.
 */
export function foldForSubstring(text: string): string {
  if (ASCII.test(text)) return text.toLowerCase().replace(/\s+/gu, ' ');
  return fold(text)
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/gu, '')
    .normalize('NFC')
    .replace(/\s+/gu, ' ');
}

/** What the word index receives for a message: its text, then its story title (if any). */
export function wordsBody(text: string, storyTitle: string | null): string {
  return storyTitle === null || storyTitle === '' ? fold(text) : `${fold(text)}\n${fold(storyTitle)}`;
}

/**
 * What the trigram index receives, and what substring checks look into. The line break between
 * text and title cannot occur in a search term (whitespace there becomes a single space), so no
 * substring spans both.
 */
export function substringBody(text: string, storyTitle: string | null): string {
  const body = foldForSubstring(text);
  return storyTitle === null || storyTitle === '' ? body : `${body}\n${foldForSubstring(storyTitle)}`;
}

/**
 * A room or author as one index token: three characters of Unicode plane 15 (private use),
 * derived from a hash of the id. Both tokenizers keep it whole — unicode61 treats private-use
 * characters as letters and the trigram tokenizer sees exactly one trigram — so the index itself
 * can restrict a query to a few rooms or authors. Two ids may share a code (48 bits): the query
 * always checks the exact room and author as well, so a shared code costs time, never privacy.
 */
export function idCode(id: string): string {
  let code = idCodes.get(id);
  if (code === undefined) {
    const digest = createHash('sha256').update(id, 'utf8').digest();
    code = '';
    for (let i = 0; i < 3; i++) code += String.fromCodePoint(0xf0000 + (digest.readUInt16BE(i * 2) % 0xfffe));
    if (idCodes.size >= 50_000) idCodes.clear();
    idCodes.set(id, code);
  }
  return code;
}
const idCodes = new Map<string, string>();

/** Calendar months (UTC) as bucket numbers: year × 12 + month. */
const monthOf = (at: number) => {
  const d = new Date(at);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
};

/**
 * The calendar month (UTC) a message was posted in, as one index token: three characters of
 * Unicode plane 16 (private use), so a date range can be narrowed inside the index like rooms.
 */
export function monthCode(at: number): string {
  const m = monthOf(at);
  return String.fromCodePoint(0x100000, 0x100000 + Math.floor(m / 0xfff0), 0x100000 + (m % 0xfff0));
}

/** The month codes covering `since`–`until`, or undefined when that is more than `max` months. */
export function monthCodes(since: number, until: number, max: number): string[] | undefined {
  const first = monthOf(since);
  const last = monthOf(until);
  if (last < first || last - first >= max) return undefined;
  const out: string[] = [];
  for (let m = first; m <= last; m++) out.push(monthCode(Date.UTC(Math.floor(m / 12), m % 12, 1)));
  return out;
}
