import {
  controlCharacterProblem,
  describeUnstorable,
  findUnstorableText,
  jsonNestsDeeperThan,
  MAX_JSON_DEPTH,
  unstorableText,
} from '../../src/text-rules';

const nested = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);

describe('unstorableText', () => {
  it.each([
    ['a NUL', 'ada\u0000lovelace', 'a NUL character (U+0000)'],
    ['a lone high surrogate', 'x\ud800y', 'an unpaired UTF-16 surrogate'],
    ['a lone low surrogate', '\udc00', 'an unpaired UTF-16 surrogate'],
    ['a high surrogate at the end', 'abc\ud83d', 'an unpaired UTF-16 surrogate'],
    ['two low surrogates after a pair', '\ud83d\ude00\ude00', 'an unpaired UTF-16 surrogate'],
  ])('refuses %s', (_case, text, problem) => {
    expect(unstorableText(text)).toBe(problem);
  });

  it.each([
    ['plain text', 'Ada Lovelace'],
    ['an emoji (a surrogate pair)', 'hi \ud83d\ude00'],
    ['the replacement character', '\uFFFD'],
    ['other control characters', '\u0001\t\n'],
    ['the empty string', ''],
  ])('accepts %s', (_case, text) => {
    expect(unstorableText(text)).toBeUndefined();
  });
});

describe('findUnstorableText', () => {
  it('names the dotted path of a nested value', () => {
    const found = findUnstorableText({ a: { b: ['ok', 'bad\u0000'] } }, '');
    expect(found).toEqual({ field: 'a.b.1', inKey: false, problem: 'a NUL character (U+0000)' });
    expect(describeUnstorable(found!, 'request body')).toBe('a.b.1 contains a NUL character (U+0000).');
  });

  it('finds a bad key and names the object holding it', () => {
    const found = findUnstorableText({ trusted_metadata: { ['k\ud800']: 1 } }, '');
    expect(found).toEqual({ field: 'trusted_metadata', inKey: true, problem: 'an unpaired UTF-16 surrogate' });
    expect(describeUnstorable(found!, 'request body')).toBe('trusted_metadata has a key that contains an unpaired UTF-16 surrogate.');
  });

  it('names the whole for a bad key at the top', () => {
    const found = findUnstorableText({ ['\u0000']: 'x' }, '');
    expect(describeUnstorable(found!, 'query')).toBe('query has a key that contains a NUL character (U+0000).');
  });

  it('starts paths at the given root', () => {
    expect(findUnstorableText({ tier: '\u0000' }, 'trusted_metadata')?.field).toBe('trusted_metadata.tier');
  });

  it('passes clean values, numbers, booleans and null', () => {
    expect(findUnstorableText({ a: [1, true, null, 'x', { b: 'y' }] }, '')).toBeUndefined();
    expect(findUnstorableText(undefined, '')).toBeUndefined();
  });
});

describe('jsonNestsDeeperThan', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1}`, () => {
    expect(jsonNestsDeeperThan(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonNestsDeeperThan(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
  });

  it('counts objects and arrays alike', () => {
    const objects = '{"a":'.repeat(3) + '1' + '}'.repeat(3);
    expect(jsonNestsDeeperThan(objects, 2)).toBe(true);
    expect(jsonNestsDeeperThan(objects, 3)).toBe(false);
  });

  it('measures depth, not the number of brackets', () => {
    expect(jsonNestsDeeperThan(JSON.stringify(Array.from({ length: 1000 }, () => [[1]])), 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(JSON.stringify({ s: '[[[[{{{{' }), 1)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ s: 'say \\"[[[[\\" and "[[[["' }), 1)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ s: 'ends in a backslash \\', t: [[1]] }), 2)).toBe(true);
  });

  it('reads bytes, so multi-byte text does not confuse it', () => {
    expect(jsonNestsDeeperThan(Buffer.from(JSON.stringify({ s: 'ＡＤＡ 😀 ⟦' })), 1)).toBe(false);
  });

  it('finds a deep object in a body far under any size limit', () => {
    const deep = `{"trusted_metadata":${'{"a":'.repeat(2500)}1${'}'.repeat(2500)}}`;
    expect(Buffer.byteLength(deep)).toBeLessThan(16 * 1024);
    expect(jsonNestsDeeperThan(deep, MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('controlCharacterProblem', () => {
  it.each([
    ['a line feed', 'Acme\nEvil', 'U+000A'],
    ['a carriage return', 'Acme\r', 'U+000D'],
    ['a tab', 'Acme\tCorp', 'U+0009'],
    ['DEL', 'Acme\u007f', 'U+007F'],
    ['a C1 control', 'Acme\u0085', 'U+0085'],
  ])('refuses %s, naming it', (_case, text, code) => {
    expect(controlCharacterProblem(text)).toContain(code);
  });

  it.each([['Ada Lovelace'], ['Zoë Ørsted-Šimić'], ['株式会社アクメ'], ['Acme 😀']])('accepts %s', (text) => {
    expect(controlCharacterProblem(text)).toBeUndefined();
  });
});
