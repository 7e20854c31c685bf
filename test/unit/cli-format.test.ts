import { cell, fields, pageSummary, table } from '../../src/cli/format';
import { isNetworkFailure, networkCause, redactUrl } from '../../src/cli/errors';

describe('cell', () => {
  it.each([
    [null, '-'],
    [undefined, '-'],
    ['', '-'],
    [[], '-'],
    [['a', 'b'], 'a,b'],
    [true, 'true'],
    [1234, '1234'],
    [{ a: 1 }, '{"a":1}'],
    [new Date('2026-12-02T10:00:00.123Z'), '2026-12-02T10:00:00Z'],
    ['two\nlines\tand tab', 'two lines and tab'],
  ])('renders %p as %p', (value, text) => {
    expect(cell(value)).toBe(text);
  });
});

describe('table', () => {
  it('pads every column but the last to its widest cell, two spaces apart', () => {
    expect(
      table(
        ['id', 'name', 'link'],
        [
          ['a', 'Acme Corp', null],
          ['bbbb', 'B', 'https://x'],
        ],
      ),
    ).toBe('id    name       link\na     Acme Corp  -\nbbbb  B          https://x\n');
  });

  it('prints the header alone when there are no rows', () => {
    expect(table(['job_id', 'status'], [])).toBe('job_id  status\n');
  });
});

describe('fields', () => {
  it('aligns values after the longest name', () => {
    expect(
      fields([
        ['id', 'x'],
        ['redirect_urls', ['https://a', 'https://b']],
      ]),
    ).toBe('id             x\nredirect_urls  https://a,https://b\n');
  });
});

describe('pageSummary', () => {
  it('says how many of how many, and how to get the next page when there is one', () => {
    expect(pageSummary(20, 1_234, 'jobs', 'abc')).toBe('20 of 1,234 jobs; next page: --cursor abc\n');
    expect(pageSummary(3, 3, 'jobs', null)).toBe('3 of 3 jobs\n');
  });
});

describe('network failures', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

  it("finds the socket's code inside fetch's error", () => {
    const err = new TypeError('fetch failed', { cause: refused });
    expect(networkCause(err)).toBe('ECONNREFUSED');
    expect(isNetworkFailure(err)).toBe(true);
  });

  it('finds it inside an AggregateError (a host with several addresses)', () => {
    const err = new TypeError('fetch failed', { cause: new AggregateError([new Error('x'), refused]) });
    expect(networkCause(err)).toBe('ECONNREFUSED');
  });

  it('falls back to the message, and does not call a lost connection unreachable', () => {
    const err = new TypeError('fetch failed', { cause: new Error('other side closed') });
    expect(networkCause(err)).toBe('other side closed');
    expect(isNetworkFailure(err)).toBe(false);
  });

  it('hides the password of a URL it prints', () => {
    expect(redactUrl('postgres://u:secret@db:5432/roster')).toBe('postgres://u:***@db:5432/roster');
    expect(redactUrl('postgres://u@db:5432/roster')).toBe('postgres://u@db:5432/roster');
  });
});
