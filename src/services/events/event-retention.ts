import type { Knex } from 'knex';
import { logger } from '../../logger';
import type { EventQueryRepository } from '../../repositories/event-query.repository';

/** Events deleted per statement: each delete (with its cascaded deliveries and attempts) stays a short transaction. */
const BATCH = 10_000;
const DAY_MS = 24 * 3600_000;

/**
 * The audit log's retention (`events.purge`, scheduled): events older than
 * ROSTER_EVENTS_RETENTION_DAYS go, with their webhook deliveries. Idempotent:
 * a second run finds nothing; the outcome is the job's result.
 */
export class EventRetention {
  constructor(
    private readonly knex: Knex,
    private readonly events: EventQueryRepository,
    private readonly retentionDays: number,
    private readonly batch = BATCH,
  ) {}

  async purge(now = new Date()): Promise<{ events: number; batches: number }> {
    const before = new Date(now.getTime() - this.retentionDays * DAY_MS);
    const outcome = { events: 0, batches: 0 };
    // One batch after another until one comes back short: the backlog of a long outage drains in bounded steps.
    for (;;) {
      const deleted = await this.events.purgeBatch(this.knex, before, this.batch);
      outcome.events += deleted;
      outcome.batches += 1;
      if (deleted < this.batch) break;
    }
    logger.info({ ...outcome, before }, 'expired events purged');
    return outcome;
  }
}
