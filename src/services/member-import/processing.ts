import type { Knex } from 'knex';
import { PermanentJobFailure } from '../../errors';
import { logger } from '../../logger';
import type { JobModel } from '../../models/job.model';
import type { JobRepository } from '../../repositories/job.repository';
import type { ImportChunkRepository } from '../../repositories/member-import/apply';
import { useBulkSettings, type StagingRepository } from '../../repositories/member-import/staging';
import type { ImportValidationRepository } from '../../repositories/member-import/validation';
import { paramsOf, type JobProducer } from '../../jobs';
import { jobError } from '../job-failure';
import { abandonImport, EMPTY_PROGRESS, MEMBER_IMPORT_JOB_TYPE } from './import-job';

/**
 * The workers' side of a member import: validates the staged rows and plans
 * the chunks, then applies them set-based, one transaction per chunk.
 */
export class MemberImportProcessing {
  constructor(
    private readonly knex: Knex,
    private readonly jobs: JobRepository,
    private readonly staging: StagingRepository,
    private readonly validation: ImportValidationRepository,
    private readonly chunks: ImportChunkRepository,
    private readonly producer: JobProducer,
    private readonly chunkRows: number,
  ) {}

  /**
   * Validates the staged rows against the database and plans the chunks, in
   * one transaction; then makes sure every pending chunk is queued.
   * Idempotent: the sweep calls it again for any job that stopped moving.
   */
  async prepare(jobId: string): Promise<{ chunks: number }> {
    const job = await this.jobs.findForWork(this.knex, jobId);
    if (!job || job.finished_at || job.phase === 'uploading') return { chunks: 0 };
    if (job.cancel_requested_at && job.status === 'queued') {
      await this.finish(this.knex, job, 'cancelled');
      return { chunks: 0 };
    }
    if (job.status === 'queued') {
      const planned = await this.knex.transaction(async (trx) => {
        const locked = await this.jobs.findForWork(trx, jobId, true);
        if (!locked || locked.status !== 'queued') return true;
        return this.plan(trx, locked);
      });
      if (!planned) return { chunks: 0 };
    }
    const pending = (await this.chunks.chunksOf(this.knex, jobId)).filter((c) => c.status === 'pending');
    for (const chunk of pending) {
      await this.producer.ensure('migration.chunk', { jobId, chunkNo: chunk.chunk_no }, `chunk.${jobId}.${chunk.chunk_no}`);
    }
    return { chunks: pending.length };
  }

  /** The set-based checks, in an order that creates no organization for rows that are rejected anyway. */
  private async plan(trx: Knex.Transaction, job: JobModel): Promise<boolean> {
    const params = paramsOf(job, MEMBER_IMPORT_JOB_TYPE);
    const total = job.progress.total_rows ?? 0;
    // UNLOGGED staging is emptied by a Postgres crash: never import a file cut short.
    if ((await this.staging.stagedRows(trx, job.id)) !== total) {
      throw new PermanentJobFailure('staging_lost', 'The uploaded rows were lost (the database restarted); upload the file again.');
    }
    await useBulkSettings(trx);
    await this.staging.analyzeStaging(trx, job.id);
    await this.validation.resolveSlugs(trx, job.project_id, job.id);
    await this.validation.rejectDuplicatesInFile(trx, job.id);
    await this.validation.rejectUnknownRoles(trx, job.id);
    if (params.create_organizations && !params.dry_run) {
      await this.validation.createMissingOrganizations(trx, job.project_id, job.id);
      await this.validation.resolveSlugs(trx, job.project_id, job.id);
    }
    await this.validation.rejectUnknownOrganizations(trx, job.project_id, job.id, params.create_organizations && params.dry_run);
    await this.chunks.planChunks(trx, job.id, this.chunkRows);
    await this.jobs.start(trx, job.id, { ...EMPTY_PROGRESS, total_rows: total }, 'processing');
    if (total === 0) await this.finish(trx, job, 'completed');
    return total > 0;
  }

  /**
   * One chunk in one transaction: a crash redoes at most this chunk, and a
   * second run of it (a retry racing the sweep) finds it done and stops.
   * The chunk that finishes last finishes the job.
   */
  async processChunk(jobId: string, chunkNo: number): Promise<unknown> {
    return this.knex.transaction(async (trx) => {
      const chunk = await this.chunks.lockChunk(trx, jobId, chunkNo);
      const job = await this.jobs.findForWork(trx, jobId);
      if (!chunk || !job || chunk.status !== 'pending' || job.finished_at) return { skipped: true };
      const params = paramsOf(job, MEMBER_IMPORT_JOB_TYPE);
      let counts = { total: 0, failed: 0, created: 0, updated: 0 };
      if (job.cancel_requested_at) {
        await this.chunks.setChunkStatus(trx, jobId, chunkNo, 'cancelled');
      } else {
        counts = await this.chunks.applyChunk(trx, {
          projectId: job.project_id,
          jobId,
          firstLine: chunk.first_line,
          lastLine: chunk.last_line,
          onConflict: params.on_conflict,
          dryRun: params.dry_run,
          columns: params.columns,
        });
        if (counts.total !== chunk.row_count) {
          throw new PermanentJobFailure('staging_lost', 'Uploaded rows were lost (the database restarted); upload the file again.');
        }
        await this.chunks.setChunkStatus(trx, jobId, chunkNo, 'done');
      }
      // Locks the job row: chunks finishing at once pass here one by one, so exactly one sees none pending.
      await this.jobs.addProgress(trx, jobId, {
        processed_rows: counts.total,
        created: counts.created,
        updated: counts.updated,
        skipped: counts.total - counts.failed - counts.created - counts.updated,
        failed: counts.failed,
      });
      if ((await this.chunks.pendingChunks(trx, jobId)) === 0) {
        const cancelled = (await this.chunks.chunksOf(trx, jobId)).some((c) => c.status === 'cancelled');
        await this.finish(trx, job, cancelled ? 'cancelled' : 'completed');
      }
      return counts;
    });
  }

  /** Records a job's permanent failure (its last attempt failed, or it can never succeed). */
  async fail(jobId: string, err: unknown): Promise<void> {
    logger.error({ job_id: jobId, err }, 'member import failed');
    await this.abandon(jobId, jobError(err));
  }

  /** For the sweep: an idle import either died uploading (abandon it) or lost its queue entry (resume it). */
  async resume(job: Pick<JobModel, 'id' | 'phase'>): Promise<'resumed' | 'abandoned'> {
    if (job.phase === 'uploading') {
      await this.abandon(job.id, { error_type: 'upload_failed', error_message: 'The upload stopped before it completed.' });
      return 'abandoned';
    }
    await this.producer.ensure('migration.prepare', { jobId: job.id }, `prepare.${job.id}`);
    return 'resumed';
  }

  /** Drops the staging tables of finished imports (normally dropped as they finish; this catches the rest). */
  async dropFinishedStaging(): Promise<number> {
    const tables = await this.staging.finishedStagingTables(this.knex);
    for (const table of tables) await this.staging.dropTable(this.knex, table);
    return tables.length;
  }

  private async finish(db: Knex | Knex.Transaction, job: JobModel, status: 'completed' | 'cancelled'): Promise<void> {
    await this.jobs.finish(db, job.id, status);
    await this.staging.dropStaging(db, job.id);
  }

  private async abandon(jobId: string, error: { error_type: string; error_message: string }): Promise<void> {
    await abandonImport(this.knex, this.jobs, this.staging, jobId, error);
  }
}
