/**
 * Caller-visible jobs (rows of `jobs`, shown at `GET /v1/b2b/jobs/:id`): for
 * each type, what its `params` hold and what its `result` reports. Params
 * are shown to API callers, so they hold settings and counts, never
 * personal data (a bulk invite's invitees live in their own table).
 */

/** Which mailbox variants a duplicate scan folds together. */
export interface EmailVariantRule {
  /** Domains whose addresses are one mailbox under these rules; the first is the canonical one. */
  domains: string[];
  ignore_dots: boolean;
  ignore_plus_tags: boolean;
}

/** One person of a bulk invite's list: kept in `bulk_invitees`, never in params. */
export interface BulkInvitee {
  email_address: string;
  name?: string;
  roles?: string[];
  trusted_metadata?: Record<string, unknown>;
  untrusted_metadata?: Record<string, unknown>;
}

export interface BulkInviteJobParams {
  /** Bare organization id. */
  organization_id: string;
  /** How many invitees the request listed. */
  invitees: number;
  invite_redirect_url?: string;
  /** As the caller sent it (a public member id): it is checked again when the job runs. */
  invited_by_member_id?: string;
  invite_expiration_minutes?: number;
}

/** A member migration's options, resolved, and what the CSV header said. */
export interface MigrationJobParams {
  on_conflict: 'skip' | 'update';
  create_organizations: boolean;
  dry_run: boolean;
  /** Bare organization id. */
  default_organization_id: string | null;
  columns: string[];
  ignored_columns: string[];
}

/** Member ids are bare. */
export interface MergeJobParams {
  organization_id: string;
  primary_member_id: string;
  duplicate_member_ids: string[];
  dry_run: boolean;
}

export interface ScanJobParams {
  /** Bare organization id. */
  organization_id: string;
  rules: EmailVariantRule[];
}

/** Member ids in results are public ids: results are stored as they are shown. */
export interface MergeJobResult {
  dry_run: boolean;
  primary_member_id: string;
  merged_member_ids: string[];
  retired_email_addresses: string[];
  /** The primary's fields after the merge. */
  merged_fields: Record<string, unknown>;
}

/**
 * A member import's outcome; its counts are in `progress`. A dry run writes
 * nothing: `progress.created` / `updated` then count what it would have done,
 * and the result says so in its own words.
 */
export interface MigrationJobResult {
  /** True when nothing was written (no member, no organization). */
  dry_run: boolean;
  /** Dry run only: the members a real run would create. */
  would_create?: number;
  /** Dry run only: the existing members a real run would update. */
  would_update?: number;
}

/** A SCIM directory snapshot's reconcile; its snapshot rows live in `scim_snapshot_rows`, never in params. */
export interface ScimReconcileJobParams {
  /** Bare organization id. */
  organization_id: string;
  /** Bare SCIM connection id. */
  connection_id: string;
  dry_run: boolean;
}

/** Counts per kind of change (a dry run's: what a real run would do); each change is listed at GET /v1/b2b/jobs/:job_id/report. */
export interface ScimReconcileJobResult {
  dry_run: boolean;
  created: number;
  linked: number;
  updated: number;
  deactivated: number;
  reactivated: number;
  unchanged: number;
  /** Live members of the organization the connection does not manage and the snapshot does not name: left alone. */
  unmanaged: number;
}

export interface ScanJobResult {
  /** True when the scan stopped at its group limit. */
  truncated: boolean;
  groups: { reason: 'email_variant' | 'external_id'; key: string; member_ids: string[]; emails: string[] }[];
}

export interface JobTypes {
  'invites.bulk': { params: BulkInviteJobParams; result: null };
  'migration.members': { params: MigrationJobParams; result: MigrationJobResult };
  'members.merge': { params: MergeJobParams; result: MergeJobResult };
  'members.scan-duplicates': { params: ScanJobParams; result: ScanJobResult };
  'scim.reconcile': { params: ScimReconcileJobParams; result: ScimReconcileJobResult };
}
export type JobType = keyof JobTypes;
export type JobParams<T extends JobType = JobType> = JobTypes[T]['params'];
export type JobResult<T extends JobType = JobType> = JobTypes[T]['result'];

// A record, so that a type added to JobTypes but not here fails to compile.
const LISTED_JOB_TYPES = {
  'invites.bulk': true,
  'migration.members': true,
  'members.merge': true,
  'members.scan-duplicates': true,
  'scim.reconcile': true,
} as const satisfies Record<JobType, true>;
/** Every job type, for filters and docs. */
export const JOB_TYPES = Object.keys(LISTED_JOB_TYPES) as JobType[];

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Whether a stored job is of this type; its params then have that type's shape (they were written through it). */
export function isJobOf<T extends JobType, J extends { type: JobType; params: JobParams }>(
  job: J,
  type: T,
): job is J & { type: T; params: JobParams<T> } {
  return job.type === type;
}

/** A stored job's params as its type declares them; throws if the job is of another type. */
export function paramsOf<T extends JobType>(job: { type: JobType; params: JobParams }, type: T): JobParams<T> {
  if (!isJobOf(job, type)) throw new Error(`job is a ${job.type} job, not a ${type} job`);
  return job.params;
}

/** One input row a job refused, as stored and as shown (JSON pages or CSV). */
export interface JobRowError {
  line: number;
  error_type: string;
  column_name: string | null;
  value: string | null;
  message: string;
}
