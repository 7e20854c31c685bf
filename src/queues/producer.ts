import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { logger } from '../logger';
import { bullPrefix } from './connection';
import { ATTEMPTS, JobName, JobPayloads, queueOf, QueueName, RETENTION } from './registry';

/**
 * What services see of the queues. Enqueueing is a nudge, never the record:
 * Postgres holds the state, so a failed enqueue (Redis away) is repaired by
 * the sweep, and a duplicate is harmless because handlers re-check Postgres.
 */
export interface JobProducer {
  enqueue<N extends JobName>(name: N, payload: JobPayloads[N], jobId: string): Promise<void>;
  /** Enqueue after commit; if Redis is away the sweep enqueues it later, so this never throws. */
  nudge<N extends JobName>(name: N, payload: JobPayloads[N], jobId: string): Promise<void>;
  close(): Promise<void>;
}

export class BullJobProducer implements JobProducer {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly connection: Redis,
    private readonly queuePrefix: string,
  ) {}

  private queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: bullPrefix(this.queuePrefix) });
      this.queues.set(name, queue);
    }
    return queue;
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], jobId: string): Promise<void> {
    await this.queue(queueOf(name)).add(name, payload, { jobId, ...ATTEMPTS, ...RETENTION });
  }

  async nudge<N extends JobName>(name: N, payload: JobPayloads[N], jobId: string): Promise<void> {
    try {
      await this.enqueue(name, payload, jobId);
    } catch (err) {
      logger.warn({ queue_job_id: jobId, err }, `could not enqueue ${name}; the sweep will retry`);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
