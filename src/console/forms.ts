import type { Request } from 'express';

/** A text field of a posted form or query string ('' when absent or repeated). */
export function textOf(source: unknown, name: string): string {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** The query string's `q` (trimmed) and `cursor`, as every listing reads them. */
export function listingQuery(req: Request): { q: string; cursor: string | undefined } {
  const cursor = textOf(req.query, 'cursor');
  return { q: textOf(req.query, 'q').trim(), cursor: cursor === '' ? undefined : cursor };
}

/** A Stytch search query of one or more filters on the same text, any of them matching; none when the text is empty. */
export function fuzzyQuery(text: string, filterNames: string[]) {
  if (text === '') return undefined;
  return { operator: 'OR', operands: filterNames.map((filter_name) => ({ filter_name, filter_value: text })) };
}

/** The console's page size for listings. */
export const PAGE_SIZE = 50;
