import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobName, JobPayloads, JobProducer, QueueEntry } from '../jobs';
import { logger } from '../logger';
import { bullPrefix } from './connection';
import { ATTEMPTS, queueOf, QueueName, RETENTION } from './registry';

const PENDING_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
const ENQUEUE_TIMEOUT_MS = 2000;

/**
 * BullMQ waits for a ready connection without limit; a caller must not wait
 * on an outage. (A command already sent may still land after the timeout:
 * handlers are idempotent, so the relay's later retry is harmless.)
 */
async function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ENQUEUE_TIMEOUT_MS} ms`)), ENQUEUE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The JobProducer on BullMQ: one Queue per queue name, created on first use. */
export class BullJobProducer implements JobProducer {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly connection: Redis,
    private readonly queuePrefix: string,
    private readonly emailRetryMs: number,
  ) {}

  /**
   * Retry schedules: work jobs retry quickly; an email the server deferred
   * (greylisting, a short outage) is retried for hours before it is given up.
   */
  private retries(name: JobName) {
    return name === 'email.send' ? { attempts: 10, backoff: { type: 'exponential' as const, delay: this.emailRetryMs } } : ATTEMPTS;
  }

  private queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: bullPrefix(this.queuePrefix) });
      // Outages surface through ensure's warnings and /healthz, not as unhandled noise.
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Fails at once while Redis is away, rather than leave a command that lands later. */
  private checkConnected(): void {
    if (this.connection.status !== 'ready') throw new Error(`Redis is ${this.connection.status}`);
  }

  async enqueueMany(entries: QueueEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.checkConnected();
    const byQueue = new Map<QueueName, typeof entries>();
    for (const entry of entries) byQueue.set(queueOf(entry.name), [...(byQueue.get(queueOf(entry.name)) ?? []), entry]);
    await withTimeout(
      Promise.all(
        [...byQueue].map(([queue, batch]) =>
          this.queue(queue).addBulk(
            batch.map((e) => ({ name: e.name, data: e.payload, opts: { jobId: e.jobId, ...this.retries(e.name), ...RETENTION } })),
          ),
        ),
      ),
    );
  }

  async ensure<N extends JobName>(name: N, payload: JobPayloads[N], jobId: string, options: { delayMs?: number } = {}): Promise<void> {
    try {
      await withTimeout(this.add(name, payload, jobId, options.delayMs));
    } catch (err) {
      logger.warn({ queue_job_id: jobId, err }, `could not enqueue ${name}; the sweep will retry`);
    }
  }

  private async add<N extends JobName>(name: N, payload: JobPayloads[N], jobId: string, delayMs?: number): Promise<void> {
    this.checkConnected();
    const queue = this.queue(queueOf(name));
    const existing = await queue.getJob(jobId);
    if (existing) {
      // A jobId dedups only while its entry exists: a finished entry must go before the id can run again.
      if (PENDING_STATES.has(await existing.getState())) return;
      await existing.remove();
    }
    await queue.add(name, payload, { jobId, delay: delayMs, ...this.retries(name), ...RETENTION });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
