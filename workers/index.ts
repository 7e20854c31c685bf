import { Job, Processor, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Container } from '../src/container';
import { logger } from '../src/logger';
import { bullPrefix, workerConnection } from '../src/queues/connection';
import { deduplicationProcessor } from '../src/queues/processors/deduplication.processor';
import { emailProcessor } from '../src/queues/processors/email.processor';
import { inviteProcessor } from '../src/queues/processors/invite.processor';
import { maintenanceProcessor } from '../src/queues/processors/maintenance.processor';
import { memberImportProcessor } from '../src/queues/processors/member-import.processor';
import { smsProcessor } from '../src/queues/processors/sms.processor';
import { scimProcessor } from '../src/queues/processors/scim.processor';
import { webhooksProcessor } from '../src/queues/processors/webhooks.processor';
import { QueueName, QUEUES } from '../src/queues/registry';

export interface Workers {
  /** Stops taking jobs and resolves once the active ones have finished. */
  close(): Promise<void>;
  /**
   * For a shutdown whose grace period ran out: puts every job still running back
   * in its queue now, rather than when its lock expires, and names them. The
   * process must exit right after, so that a job never runs here and elsewhere.
   */
  returnActiveJobs(): Promise<string[]>;
}

/** Starts one BullMQ worker per queue (all of them, or those in WORKER_QUEUES). */
export function startWorkers(container: Container): Workers {
  const processors: Record<QueueName, Processor> = {
    maintenance: maintenanceProcessor(
      container.organizations,
      container.sweeper,
      container.signingKeys,
      container.credentialExpiry,
      container.relay,
      container.samlMetadataRefresh,
      container.eventRetention,
      container.webhookDelivery,
    ),
    migrations: memberImportProcessor(container.memberImports),
    deduplication: deduplicationProcessor(container.deduplication),
    emails: emailProcessor(container.emails),
    invites: inviteProcessor(container.bulkInvites),
    sms: smsProcessor(container.smsDelivery),
    scim: scimProcessor(container.scimRoles, container.scimReconcileRun),
    webhooks: webhooksProcessor(container.webhookDelivery),
  };
  // Chunks of one migration spread over workers; two per process suit a small machine.
  // An email job sends its batch side by side through the SMTP pool: a few jobs keep it busy.
  // A text is one HTTP call to the gateway: several at once keep a burst of logins moving.
  const concurrency: Record<QueueName, number> = {
    maintenance: 1,
    migrations: 2,
    deduplication: 1,
    emails: 5,
    invites: 2,
    sms: 5,
    scim: 2,
    // Each delivery waits on a remote endpoint: many at once keep slow receivers from holding up the rest.
    webhooks: 10,
  };
  const names = (container.config.workerQueues ?? Object.keys(QUEUES)) as QueueName[];
  const unknown = names.filter((name) => !(name in QUEUES));
  if (unknown.length > 0) throw new Error(`WORKER_QUEUES names unknown queues: ${unknown.join(', ')}`);

  // Each running job with its lock token, so that a shutdown can hand it back.
  const running = new Map<Job, string | undefined>();
  const tracked =
    (processor: Processor): Processor =>
    async (job, token, signal) => {
      running.set(job, token);
      try {
        return await processor(job, token, signal);
      } finally {
        running.delete(job);
      }
    };

  const connection = workerConnection(container.config.redisUrl);
  void warnUnlessNoEviction(connection);
  const workers = names.map((name) => {
    const worker = new Worker(name, tracked(processors[name]), {
      connection,
      prefix: bullPrefix(container.config.queuePrefix),
      concurrency: concurrency[name],
      lockDuration: container.config.jobLockMs,
      stalledInterval: container.config.jobLockMs,
    });
    const log = logger.child({ queue: name });
    worker.on('failed', (job, err) => log.warn({ job_id: job?.id, job: job?.name, err }, 'job failed'));
    worker.on('error', (err) => log.error({ err }, 'worker error'));
    container.metrics.observeWorker(worker);
    return worker;
  });
  logger.info({ queues: names }, 'workers started');

  return {
    // close() waits for in-flight jobs to finish before resolving.
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      // BullMQ leaves a connection it was handed open.
      await connection.quit();
    },
    async returnActiveJobs() {
      const jobs = [...running];
      await Promise.all(jobs.map(([job, token]) => job.moveToWait(token)));
      return jobs.map(([job]) => `${job.queueName}/${job.id}`);
    },
  };
}

/**
 * BullMQ needs Redis never to evict keys (an evicted job is silently lost);
 * Postgres is the record here, but a warning at boot saves a day of debugging.
 */
async function warnUnlessNoEviction(connection: Redis): Promise<void> {
  try {
    const [, policy] = (await connection.config('GET', 'maxmemory-policy')) as [string, string];
    if (policy !== 'noeviction') {
      logger.warn({ maxmemory_policy: policy }, 'Redis maxmemory-policy should be noeviction for BullMQ; queued jobs may be evicted');
    }
  } catch (err) {
    // Managed Redis services often forbid CONFIG; nothing to check then.
    logger.debug({ err }, 'could not read Redis maxmemory-policy');
  }
}
