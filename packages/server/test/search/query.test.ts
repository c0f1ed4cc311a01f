/** The search language and the text normalisation shared by indexing and querying. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StoaError } from '../../src/domain/errors.ts';
import { MAX_TERMS, parseQuery } from '../../src/search/query.ts';
import {
  fold,
  foldForSubstring,
  gramTokens,
  hasNoSpaceScript,
  idCode,
  substringBody,
} from '../../src/search/text.ts';

const invalid = (q: string) =>
  assert.throws(
    () => parseQuery(q),
    (e: unknown) => e instanceof StoaError && e.code === 'validation_failed',
  );

describe('parseQuery', () => {
  test('words, phrases and prefixes', () => {
    assert.deepEqual(parseQuery('deploy  Réunion'), [
      { kind: 'words', text: 'deploy', prefix: false },
      { kind: 'words', text: 'Réunion', prefix: false },
    ]);
    assert.deepEqual(parseQuery('"release notes" depl*'), [
      { kind: 'words', text: 'release notes', prefix: false },
      { kind: 'words', text: 'depl', prefix: true },
    ]);
    assert.deepEqual(parseQuery('"release no"*'), [{ kind: 'words', text: 'release no', prefix: true }]);
    assert.deepEqual(parseQuery('"unterminated phrase'), [
      { kind: 'words', text: 'unterminated phrase', prefix: false },
    ]);
    assert.deepEqual(parseQuery('example.com/docs'), [
      { kind: 'words', text: 'example.com/docs', prefix: false },
    ]);
  });

  test('substrings: leading star, folded to lower case without accents', () => {
    assert.deepEqual(parseQuery('*ployme* *Éunio'), [
      { kind: 'substring', text: 'ployme' },
      { kind: 'substring', text: 'eunio' },
    ]);
    assert.deepEqual(parseQuery('*"v2 Final"*'), [{ kind: 'substring', text: 'v2 final' }]);
    assert.deepEqual(parseQuery('*github.com/acme*'), [{ kind: 'substring', text: 'github.com/acme' }]);
    // Only punctuation: a substring when long enough, otherwise nothing to look for.
    assert.deepEqual(parseQuery(':-) - &'), [{ kind: 'substring', text: ':-)' }]);
  });

  test('scripts without spaces are substrings, from one character', () => {
    assert.deepEqual(parseQuery('東京 会 東京で会議'), [
      { kind: 'gram', text: '東京' },
      { kind: 'gram', text: '会' },
      { kind: 'substring', text: '東京で会議' },
    ]);
    assert.deepEqual(parseQuery('서울 "東京 tower"'), [
      { kind: 'gram', text: '서울' },
      { kind: 'substring', text: '東京 tower' },
    ]);
    // Half-width katakana become full-width (NFKC), long vowel mark included.
    assert.deepEqual(parseQuery('ｻｰ'), [{ kind: 'gram', text: 'サー' }]);
  });

  test('refusals and limits', () => {
    invalid('*ab*');
    invalid('a*');
    invalid('東a');
    invalid(Array.from({ length: MAX_TERMS + 1 }, (_, i) => `w${i}`).join(' '));
    assert.deepEqual(parseQuery(''), []);
    assert.deepEqual(parseQuery('   * ** "" '), []);
    assert.deepEqual(parseQuery('same SAME same'), [{ kind: 'words', text: 'same', prefix: false }]);
  });
});

describe('text normalisation', () => {
  test('fold spells out ligatures and applies NFKC', () => {
    assert.equal(fold('Œuvre ﬁne Straße ＡＢＣ'), 'OEuvre fine Strasse ABC');
    assert.equal(foldForSubstring('Œuvre  Été\nİstanbul'), 'oeuvre ete istanbul');
    // Voiced kana keep their marks: が is not か.
    assert.equal(foldForSubstring('がくせい'), 'がくせい');
    assert.equal(substringBody('Text', 'Title'), 'text\ntitle');
  });

  test('grams of scripts without spaces: every character and adjacent pair', () => {
    const tokens = gramTokens('東京で tea サーバー・𠮷野家').split(' ');
    for (const g of [
      '東',
      '京',
      'で',
      '東京',
      '京で',
      'サ',
      'ー',
      'バ',
      'サー',
      'ーバ',
      'バー',
      '𠮷',
      '𠮷野',
    ])
      assert.ok(tokens.includes(g), g);
    assert.ok(!tokens.includes('でt') && !tokens.includes('ー・') && !tokens.includes('・'));
    assert.equal(gramTokens('plain latin text, déjà vu'), '');
    assert.ok(hasNoSpaceScript('abc 한국어') && hasNoSpaceScript('x𠮷') && !hasNoSpaceScript('abc déjà'));
    assert.ok(hasNoSpaceScript('ภาษาไทย') && hasNoSpaceScript('ພາສາລາວ') && hasNoSpaceScript('ភាសាខ្មែរ'));
  });

  test('id codes are three private-use characters, stable per id', () => {
    const a = idCode('room-a');
    assert.equal(Array.from(a).length, 3);
    assert.ok(Array.from(a).every((c) => (c.codePointAt(0) ?? 0) >= 0xf0000));
    assert.equal(idCode('room-a'), a);
    assert.notEqual(idCode('room-b'), a);
  });
});
