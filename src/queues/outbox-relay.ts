import { AsyncResource } from 'node:async_hooks';
import type { Knex } from 'knex';
import { logger } from '../logger';
import type { OutboxRepository } from '../repositories/outbox.repository';
import type { JobProducer } from '../jobs';

const BATCH = 200;
const INTERVAL_MS = 1000;
/** After a failed pass (Redis away), wait this long before trying again. */
const BACKOFF_MS = 5000;

/**
 * Moves outbox entries into BullMQ. An entry is deleted only in the
 * transaction that saw it enqueued, so a crash or a Redis outage leaves it
 * for the next pass (a duplicate enqueue is harmless: queue ids are fixed
 * and handlers re-check Postgres). Every process role runs one; SKIP LOCKED
 * keeps them from waiting on each other.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private pausedUntil = 0;
  /**
   * Passes run in the relay's own async context, whoever pokes it: a poke
   * from code inside a request's transaction must not make the pass look
   * like a second connection taken by that transaction (src/db/knex.ts).
   */
  private readonly scope = new AsyncResource('outbox-relay');

  constructor(
    private readonly knex: Knex,
    private readonly outbox: OutboxRepository,
    private readonly producer: JobProducer,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.poke(), INTERVAL_MS);
    this.poke();
  }

  /** Relays soon (right after a commit that wrote entries); passes never overlap in one process. */
  poke(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    if (Date.now() < this.pausedUntil) return;
    this.running = this.scope
      .runInAsyncScope(() => this.drain())
      .then(() => undefined)
      .catch((err) => {
        this.pausedUntil = Date.now() + BACKOFF_MS;
        logger.warn({ err }, 'outbox relay pass failed; retrying shortly');
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** Relays until the outbox is empty; returns how many entries went to the queues. */
  async drain(): Promise<number> {
    let relayed = 0;
    for (;;) {
      const moved = await this.knex.transaction(async (trx) => {
        const entries = await this.outbox.claim(trx, BATCH);
        await this.producer.enqueueMany(entries.map((e) => e.entry));
        await this.outbox.remove(
          trx,
          entries.map((e) => e.id),
        );
        return entries.length;
      });
      relayed += moved;
      if (moved < BATCH) return relayed;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
