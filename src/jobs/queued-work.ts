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
  /** Recomputes the SCIM group roles of a connection's members, or of one group's, in batches (ids are bare). */
  'scim.roles-refresh': { project_id: string; connection_id: string; group_id?: string };
  /** Recomputes every member's SCIM group roles from its groups and repairs any drift. */
  'scim.roles-verify': Record<string, never>;
  /** Diffs a staged directory snapshot against its organization and applies (or, dry, only reports) the changes. */
  'scim.reconcile': { jobId: string };
  /** Voids expired, unused invite links; the invited members stay `invited` (a new invite re-sends). */
  'invites.expire': Record<string, never>;
  /** Deletes expired intermediate sessions. */
  'intermediate-sessions.purge': Record<string, never>;
  /** Deletes magic links, passcodes and member sessions dead for longer than the retention. */
  'tokens.purge': Record<string, never>;
  /** Relays outbox entries left behind, even when no web process runs a relay. */
  'outbox.sweep': Record<string, never>;
  /** Reads again the IdP metadata of SAML connections set up by URL; reports IdP certificates expiring within 30 days. */
  'sso.saml-metadata-refresh': Record<string, never>;
  /** Fans committed events (bare ids) out to the project's subscribed webhook endpoints as deliveries. */
  'events.dispatch': { eventIds: string[] };
  /** Sends one webhook delivery (Standard Webhooks), after any earlier pending delivery of the same object to the same endpoint. */
  'webhooks.deliver': { deliveryId: string };
  /** Re-enqueues due webhook deliveries whose queue entries were lost; disables endpoints failing for days. */
  'webhooks.sweep': Record<string, never>;
  /** Deletes events (and their deliveries) older than the retention. */
  'events.purge': Record<string, never>;
}
export type JobName = keyof JobPayloads;

/** One piece of queued work; `jobId` is the queue's id for it (deterministic, so a repeat is a no-op). */
export type QueueEntry<N extends JobName = JobName> = { [K in N]: { name: K; payload: JobPayloads[K]; jobId: string } }[N];
