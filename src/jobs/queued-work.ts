/**
 * The work Roster hands to its queues: job names (`noun.verb`) and what each
 * carries. Payloads carry ids only: Redis stores them in clear.
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
  /** Mints an SMS passcode and texts it (one job per message; its row says whether it went already). */
  'sms.send': { smsId: string };
  /** Invites a bulk-invite job's invitees in batches, at the configured pace; resumes where it stopped. */
  'invites.send': { jobId: string };
  /** Retires session signing keys past their age and drops retired keys no live JWT needs. */
  'signing-keys.rotate': Record<string, never>;
}
export type JobName = keyof JobPayloads;

/** One piece of queued work; `jobId` is the queue's id for it (deterministic, so a repeat is a no-op). */
export type QueueEntry<N extends JobName = JobName> = { [K in N]: { name: K; payload: JobPayloads[K]; jobId: string } }[N];
