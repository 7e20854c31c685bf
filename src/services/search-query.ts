import { badRequest } from '../errors';
import type { Filter, FilterKind, FilterValue, ParsedQuery } from '../repositories/search';

/**
 * Stytch's search query language: `{ operator: 'AND' | 'OR', operands: [{ filter_name, filter_value }] }`.
 * Each search declares the filters it knows and the kind of value each takes;
 * this module checks a request against that declaration.
 */

export const SEARCH_LIMIT_DEFAULT = 100;
export const SEARCH_LIMIT_MAX = 1000;
const MAX_VALUES_PER_FILTER = 1000;

export function parseSearchQuery<N extends string>(
  query: unknown,
  spec: Record<N, FilterKind>,
  errorPrefix: 'organization_search' | 'member_search',
): ParsedQuery<N> {
  if (query === undefined || query === null) return { operator: 'AND', filters: [] };
  const q = query as { operator?: unknown; operands?: unknown };
  const operator = typeof q.operator === 'string' ? q.operator.toUpperCase() : q.operator;
  if (operator !== 'AND' && operator !== 'OR') {
    throw badRequest(`${errorPrefix}_invalid_operator`, 'query.operator must be "AND" or "OR".');
  }
  const operands = q.operands ?? [];
  if (!Array.isArray(operands)) {
    throw badRequest(`${errorPrefix}_invalid_operands`, 'query.operands must be an array.');
  }
  const filters = operands.map((operand, index): Filter<N> => {
    const where = `query.operands[${index}]`;
    if (typeof operand !== 'object' || operand === null) {
      throw badRequest(`${errorPrefix}_invalid_operands`, `${where} must be an object.`);
    }
    const { filter_name: name, filter_value: value } = operand as { filter_name?: unknown; filter_value?: unknown };
    if (name === undefined) throw badRequest(`${errorPrefix}_missing_filter_name`, `${where}.filter_name is required.`);
    if (typeof name !== 'string') {
      throw badRequest(`${errorPrefix}_filter_name_must_be_string`, `${where}.filter_name must be a string.`);
    }
    if (!Object.prototype.hasOwnProperty.call(spec, name)) {
      throw badRequest(
        `${errorPrefix}_filter_name_not_recognized`,
        `${where}.filter_name "${name}" is not recognized. Supported filters: ${Object.keys(spec).join(', ')}.`,
      );
    }
    if (value === undefined || value === null) {
      throw badRequest(`${errorPrefix}_missing_filter_value`, `${where}.filter_value is required for ${name}.`);
    }
    return { name: name as N, value: checkValue(value, spec[name as N], `${where}.filter_value`, errorPrefix) };
  });
  return { operator, filters };
}

function checkValue(value: unknown, kind: FilterKind, where: string, errorPrefix: string): FilterValue {
  switch (kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw badRequest(`${errorPrefix}_expected_boolean`, `${where} must be a boolean.`);
      return value;
    case 'string':
      if (typeof value !== 'string' || value.trim() === '') {
        throw badRequest(`${errorPrefix}_expected_string`, `${where} must be a non-empty string.`);
      }
      return value.trim();
    case 'strings':
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
        throw badRequest(`${errorPrefix}_expected_array_of_strings`, `${where} must be a non-empty array of strings.`);
      }
      if (value.length > MAX_VALUES_PER_FILTER) {
        throw badRequest(`${errorPrefix}_too_many_values`, `${where} may hold at most ${MAX_VALUES_PER_FILTER} values.`);
      }
      return value as string[];
  }
}

/** Cursors are opaque to callers: the id of the last row of the previous page. */
export function encodeCursor(afterId: string | undefined): string | null {
  return afterId === undefined ? null : Buffer.from(JSON.stringify({ v: 1, after: afterId })).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function decodeCursor(cursor: string | undefined | null): string | undefined {
  if (cursor === undefined || cursor === null || cursor === '') return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: number; after?: unknown };
    if (decoded.v === 1 && typeof decoded.after === 'string' && UUID.test(decoded.after)) return decoded.after;
  } catch {
    // fall through to the error below
  }
  throw badRequest('invalid_cursor', 'cursor is not a cursor returned by a previous search.');
}

export function checkLimit(limit: number | undefined): number {
  if (limit === undefined || limit === 0) return SEARCH_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 0 || limit > SEARCH_LIMIT_MAX) {
    throw badRequest('invalid_limit', `limit must be an integer between 1 and ${SEARCH_LIMIT_MAX}.`);
  }
  return limit;
}
