import type { Knex } from 'knex';

/** A connection or a transaction: repositories take whichever the service holds. */
export type Db = Knex | Knex.Transaction;

/** Escapes LIKE wildcards so that user input matches literally. */
export function likeContains(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A keyset page: rows ordered by id after the cursor, and the filtered total. */
export interface Page<T> {
  rows: T[];
  total: number;
  nextAfterId: string | undefined;
}

/**
 * Runs a filtered query as one keyset page. `filtered` must already carry
 * every filter; ordering by the UUIDv7 primary key keeps pages stable while
 * rows are inserted.
 */
export async function keysetPage<T extends { id: string }>(
  filtered: Knex.QueryBuilder,
  idColumn: string,
  afterId: string | undefined,
  limit: number,
): Promise<Page<T>> {
  const countQuery = filtered.clone().clearSelect().clearOrder().count({ total: '*' }).first();
  const pageQuery = filtered
    .clone()
    .orderBy(idColumn, 'asc')
    .limit(limit + 1);
  if (afterId !== undefined) pageQuery.where(idColumn, '>', afterId);
  const [rows, counted] = await Promise.all([pageQuery as Promise<T[]>, countQuery]);
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  return {
    rows: pageRows,
    total: Number((counted as { total: number } | undefined)?.total ?? 0),
    nextAfterId: hasMore ? pageRows[pageRows.length - 1].id : undefined,
  };
}
