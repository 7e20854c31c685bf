import type { Knex } from 'knex';
import type { MigrationJobParams, MigrationJobResult } from '../../jobs';
import type { JobRepository } from '../../repositories/job.repository';
import type { StagingRepository } from '../../repositories/member-import/staging';

/** The job type of a member CSV import (named before the import had its own name; kept for the wire). */
export const MEMBER_IMPORT_JOB_TYPE = 'migration.members';

export interface MemberImportOptions {
  organization_id?: string;
  on_conflict: 'skip' | 'update';
  create_organizations: boolean;
  dry_run: boolean;
}

export const EMPTY_PROGRESS = { total_rows: 0, processed_rows: 0, created: 0, updated: 0, skipped: 0, failed: 0 };

/**
 * A finished import's result. A dry run's progress counts what it would have
 * done under the same names as a real run's; its result says in words that
 * nothing was written.
 */
export function importResult(params: MigrationJobParams, progress: Record<string, number>): MigrationJobResult {
  return params.dry_run ? { dry_run: true, would_create: progress.created ?? 0, would_update: progress.updated ?? 0 } : { dry_run: false };
}

/** Ends an import that cannot go on: the job fails with `error`, and its staged rows go. */
export async function abandonImport(
  knex: Knex,
  jobs: JobRepository,
  staging: StagingRepository,
  jobId: string,
  error: { error_type: string; error_message: string },
): Promise<void> {
  await jobs.finish(knex, jobId, 'failed', { error });
  await staging.dropStaging(knex, jobId);
}
