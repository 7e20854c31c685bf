import { scimBadRequest } from './scim-error';

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
/** A page when the directory names no count. */
export const DEFAULT_PAGE_SIZE = 100;
/** The largest page (also ServiceProviderConfig's filter.maxResults). */
export const MAX_PAGE_SIZE = 1000;

export interface PageParams {
  /** 1-based index of the first result. */
  startIndex: number;
  /** How many results at most; 0 answers only totalResults. */
  count: number;
}

export interface ListResponse<T> {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: T[];
}

function integer(name: string, value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number)) throw scimBadRequest('invalidValue', `${name} must be an integer.`);
  return number;
}

/**
 * RFC 7644 §3.4.2.4's paging: a startIndex below 1 means 1, a negative count
 * means 0, and a count above MAX_PAGE_SIZE is cut to it (the RFC lets the
 * service provider answer fewer than asked).
 */
export function pageParams(query: { startIndex?: unknown; count?: unknown }): PageParams {
  const startIndex = integer('startIndex', query.startIndex) ?? 1;
  const count = integer('count', query.count) ?? DEFAULT_PAGE_SIZE;
  return { startIndex: Math.max(startIndex, 1), count: Math.min(Math.max(count, 0), MAX_PAGE_SIZE) };
}

/** A query answer in RFC 7644 §3.4.2's ListResponse shape. */
export function listResponse<T>(resources: T[], totalResults: number, startIndex: number): ListResponse<T> {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}
