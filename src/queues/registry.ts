import type { JobName } from '../jobs';

/**
 * Which queue runs each job, and how BullMQ keeps and retries them. Queues
 * are kebab-case nouns; the jobs themselves are declared in src/jobs.
 */
export const QUEUES = {
  maintenance: [
    'organizations.purge-deleted',
    'jobs.sweep',
    'signing-keys.rotate',
    'invites.expire',
    'intermediate-sessions.purge',
    'tokens.purge',
    'outbox.sweep',
    'sso.saml-metadata-refresh',
    'events.purge',
    'webhooks.sweep',
  ],
  migrations: ['migration.prepare', 'migration.chunk'],
  deduplication: ['members.merge', 'members.scan-duplicates'],
  emails: ['email.send'],
  invites: ['invites.send'],
  sms: ['sms.send'],
  scim: ['scim.roles-refresh', 'scim.roles-verify', 'scim.reconcile'],
  webhooks: ['events.dispatch', 'webhooks.deliver'],
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
  { queue: 'scim', job: 'scim.roles-verify', everyMs: 600_000 },
  { queue: 'maintenance', job: 'invites.expire', everyMs: 15 * 60_000 },
  { queue: 'maintenance', job: 'intermediate-sessions.purge', everyMs: 10 * 60_000 },
  { queue: 'maintenance', job: 'tokens.purge', everyMs: 3600_000 },
  // The relay drains every second in each process; this catches what is left when none runs.
  { queue: 'maintenance', job: 'outbox.sweep', everyMs: 60_000 },
  { queue: 'maintenance', job: 'sso.saml-metadata-refresh', everyMs: 24 * 3600_000 },
  // The audit log's retention is in days: an hourly pass keeps each run's backlog small.
  { queue: 'maintenance', job: 'events.purge', everyMs: 3600_000 },
  // Re-queues webhook deliveries whose queue entries were lost, and disables endpoints failing for days.
  { queue: 'maintenance', job: 'webhooks.sweep', everyMs: 60_000 },
];

/** Retries for work jobs: transient failures (deadlocks, a database restart) heal themselves. */
export const ATTEMPTS = { attempts: 5, backoff: { type: 'exponential' as const, delay: 2000 } };

/** Finished jobs are kept for inspection, but bounded so Redis never grows without limit. */
export const RETENTION = {
  removeOnComplete: { count: 1000, age: 24 * 3600 },
  removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
};
