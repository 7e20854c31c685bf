import type { Knex } from 'knex';

/** What tarn (knex's pool) tells about itself. */
interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  readonly max: number;
}

export interface PoolUsage {
  used: number;
  free: number;
  pendingAcquires: number;
  max: number;
}

/** The pool's connections right now; undefined once knex is destroyed (it drops its pool). */
export function poolUsage(knex: Knex): PoolUsage | undefined {
  const pool = (knex.client as { pool?: TarnPool }).pool;
  if (!pool) return undefined;
  return { used: pool.numUsed(), free: pool.numFree(), pendingAcquires: pool.numPendingAcquires(), max: pool.max };
}

/**
 * Seconds since the oldest outbox entry was written (0 when the outbox is
 * empty). Entries are deleted as they are relayed, so a growing age means
 * the relay is stuck (Redis away) and promised work is waiting. Ids grow
 * with time: the primary key finds the oldest without a scan.
 */
export async function outboxLagSeconds(knex: Knex): Promise<number> {
  const row = await knex('outbox').first(knex.raw('extract(epoch FROM now() - created_at)::float8 AS lag')).orderBy('id');
  return row ? Math.max(0, Number(row.lag)) : 0;
}
