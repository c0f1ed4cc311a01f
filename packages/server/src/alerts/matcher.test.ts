import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnalysedText, compileKeyword, words } from './matcher.ts';

const matches = (text: string, keyword: string, title: string | null = null) => {
  const k = compileKeyword(keyword);
  assert.ok(k, keyword);
  return new AnalysedText(text, title).matches(k);
};

test('words fold case, accents, ligatures and full-width forms like search', () => {
  assert.deepEqual(words('Hello @Alice, the CAFÉ is ﬁne; Œuvre ＡＢＣ'), [
    'hello',
    'alice',
    'the',
    'cafe',
    'is',
    'fine',
    'oeuvre',
    'abc',
  ]);
});

test('keywords match whole words, phrases in order, any case and accents', () => {
  assert.equal(matches('Deploy done', 'deploy'), true);
  assert.equal(matches('redeploy done', 'deploy'), false);
  assert.equal(matches('deployment done', 'deploy'), false);
  assert.equal(matches('the Release-Train leaves', 'release train'), true);
  assert.equal(matches('train release', 'release train'), false);
  assert.equal(matches('release the train', 'release train'), false);
  assert.equal(matches('Meet at the café', 'CAFE'), true);
  assert.equal(matches('résumé attached', 'resume'), true);
  assert.equal(matches('ping @bob-smith now', 'bob smith'), true);
  assert.equal(matches('nothing here', 'here'), true);
  assert.equal(matches('in the title', 'roadmap', 'Q3 roadmap'), true);
});

test('scripts without spaces match as substrings', () => {
  assert.equal(matches('明日の会議は10時です', '会議'), true);
  assert.equal(matches('明日の会議は10時です', '東京'), false);
  assert.equal(matches('회의는 내일입니다', '회의'), true);
  assert.equal(matches('plain ascii text', '会議'), false);
});

test('keywords with nothing to match are refused', () => {
  assert.equal(compileKeyword('?!'), undefined);
  assert.equal(compileKeyword('   '), undefined);
});
