/**
 * Every queue and job Roster runs, in one typed registry. Queues are
 * kebab-case nouns; job names are `noun.verb`. Payloads carry ids only:
 * Redis stores them in clear.
 */
export interface JobPayloads {
  /** Purges members of deleted organizations, then the organizations. Idempotent. */
  'organizations.purge-deleted': Record<string, never>;
}
export type JobName = keyof JobPayloads;

export const QUEUES = {
  maintenance: ['organizations.purge-deleted'],
} as const satisfies Record<string, readonly JobName[]>;
export type QueueName = keyof typeof QUEUES;

/** Recurring jobs the scheduler role registers (idempotently, with upsertJobScheduler). */
export const SCHEDULES: { queue: QueueName; job: JobName; everyMs: number }[] = [
  { queue: 'maintenance', job: 'organizations.purge-deleted', everyMs: 60_000 },
];

/** Finished jobs are kept for inspection, but bounded so Redis never grows without limit. */
export const RETENTION = {
  removeOnComplete: { count: 1000, age: 24 * 3600 },
  removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
};
