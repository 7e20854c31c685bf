import type { JobName, JobPayloads, QueueEntry } from './queued-work';

/**
 * What services see of the queues. Enqueueing is a nudge, never the record:
 * Postgres holds the state, so a failed enqueue (Redis away) is repaired by
 * the sweep, and a duplicate is harmless because handlers re-check Postgres.
 */
export interface JobProducer {
  /**
   * Adds entries in one round trip, throwing when the queues cannot take
   * them. An entry whose id is already queued is left as it is.
   */
  enqueueMany(entries: QueueEntry[]): Promise<void>;
  /**
   * Makes sure a queue entry with this id is waiting or running: adds it,
   * or replaces a finished one; does nothing while one is pending. Never
   * throws: if the queues are away, the sweep tries again later. With
   * `delayMs`, the entry waits that long before it runs (a scheduled retry).
   */
  ensure<N extends JobName>(name: N, payload: JobPayloads[N], jobId: string, options?: { delayMs?: number }): Promise<void>;
  close(): Promise<void>;
}
