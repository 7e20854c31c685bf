import type { Knex } from 'knex';
import { PermanentJobFailure } from '../../errors';
import { logger } from '../../logger';
import type { JobModel } from '../../models/job.model';
import type { JobRepository } from '../../repositories/job.repository';
import type { ImportChunkRepository, SliceCounts } from '../../repositories/member-import/apply';
import { useBulkSettings, type StagingRepository } from '../../repositories/member-import/staging';
import type { ImportValidationRepository } from '../../repositories/member-import/validation';
import { paramsOf, type JobProducer } from '../../jobs';
import type { MigrationMemberEvents } from '../events/migration-events';
import { jobError } from '../job-failure';
import { abandonImport, EMPTY_PROGRESS, importResult, MEMBER_IMPORT_JOB_TYPE } from './import-job';

/** Lines in a chunk's first slice; each later one is sized from how long the one before took. */
const FIRST_SLICE_LINES = 2_000;
const MIN_SLICE_LINES = 500;
/** About one committed slice (one progress write) a second per chunk: live progress, no write per row. */
const SLICE_TARGET_MS = 1_000;

/**
 * The next slice's lines, aiming at SLICE_TARGET_MS. It grows at most
 * fourfold, so that one quick slice (rows all rejected) cannot make the next
 * one minutes long.
 */
export function nextSliceLines(lines: number, elapsedMs: number): number {
  const aimed = Math.round((lines * SLICE_TARGET_MS) / Math.max(elapsedMs, 1));
  return Math.max(MIN_SLICE_LINES, Math.min(aimed, lines * 4));
}

const NO_ROWS: SliceCounts = { total: 0, failed: 0, created: 0, updated: 0 };

/**
 * The workers' side of a member import: validates the staged rows and plans
 * the chunks, then applies them set-based, one transaction per slice of a chunk.
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
    private readonly memberEvents: MigrationMemberEvents,
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
      await this.finish(this.knex, job, 'cancelled', job.progress);
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
    await this.validation.rejectUnknownRoles(trx, job.project_id, job.id);
    if (params.create_organizations && !params.dry_run) {
      const created = await this.validation.createMissingOrganizations(trx, job.project_id, job.id);
      await this.memberEvents.organizationsCreated(trx, job, created);
      await this.validation.resolveSlugs(trx, job.project_id, job.id);
    }
    await this.validation.rejectUnknownOrganizations(trx, job.project_id, job.id, params.create_organizations && params.dry_run);
    await this.chunks.planChunks(trx, job.id, this.chunkRows);
    const progress = { ...EMPTY_PROGRESS, total_rows: total };
    await this.jobs.start(trx, job.id, progress, 'processing');
    if (total === 0) await this.finish(trx, job, 'completed', progress);
    return total > 0;
  }

  /**
   * Applies one chunk a slice at a time, each slice one transaction that
   * commits its members, rejected rows and progress together: progress moves
   * within a large chunk, a crash redoes at most one slice, and a second run
   * of the chunk (a retry racing the sweep) goes on after the last committed
   * slice. Slices stay set-based; they only bound each statement's range.
   */
  async processChunk(jobId: string, chunkNo: number): Promise<SliceCounts & { slices: number }> {
    const totals = { ...NO_ROWS, slices: 0 };
    let lines = FIRST_SLICE_LINES;
    for (;;) {
      const started = performance.now();
      const slice = await this.knex.transaction((trx) => this.processSlice(trx, jobId, chunkNo, lines));
      if (!slice) return totals;
      totals.slices += 1;
      for (const key of Object.keys(NO_ROWS) as (keyof SliceCounts)[]) totals[key] += slice.counts[key];
      if (slice.chunkDone) return totals;
      lines = nextSliceLines(lines, performance.now() - started);
    }
  }

  /**
   * The chunk's next slice, of at most `lines` lines; undefined when the chunk
   * has nothing left to do. The slice that ends the last chunk ends the job.
   */
  private async processSlice(
    trx: Knex.Transaction,
    jobId: string,
    chunkNo: number,
    lines: number,
  ): Promise<{ counts: SliceCounts; chunkDone: boolean } | undefined> {
    const chunk = await this.chunks.lockChunk(trx, jobId, chunkNo);
    const job = await this.jobs.findForWork(trx, jobId);
    if (!chunk || !job || chunk.status !== 'pending' || job.finished_at) return undefined;
    const params = paramsOf(job, MEMBER_IMPORT_JOB_TYPE);
    let counts = NO_ROWS;
    let chunkDone = true;
    // A cancel stops the job at a chunk boundary: a chunk already begun is finished.
    if (job.cancel_requested_at && chunk.next_line === null) {
      await this.chunks.cancelChunk(trx, jobId, chunkNo);
    } else {
      const firstLine = chunk.next_line ?? chunk.first_line;
      const lastLine = Math.min(chunk.last_line, firstLine + lines - 1);
      const wanted = await this.memberEvents.wanted(trx, job);
      const { members, ...applied } = await this.chunks.applySlice(trx, {
        projectId: job.project_id,
        jobId,
        firstLine,
        lastLine,
        onConflict: params.on_conflict,
        dryRun: params.dry_run,
        columns: params.columns,
        returnMembers: wanted.create || wanted.update,
      });
      counts = applied;
      if (members) await this.memberEvents.record(trx, wanted, members);
      chunkDone = lastLine === chunk.last_line;
      const rowsDone = chunk.rows_done + counts.total;
      if (chunkDone && rowsDone !== chunk.row_count) {
        throw new PermanentJobFailure('staging_lost', 'Uploaded rows were lost (the database restarted); upload the file again.');
      }
      await this.chunks.recordSlice(trx, jobId, chunkNo, { nextLine: lastLine + 1, rowsDone, done: chunkDone });
    }
    // Locks the job row: chunks finishing at once pass here one by one, so exactly one sees none pending.
    const progress = await this.jobs.addProgress(trx, jobId, {
      processed_rows: counts.total,
      created: counts.created,
      updated: counts.updated,
      skipped: counts.total - counts.failed - counts.created - counts.updated,
      failed: counts.failed,
    });
    if (chunkDone && (await this.chunks.pendingChunks(trx, jobId)) === 0) {
      const cancelled = (await this.chunks.chunksOf(trx, jobId)).some((c) => c.status === 'cancelled');
      await this.finish(trx, job, cancelled ? 'cancelled' : 'completed', progress);
    }
    return { counts, chunkDone };
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

  /** Ends the job with its result, made from `progress`: the counters as they stand at the end. */
  private async finish(
    db: Knex | Knex.Transaction,
    job: JobModel,
    status: 'completed' | 'cancelled',
    progress: Record<string, number>,
  ): Promise<void> {
    await this.jobs.finish(db, job.id, status, { result: importResult(paramsOf(job, MEMBER_IMPORT_JOB_TYPE), progress) });
    await this.staging.dropStaging(db, job.id);
  }

  private async abandon(jobId: string, error: { error_type: string; error_message: string }): Promise<void> {
    await abandonImport(this.knex, this.jobs, this.staging, jobId, error);
  }
}
