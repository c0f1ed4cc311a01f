/**
 * Word matching for saved filters (spec §4.9), with the same text folding as history search
 * (search/text.ts): case and accents are ignored, ligatures and full-width forms folded; words are
 * runs of letters, digits and marks, like the search index's tokenizer (unicode61 with categories
 * L* N* Co M*), so "@alice," contains the word "alice" and "Café" matches "cafe". A keyword of
 * several words is a phrase: its words must follow each other. Keywords in scripts written without
 * spaces (Chinese, Japanese, Korean, Thai…) match as substrings, as search does.
 *
 * Pure functions; the engine (alerts/engine.ts) indexes compiled keywords by their first word.
 */
import { foldForSubstring, hasNoSpaceScript, substringBody } from '../search/text.ts';

// eslint-disable-next-line no-control-regex -- "only ASCII" is the point
const ASCII = /^[\x00-\x7f]*$/;
const ASCII_SPLIT = /[^a-z0-9]+/;
const WORD_SPLIT = /[^\p{L}\p{N}\p{M}\p{Co}]+/u;

/** The words of a text, folded (lower case, no accents), in order. */
export function words(text: string): string[] {
  const folded = foldForSubstring(text);
  const parts = folded.split(ASCII.test(folded) ? ASCII_SPLIT : WORD_SPLIT);
  return parts.filter((w) => w !== '');
}

/** A keyword ready to match: a phrase of folded words, or a folded substring. */
export type CompiledKeyword =
  | { readonly kind: 'phrase'; readonly words: readonly string[] }
  | { readonly kind: 'substring'; readonly text: string };

/** Undefined when the keyword has nothing to match (only punctuation). */
export function compileKeyword(keyword: string): CompiledKeyword | undefined {
  if (hasNoSpaceScript(keyword)) {
    const text = foldForSubstring(keyword).trim();
    return text === '' ? undefined : { kind: 'substring', text };
  }
  const w = words(keyword);
  return w.length === 0 ? undefined : { kind: 'phrase', words: w };
}

/** A message analysed once for every filter: its words in order, its folded body on demand. */
export class AnalysedText {
  readonly words: readonly string[];
  private folded: string | undefined;
  readonly noSpaceScript: boolean;

  constructor(
    private readonly text: string,
    private readonly storyTitle: string | null,
  ) {
    const body = storyTitle === null || storyTitle === '' ? text : `${text}\n${storyTitle}`;
    if (ASCII.test(body)) {
      // Most chat: lower case and split, no Unicode work (what foldForSubstring does for ASCII).
      this.words = body.toLowerCase().split(ASCII_SPLIT);
      this.noSpaceScript = false;
    } else {
      this.words = words(body);
      this.noSpaceScript = hasNoSpaceScript(body);
    }
  }

  matches(keyword: CompiledKeyword): boolean {
    if (keyword.kind === 'substring') {
      if (!this.noSpaceScript) return false;
      this.folded ??= substringBody(this.text, this.storyTitle);
      return this.folded.includes(keyword.text);
    }
    const w = keyword.words;
    const n = w.length;
    const first = w[0];
    const last = this.words.length - n;
    for (let p = 0; p <= last; p++) {
      if (this.words[p] !== first) continue;
      let i = 1;
      while (i < n && this.words[p + i] === w[i]) i++;
      if (i === n) return true;
    }
    return false;
  }
}
