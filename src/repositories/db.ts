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
 * every filter (and may join and select); ordering by the UUIDv7 primary key
 * keeps pages stable while rows are inserted: `asc` pages from the oldest
 * (the cursor is the last id seen, later ids follow), `desc` from the newest.
 */
export async function keysetPage<T extends { id: string }>(
  filtered: Knex.QueryBuilder,
  idColumn: string,
  cursorId: string | undefined,
  limit: number,
  direction: 'asc' | 'desc' = 'asc',
): Promise<Page<T>> {
  const countQuery = filtered.clone().clearSelect().clearOrder().count({ total: '*' }).first();
  const pageQuery = filtered
    .clone()
    .orderBy(idColumn, direction)
    .limit(limit + 1);
  if (cursorId !== undefined) pageQuery.where(idColumn, direction === 'asc' ? '>' : '<', cursorId);
  const [rows, counted] = await Promise.all([pageQuery as Promise<T[]>, countQuery]);
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  return {
    rows: pageRows,
    total: Number((counted as { total: number } | undefined)?.total ?? 0),
    nextAfterId: hasMore ? pageRows[pageRows.length - 1].id : undefined,
  };
}

interface PooledPgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs a fixed statement of a hot path on a pooled connection as a named
 * prepared statement: Postgres parses and plans it once per connection, and
 * the call skips knex's query builder and runner (about a fifth of the
 * session path's CPU). Outside transactions only; the connection comes from
 * knex's pool, so its settings and the nested-acquisition guard still apply.
 */
export async function queryPrepared<T>(knex: Knex, name: string, text: string, values: unknown[]): Promise<T[]> {
  const client = knex.client as { acquireConnection(): Promise<PooledPgClient>; releaseConnection(c: PooledPgClient): Promise<void> };
  const connection = await client.acquireConnection();
  try {
    return (await connection.query({ name, text, values })).rows as T[];
  } finally {
    await client.releaseConnection(connection);
  }
}

/** Rows read as JSON (row_to_json) carry timestamps as text; callers expect Dates. */
export const withDates = <T extends { created_at: Date; updated_at: Date }>(row: T): T => ({
  ...row,
  created_at: new Date(row.created_at),
  updated_at: new Date(row.updated_at),
});

export const isTransaction = (db: Db): db is Knex.Transaction => (db as Knex.Transaction).isTransaction === true;

/**
 * Independent reads on `db`: at once on the pool (a connection each), one
 * after another in a transaction, whose one connection runs one query at a
 * time (pg warns of overlapping queries on a client; pg@9 refuses them).
 */
export async function independentReads<T extends readonly unknown[]>(db: Db, reads: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  if (!isTransaction(db)) return (await Promise.all(reads.map((read) => read()))) as unknown as T;
  const results: unknown[] = [];
  for (const read of reads) results.push(await read());
  return results as unknown as T;
}

/**
 * Spends a live single-use token (unused, unexpired) of a project in one
 * conditional UPDATE: of concurrent callers, exactly one gets the row.
 */
export async function spendToken<T>(db: Db, table: string, projectId: string, tokenHash: Buffer): Promise<T | undefined> {
  const [row] = await db(table)
    .where({ project_id: projectId, token_hash: tokenHash })
    .whereNull('used_at')
    .where('expires_at', '>', db.fn.now())
    .update({ used_at: db.fn.now() })
    .returning('*');
  return row as T | undefined;
}
