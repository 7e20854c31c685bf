import type { JobName, JobPayloads, JobProducer, QueueEntry } from '../../src/jobs';

export interface Enqueued {
  name: JobName;
  payload: JobPayloads[JobName];
  jobId: string;
}

/**
 * A JobProducer that only records: service tests assert exactly what was
 * enqueued (name, payload and queue id) without Redis or workers.
 */
export class FakeJobProducer implements JobProducer {
  /** In call order; `ensure` and `enqueueMany` alike. */
  readonly enqueued: Enqueued[] = [];

  async enqueueMany(entries: QueueEntry[]): Promise<void> {
    this.enqueued.push(...entries);
  }

  async ensure<N extends JobName>(name: N, payload: JobPayloads[N], jobId: string): Promise<void> {
    this.enqueued.push({ name, payload, jobId });
  }

  /** What was enqueued since the last call. */
  take(): Enqueued[] {
    return this.enqueued.splice(0);
  }

  async close(): Promise<void> {}
}
