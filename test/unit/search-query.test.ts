import type { FilterKind } from '../../src/repositories/search';
import {
  checkLimit,
  decodeCursor,
  encodeCursor,
  parseSearchQuery,
  SEARCH_LIMIT_DEFAULT,
  SEARCH_LIMIT_MAX,
} from '../../src/services/search-query';
import { appError } from '../helpers/assertions';

const SPEC: Record<'ids' | 'name_fuzzy' | 'breakglass', FilterKind> = { ids: 'strings', name_fuzzy: 'string', breakglass: 'boolean' };
const UUID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

const parse = (query: unknown) => parseSearchQuery(query, SPEC, 'member_search');

describe('parseSearchQuery', () => {
  it.each([undefined, null])('treats a %s query as "match everything"', (query) => {
    expect(parse(query)).toEqual({ operator: 'AND', filters: [] });
  });

  it('accepts the operator in any case', () => {
    expect(parse({ operator: 'or', operands: [] }).operator).toBe('OR');
  });

  it('treats missing operands as no filters', () => {
    expect(parse({ operator: 'AND' })).toEqual({ operator: 'AND', filters: [] });
  });

  it('returns each known filter with its checked value, trimming string values', () => {
    const parsed = parse({
      operator: 'AND',
      operands: [
        { filter_name: 'ids', filter_value: ['a', 'b'] },
        { filter_name: 'name_fuzzy', filter_value: '  acme ' },
        { filter_name: 'breakglass', filter_value: false },
      ],
    });
    expect(parsed.filters).toEqual([
      { name: 'ids', value: ['a', 'b'] },
      { name: 'name_fuzzy', value: 'acme' },
      { name: 'breakglass', value: false },
    ]);
  });

  it('prefixes error types with the search they belong to', () => {
    const error = appError(() => parseSearchQuery({ operator: 'XOR' }, SPEC, 'organization_search'));
    expect(error.errorType).toBe('organization_search_invalid_operator');
  });

  it.each<[string, unknown, string, string]>([
    ['an unknown operator', { operator: 'NOT' }, 'member_search_invalid_operator', 'operator'],
    ['a missing operator', { operands: [] }, 'member_search_invalid_operator', 'operator'],
    ['operands that are not an array', { operator: 'AND', operands: {} }, 'member_search_invalid_operands', 'operands'],
    ['an operand that is not an object', { operator: 'AND', operands: ['ids'] }, 'member_search_invalid_operands', 'operands[0]'],
    [
      'an operand without filter_name',
      { operator: 'AND', operands: [{ filter_value: ['a'] }] },
      'member_search_missing_filter_name',
      'operands[0].filter_name',
    ],
    [
      'a filter_name that is not a string',
      { operator: 'AND', operands: [{ filter_name: 1, filter_value: 'a' }] },
      'member_search_filter_name_must_be_string',
      'filter_name',
    ],
    [
      'an unknown filter_name',
      { operator: 'AND', operands: [{ filter_name: 'color', filter_value: 'red' }] },
      'member_search_filter_name_not_recognized',
      'color',
    ],
    [
      'a missing filter_value',
      { operator: 'AND', operands: [{ filter_name: 'ids' }] },
      'member_search_missing_filter_value',
      'filter_value',
    ],
    [
      'a null filter_value',
      { operator: 'AND', operands: [{ filter_name: 'ids', filter_value: null }] },
      'member_search_missing_filter_value',
      'filter_value',
    ],
    [
      'a string where strings are expected',
      { operator: 'AND', operands: [{ filter_name: 'ids', filter_value: 'a' }] },
      'member_search_expected_array_of_strings',
      'filter_value',
    ],
    [
      'an empty array of strings',
      { operator: 'AND', operands: [{ filter_name: 'ids', filter_value: [] }] },
      'member_search_expected_array_of_strings',
      'filter_value',
    ],
    [
      'an array holding a number',
      { operator: 'AND', operands: [{ filter_name: 'ids', filter_value: ['a', 2] }] },
      'member_search_expected_array_of_strings',
      'filter_value',
    ],
    [
      'a blank string',
      { operator: 'AND', operands: [{ filter_name: 'name_fuzzy', filter_value: '  ' }] },
      'member_search_expected_string',
      'filter_value',
    ],
    [
      'an array where a string is expected',
      { operator: 'AND', operands: [{ filter_name: 'name_fuzzy', filter_value: ['a'] }] },
      'member_search_expected_string',
      'filter_value',
    ],
    [
      'a string where a boolean is expected',
      { operator: 'AND', operands: [{ filter_name: 'breakglass', filter_value: 'true' }] },
      'member_search_expected_boolean',
      'filter_value',
    ],
    [
      'more than 1000 values in one filter',
      { operator: 'AND', operands: [{ filter_name: 'ids', filter_value: Array.from({ length: 1001 }, (_, i) => `v${i}`) }] },
      'member_search_too_many_values',
      'filter_value',
    ],
  ])('refuses %s with a 400 naming it', (_case, query, errorType, named) => {
    const error = appError(() => parse(query));
    expect(error.statusCode).toBe(400);
    expect(error.errorType).toBe(errorType);
    expect(error.message).toContain(named);
  });

  it('names the position of the failing operand', () => {
    const error = appError(() =>
      parse({
        operator: 'AND',
        operands: [
          { filter_name: 'ids', filter_value: ['a'] },
          { filter_name: 'ids', filter_value: 'b' },
        ],
      }),
    );
    expect(error.message).toContain('query.operands[1].filter_value');
  });

  it('lists the supported filters when a filter is not recognized', () => {
    const error = appError(() => parse({ operator: 'AND', operands: [{ filter_name: 'color', filter_value: 'red' }] }));
    expect(error.message).toContain('ids, name_fuzzy, breakglass');
  });
});

describe('cursors', () => {
  it('round-trips the id of the last row', () => {
    const cursor = encodeCursor(UUID);
    expect(cursor).not.toBeNull();
    expect(cursor).not.toContain(UUID);
    expect(decodeCursor(cursor)).toBe(UUID);
  });

  it('has no cursor after the last page', () => {
    expect(encodeCursor(undefined)).toBeNull();
  });

  it.each([undefined, null, ''])('starts from the beginning for a %p cursor', (cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined();
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['valid base64 of something else', Buffer.from('hello').toString('base64url')],
    ['another version', Buffer.from(JSON.stringify({ v: 2, after: UUID })).toString('base64url')],
    ['an id that is not a uuid', Buffer.from(JSON.stringify({ v: 1, after: "x' OR 1=1" })).toString('base64url')],
  ])('refuses %s as invalid_cursor', (_case, cursor) => {
    const error = appError(() => decodeCursor(cursor));
    expect([error.statusCode, error.errorType]).toEqual([400, 'invalid_cursor']);
  });
});

describe('checkLimit', () => {
  it.each([undefined, 0])('uses the default limit for %p', (limit) => {
    expect(checkLimit(limit)).toBe(SEARCH_LIMIT_DEFAULT);
  });

  it.each([1, 50, SEARCH_LIMIT_MAX])('accepts %i', (limit) => {
    expect(checkLimit(limit)).toBe(limit);
  });

  it.each([-1, 1.5, SEARCH_LIMIT_MAX + 1])('refuses %p as invalid_limit', (limit) => {
    expect(appError(() => checkLimit(limit)).errorType).toBe('invalid_limit');
  });
});
