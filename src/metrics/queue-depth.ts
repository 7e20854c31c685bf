import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullPrefix } from '../queues/connection';
import { QueueName, QUEUES } from '../queues/registry';

/** The states a queue's jobs are counted in; finished jobs are only kept for inspection, so not counted. */
export const QUEUE_STATES = ['waiting', 'prioritized', 'waiting-children', 'delayed', 'active', 'failed'] as const;

export type QueueDepths = Record<QueueName, Record<(typeof QUEUE_STATES)[number], number>>;

/** Counts every queue's jobs by state (a handful of ZCARD/LLEN per queue, one round trip each). */
export class QueueDepth {
  private readonly queues: Queue[];

  constructor(redis: Redis, queuePrefix: string) {
    this.queues = (Object.keys(QUEUES) as QueueName[]).map((name) => {
      // Read-only: skipMetasUpdate keeps this Queue from writing its meta key.
      const queue = new Queue(name, { connection: redis, prefix: bullPrefix(queuePrefix), skipMetasUpdate: true });
      // A Redis outage surfaces as a failed scrape and through /healthz, not as unhandled noise.
      queue.on('error', () => undefined);
      return queue;
    });
  }

  async read(): Promise<QueueDepths> {
    const counts = await Promise.all(this.queues.map((q) => q.getJobCounts(...QUEUE_STATES)));
    return Object.fromEntries(this.queues.map((q, i) => [q.name, counts[i]])) as QueueDepths;
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
  }
}
