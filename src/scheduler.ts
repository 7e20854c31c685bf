import { Queue } from 'bullmq';
import type { Config } from './config';
import { logger } from './logger';
import { bullPrefix, fastFailConnection } from './queues/connection';
import { RETENTION, SCHEDULES } from './queues/registry';

export interface Scheduler {
  close(): Promise<void>;
}

/**
 * Registers every recurring job. upsertJobScheduler is idempotent, so any
 * number of scheduler processes may run it at every boot.
 */
export async function startScheduler(config: Readonly<Config>): Promise<Scheduler> {
  const connection = fastFailConnection(config.redisUrl, { enableOfflineQueue: true });
  const queues = new Map<string, Queue>();
  for (const schedule of SCHEDULES) {
    let queue = queues.get(schedule.queue);
    if (!queue) {
      queue = new Queue(schedule.queue, {
        connection,
        prefix: bullPrefix(config.queuePrefix),
      });
      queues.set(schedule.queue, queue);
    }
    await queue.upsertJobScheduler(
      schedule.job,
      { every: schedule.everyMs },
      { name: schedule.job, data: {}, opts: { ...RETENTION, attempts: 3, backoff: { type: 'exponential', delay: 5000 } } },
    );
  }
  logger.info({ schedules: SCHEDULES.map((s) => s.job) }, 'job schedulers registered');
  return {
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      await connection.quit();
    },
  };
}
