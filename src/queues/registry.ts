/**
 * Every queue and job Roster runs, in one typed registry. Queues are
 * kebab-case nouns; job names are `noun.verb`. Payloads carry ids only:
 * Redis stores them in clear.
 */
export interface JobPayloads {
  /** Purges members of deleted organizations, then the organizations. Idempotent. */
  'organizations.purge-deleted': Record<string, never>;
  /** Re-enqueues caller-visible jobs whose queue entries were lost; drops finished staging tables. */
  'jobs.sweep': Record<string, never>;
  /** Validates a member migration set-based and plans its chunks; on a planned job, re-enqueues what is pending. */
  'migration.prepare': { jobId: string };
  /** Applies one chunk of a member migration in one transaction. */
  'migration.chunk': { jobId: string; chunkNo: number };
  /** Folds duplicate members into a primary member. */
  'members.merge': { jobId: string };
  /** Reports candidate duplicate members of an organization, changing nothing. */
  'members.scan-duplicates': { jobId: string };
  /** Mints the magic links of queued emails and sends them (one job per request or bulk batch). */
  'email.send': { emailIds: string[] };
  /** Invites a bulk-invite job's invitees one by one, at the configured pace; resumes where it stopped. */
  'invites.send': { jobId: string };
  /** Retires session signing keys past their age and drops retired keys no live JWT needs. */
  'signing-keys.rotate': Record<string, never>;
}
export type JobName = keyof JobPayloads;

export const QUEUES = {
  maintenance: ['organizations.purge-deleted', 'jobs.sweep', 'signing-keys.rotate'],
  migrations: ['migration.prepare', 'migration.chunk'],
  deduplication: ['members.merge', 'members.scan-duplicates'],
  emails: ['email.send'],
  invites: ['invites.send'],
} as const satisfies Record<string, readonly JobName[]>;
export type QueueName = keyof typeof QUEUES;

export function queueOf(job: JobName): QueueName {
  return (Object.keys(QUEUES) as QueueName[]).find((queue) => (QUEUES[queue] as readonly JobName[]).includes(job))!;
}

/** Recurring jobs the scheduler role registers (idempotently, with upsertJobScheduler). */
export const SCHEDULES: { queue: QueueName; job: JobName; everyMs: number }[] = [
  { queue: 'maintenance', job: 'organizations.purge-deleted', everyMs: 60_000 },
  { queue: 'maintenance', job: 'jobs.sweep', everyMs: 30_000 },
  { queue: 'maintenance', job: 'signing-keys.rotate', everyMs: 3600_000 },
];

/** Retries for work jobs: transient failures (deadlocks, a database restart) heal themselves. */
export const ATTEMPTS = { attempts: 5, backoff: { type: 'exponential' as const, delay: 2000 } };

/** Finished jobs are kept for inspection, but bounded so Redis never grows without limit. */
export const RETENTION = {
  removeOnComplete: { count: 1000, age: 24 * 3600 },
  removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
};
