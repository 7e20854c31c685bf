import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from '../../src/config';
import { bullPrefix } from '../../src/queues/connection';

const JOB_DEADLINE_MS = 20_000;

/** The `maintenance` queue of a test app, as the scheduler feeds it: add a job, wait for a worker to finish it. */
export interface MaintenanceQueue {
  queue: Queue;
  /** Adds a maintenance job and waits for the worker to finish it; answers the job's return value. */
  run<T = Record<string, number>>(name: string): Promise<T>;
  /** Empties the queue and closes its connections (close the workers first). */
  close(): Promise<void>;
}

export async function openMaintenanceQueue(config: Pick<Config, 'redisUrl' | 'queuePrefix'>): Promise<MaintenanceQueue> {
  const { redisUrl, queuePrefix } = config;
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('maintenance', { connection, prefix: bullPrefix(queuePrefix) });
  const events = new QueueEvents('maintenance', { connection: { url: redisUrl }, prefix: bullPrefix(queuePrefix) });
  // Listening before the first job is added, so that no job's completion goes unheard.
  await events.waitUntilReady();
  return {
    queue,
    async run<T>(name: string): Promise<T> {
      const job = await queue.add(name, {});
      return job.waitUntilFinished(events, JOB_DEADLINE_MS) as Promise<T>;
    },
    async close() {
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    },
  };
}
