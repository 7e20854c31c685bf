import type { Knex } from 'knex';
import { paramsOf, type ScimReconcileJobResult } from '../../../jobs';
import { logger } from '../../../logger';
import type { JobModel } from '../../../models/job.model';
import type { JobProducer } from '../../../jobs';
import type { JobRepository } from '../../../repositories/job.repository';
import { useBulkSettings } from '../../../repositories/member-import/staging';
import type { ReconcileScope, ScimReconcileRepository } from '../../../repositories/scim-reconcile.repository';
import type { ScimJobMemberEvents } from '../../events/scim-job-events';
import { SCIM_RECONCILE_JOB_TYPE } from './reconcile-uploads';

const KINDS = ['create', 'link', 'update', 'deactivate', 'reactivate'] as const;

/**
 * The worker's half of a snapshot reconcile: one transaction resolves the
 * staged users to members, writes the report, and (unless dry) applies it,
 * all set-based. A retried attempt recomputes everything from the staged
 * rows and the members as they are then, so a crash never applies twice.
 */
export class ScimReconcileRun {
  constructor(
    private readonly knex: Knex,
    private readonly jobs: JobRepository,
    private readonly snapshots: ScimReconcileRepository,
    private readonly producer: JobProducer,
    private readonly memberEvents: ScimJobMemberEvents,
  ) {}

  /** For the sweep: an upload that stopped is given up; a queued or running job is queued again. */
  async resume(job: Pick<JobModel, 'id' | 'phase'>): Promise<'resumed' | 'abandoned'> {
    if (job.phase === 'uploading') {
      await this.jobs.finish(this.knex, job.id, 'failed', {
        error: { error_type: 'upload_abandoned', error_message: 'The snapshot upload did not complete.' },
      });
      await this.snapshots.dropStaged(this.knex, job.id);
      return 'abandoned';
    }
    await this.producer.ensure('scim.reconcile', { jobId: job.id }, `reconcile.${job.id}`);
    return 'resumed';
  }

  async run(jobId: string): Promise<ScimReconcileJobResult | { skipped: true }> {
    const job = await this.jobs.findForWork(this.knex, jobId);
    if (!job || job.finished_at || job.phase === 'uploading') return { skipped: true };
    const params = paramsOf(job, SCIM_RECONCILE_JOB_TYPE);
    const scope: ReconcileScope = {
      jobId,
      projectId: job.project_id,
      organizationId: params.organization_id,
      connectionId: params.connection_id,
    };
    await this.jobs.start(this.knex, jobId, undefined, 'reconciling');
    const result = await this.knex.transaction(async (trx) => {
      await useBulkSettings(trx);
      // Two runs over one connection never interleave (the API also refuses a second while one is unfinished).
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`scim-reconcile:${scope.connectionId}`]);
      await this.snapshots.resolve(trx, scope);
      await this.snapshots.report(trx, scope);
      if (!params.dry_run) {
        await this.snapshots.apply(trx, scope);
        await this.memberEvents.reconciled(trx, job, scope);
      }
      const counts = await this.snapshots.counts(trx, scope);
      const outcome: ScimReconcileJobResult = {
        dry_run: params.dry_run,
        created: counts.create ?? 0,
        linked: counts.link ?? 0,
        updated: counts.update ?? 0,
        deactivated: counts.deactivate ?? 0,
        reactivated: counts.reactivate ?? 0,
        unchanged: counts.unchanged,
        unmanaged: counts.unmanaged,
      };
      const changes = KINDS.reduce((sum, kind) => sum + (counts[kind] ?? 0), 0);
      await this.jobs.addProgress(trx, jobId, { processed_users: counts.unchanged + changes, changes });
      await this.jobs.finish(trx, jobId, 'completed', { result: outcome });
      await this.snapshots.dropStaged(trx, jobId);
      return outcome;
    });
    logger.info({ job_id: jobId, ...result }, 'SCIM snapshot reconciled');
    return result;
  }

  /** Records a failed last attempt on the job; the report of a failed run is not kept. */
  async fail(jobId: string, err: unknown): Promise<void> {
    await this.jobs.finish(this.knex, jobId, 'failed', {
      error: { error_type: 'internal_error', error_message: `The reconcile failed: ${(err as Error).message}` },
    });
    await this.snapshots.dropStaged(this.knex, jobId);
  }
}
