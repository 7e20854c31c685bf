import { cleanEmail, emailProblem, normalizeEmail } from '../../src/email-rules';

describe('normalizeEmail: what counts as the same email', () => {
  it.each([
    ['case', 'Ada@Acme.COM'],
    ['surrounding spaces', '  ada@acme.com\t'],
    ['fullwidth letters', 'ＡＤＡ@acme.com'],
    ['a fullwidth at sign and dot', 'ada＠acme．com'],
  ])('folds %s', (_case, email) => {
    expect(normalizeEmail(email)).toBe('ada@acme.com');
  });

  it('composes accents, so the two Unicode spellings of "é" are one address', () => {
    expect(normalizeEmail('rene\u0301@acme.com')).toBe(normalizeEmail('ren\u00e9@acme.com'));
  });

  it('folds compatibility letters that have no lowercase of their own', () => {
    expect(normalizeEmail('\u{1D41A}da@acme.com')).toBe('ada@acme.com'); // mathematical bold small a
    expect(normalizeEmail('\u210Cal@acme.com')).toBe('hal@acme.com'); // black-letter capital H
  });

  it('keeps what differs: dots and plus tags are distinct addresses', () => {
    expect(normalizeEmail('a.da@acme.com')).not.toBe(normalizeEmail('ada@acme.com'));
    expect(normalizeEmail('ada+x@acme.com')).not.toBe(normalizeEmail('ada@acme.com'));
  });

  it('is idempotent', () => {
    for (const email of ['ＡＤＡ@acme.com', 'İnci@acme.com', 'ß@acme.com', '\u210Cal@acme.com']) {
      expect(normalizeEmail(normalizeEmail(email))).toBe(normalizeEmail(email));
    }
  });

  it('stores the clean form with its case', () => {
    expect(cleanEmail(' ＡＤＡ@Acme.com ')).toBe('ADA@Acme.com');
  });
});

describe('emailProblem', () => {
  it.each([
    ['a zero-width joiner', 'ada\u200d@acme.com', 'invisible formatting character (U+200D)'],
    ['a zero-width space', 'a\u200bda@acme.com', 'invisible formatting character (U+200B)'],
    ['a right-to-left override', '\u202Eada@acme.com', 'invisible formatting character (U+202E)'],
    ['a byte order mark inside', 'ada\uFEFF@acme.com', 'invisible formatting character (U+FEFF)'],
    ['a NUL', 'ada\u0000@acme.com', 'control character (U+0000)'],
    ['a bell', 'ada\u0007@acme.com', 'control character (U+0007)'],
    ['a C1 control', 'ada\u0085@acme.com', 'control character (U+0085)'],
    ['angle brackets', '<script>alert(1)</script>@acme.com', '"<" or ">"'],
    ['a fullwidth angle bracket', 'ada\uFF1C@acme.com', '"<" or ">"'],
    ['a second at sign in fullwidth', 'ada＠x@acme.com', 'not a valid email address'],
    ['no domain', 'ada@', 'not a valid email address'],
    ['nothing', '', 'not a valid email address'],
    ['an inner space', 'a da@acme.com', 'not a valid email address'],
    ['an ideographic space', 'a\u3000da@acme.com', 'not a valid email address'],
  ])('refuses %s', (_case, email, problem) => {
    expect(emailProblem(email)).toContain(problem);
  });

  it.each([['ada@acme.com'], ['ＡＤＡ@acme.com'], ['  ada@acme.com '], ['zoë@exämple.com'], ['ada+tag@sub.acme.co.uk']])(
    'accepts %s',
    (email) => {
      expect(emailProblem(email)).toBeUndefined();
    },
  );

  it('refuses an address longer than 320 characters', () => {
    expect(emailProblem(`${'a'.repeat(64)}@${'b'.repeat(300)}.com`)).toBe('is not a valid email address');
  });
});
