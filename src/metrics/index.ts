import cluster from 'node:cluster';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { logger } from '../logger';
import { QUEUES, type QueueName } from '../queues/registry';
import type { Mailer } from '../services/email/mailer';
import { cached, within } from './cached';
import { ClusterMetrics, joinCluster } from './cluster';
import { outboxLagSeconds, poolUsage } from './database';
import { CountingMailer } from './email';
import type { RequestObserver } from './http';
import { QueueDepth } from './queue-depth';

/** Scrapes within this long of each other share one read of Redis and Postgres. */
const SHARED_READ_TTL_MS = 2000;
/** A scrape answers without the gauges of a store that does not answer in this long. */
const SHARED_READ_TIMEOUT_MS = 1000;

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

/** The job name label of a job no queue declares (it fails at once): a fixed value, not whatever was queued. */
const UNKNOWN_JOB = 'unknown';

/** This process's Prometheus metrics (one registry per composition root), served at GET /metrics. */
export interface Metrics {
  readonly contentType: string;
  /** Records an answered request: called once its response is sent, with the time it took. */
  observeRequest: RequestObserver;
  /** Records the duration and outcome of every job `worker` runs. */
  observeWorker(worker: Worker): void;
  /** `mailer`, counting the outcome of every email it is given. */
  countSends(mailer: Mailer): Mailer;
  /** The metrics in Prometheus' text format: of this process, or of every web process and their primary under node:cluster. */
  render(): Promise<string>;
  close(): Promise<void>;
}

export interface MetricsSources {
  knex: Knex;
  redis: Redis;
  queuePrefix: string;
  /** The web role runs as several node:cluster processes (WEB_CONCURRENCY > 1): scrapes are answered for all of them. */
  clustered: boolean;
}

export function createMetrics({ knex, redis, queuePrefix, clustered }: MetricsSources): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const requests = new Histogram({
    name: 'roster_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method, route template and status code (route "unmatched": no route answered).',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers,
  });
  const jobs = new Histogram({
    name: 'roster_job_duration_seconds',
    help: 'Time each run of a queued job took, by queue, job name and outcome: completed; retrying (the run failed and BullMQ will retry it); failed (for good).',
    labelNames: ['queue', 'job', 'outcome'] as const,
    buckets: JOB_BUCKETS,
    registers,
  });
  const emails = new Counter({
    name: 'roster_emails_total',
    help: 'Emails given to the mailer, by transport (smtp, dev-outbox) and outcome: sent; captured (by the dev outbox); rejected (refused for good); deferred (a transient failure, retried).',
    labelNames: ['transport', 'outcome'] as const,
    registers,
  });

  new Gauge({
    name: 'roster_db_pool_connections',
    help: "Postgres connections of this process's pool, by state: used (lent out) or free (idle).",
    labelNames: ['state'] as const,
    registers,
    collect() {
      const usage = poolUsage(knex);
      this.reset();
      if (!usage) return;
      this.set({ state: 'used' }, usage.used);
      this.set({ state: 'free' }, usage.free);
    },
  });
  new Gauge({
    name: 'roster_db_pool_pending_acquires',
    help: 'Callers waiting for a pooled Postgres connection: above 0 for long, the pool (DATABASE_POOL_MAX) is too small for the load.',
    registers,
    collect() {
      this.set(poolUsage(knex)?.pendingAcquires ?? 0);
    },
  });
  new Gauge({
    name: 'roster_db_pool_max_connections',
    help: "The most connections this process's pool opens (DATABASE_POOL_MAX).",
    registers,
    collect() {
      this.set(poolUsage(knex)?.max ?? 0);
    },
  });

  // Queues and the outbox are shared by every process: under node:cluster the
  // primary reports them once, rather than each web process reading them again.
  const depth = cluster.isWorker ? undefined : new QueueDepth(redis, queuePrefix);
  if (depth) {
    const readDepths = cached(() => within(SHARED_READ_TIMEOUT_MS, 'Redis', depth.read()), SHARED_READ_TTL_MS);
    new Gauge({
      name: 'roster_queue_jobs',
      help: 'Jobs in each BullMQ queue, by state: waiting, prioritized, waiting-children, delayed, active, failed.',
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        try {
          const depths = await readDepths();
          this.reset();
          for (const [queue, states] of Object.entries(depths)) {
            for (const [state, count] of Object.entries(states)) this.set({ queue, state }, count);
          }
        } catch (err) {
          // No series rather than stale ones; /healthz says Redis is down.
          this.reset();
          logger.warn({ err }, 'metrics: could not count the queued jobs');
        }
      },
    });
    const readLag = cached(() => within(SHARED_READ_TIMEOUT_MS, 'Postgres', outboxLagSeconds(knex)), SHARED_READ_TTL_MS);
    new Gauge({
      name: 'roster_outbox_lag_seconds',
      help: 'Age of the oldest outbox entry not yet relayed to the queues (0: none waiting). Growing: the relay is stuck and promised work waits.',
      registers,
      async collect() {
        try {
          this.set(await readLag());
        } catch (err) {
          this.reset();
          logger.warn({ err }, 'metrics: could not read the outbox lag');
        }
      },
    });
  }

  const clusterMetrics: ClusterMetrics | undefined = clustered ? joinCluster(registry) : undefined;

  const jobName = (queue: string, job: Job) =>
    (QUEUES[queue as QueueName] as readonly string[] | undefined)?.includes(job.name) ? job.name : UNKNOWN_JOB;
  const observeJob = (queue: string, job: Job | undefined, outcome: 'completed' | 'retrying' | 'failed') => {
    if (!job) return;
    const started = job.processedOn ?? Date.now();
    jobs.observe({ queue, job: jobName(queue, job), outcome }, Math.max(0, (job.finishedOn ?? Date.now()) - started) / 1000);
  };

  return {
    contentType: registry.contentType,
    observeRequest(method, route, statusCode, seconds) {
      requests.observe({ method, route, status_code: statusCode }, seconds);
    },
    observeWorker(worker) {
      worker.on('completed', (job) => observeJob(worker.name, job, 'completed'));
      // BullMQ sets finishedOn when a job fails for good; a run it will retry leaves it unset.
      worker.on('failed', (job) => observeJob(worker.name, job, job?.finishedOn ? 'failed' : 'retrying'));
    },
    countSends: (mailer) => new CountingMailer(mailer, emails),
    render: () => (clusterMetrics ? clusterMetrics.render() : registry.metrics()),
    async close() {
      clusterMetrics?.close();
      await depth?.close();
    },
  };
}
