import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { Knex } from 'knex';
import type { UploadLimits } from '../../config';
import { AppError, badRequest, PermanentJobFailure } from '../../errors';
import { formatId, uuidv7 } from '../../ids';
import { logger } from '../../logger';
import type { JobModel } from '../../models/job.model';
import type { JobRepository } from '../../repositories/job.repository';
import type { MigrationRepository } from '../../repositories/migration.repository';
import { paramsOf, type JobProducer, type MigrationJobParams } from '../../jobs';
import { jobError } from '../job-failure';
import type { OrganizationService } from '../organization.service';
import type { ProjectContext } from '../project-context';
import { MIGRATION_COLUMNS, readHeader, stageRecord, StageContext, toCopyLine } from './csv-rows';
import { UploadIdleError, UploadSlots, watchIdle } from './upload-limits';

export const MIGRATION_JOB_TYPE = 'migration.members';

export interface MigrationOptions {
  organization_id?: string;
  on_conflict: 'skip' | 'update';
  create_organizations: boolean;
  dry_run: boolean;
}

const EMPTY_PROGRESS = { total_rows: 0, processed_rows: 0, created: 0, updated: 0, skipped: 0, failed: 0 };
const COPY_BATCH_CHARS = 256 * 1024;
/** Keeps an upload's job fresh, so the sweep never takes a slow upload for a dead one. */
const UPLOAD_HEARTBEAT_MS = 10_000;
/** One record larger than this means a quote never closed: the parser would swallow the rest of the file. */
const MAX_RECORD_CHARS = 1024 * 1024;

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/**
 * Numbers records by the line they start on. csv-parse reports the line a
 * record ends on, and counts a CRLF inside a quoted field as two lines, so
 * the quoted newlines of this record and the CRLF surplus so far come off.
 */
function lineNumbering(): (record: CsvRecord) => number {
  let crlfSurplus = 0;
  return ({ record, info }) => {
    let newlines = 0;
    for (const field of record) {
      for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) {
        newlines++;
        if (i > 0 && field[i - 1] === '\r') crlfSurplus++;
      }
    }
    return info.lines - crlfSurplus - newlines;
  };
}

/**
 * csv-parse errors that leave no way to find the next row: the upload
 * stops and the job fails, naming where the broken record starts, rather
 * than import a file cut short.
 */
function fatalCsvError(err: unknown, lastGoodLine: number): AppError {
  const code = (err as { code?: string }).code;
  if (code === 'CSV_QUOTE_NOT_CLOSED' || code === 'CSV_MAX_RECORD_SIZE') {
    return badRequest(
      'unterminated_quote',
      `A quoted field opened after line ${lastGoodLine} is never closed, so the rows after it cannot be read. Nothing was imported.`,
    );
  }
  return badRequest(
    'invalid_csv',
    `After line ${lastGoodLine} the file is not valid CSV (${(err as Error).message}). Nothing was imported.`,
  );
}

/** The answer to an upload whose transfer broke off; `jobId` names the failed job kept on record, if one was made. */
function transferError(err: unknown, env: ProjectContext['env'], jobId?: string): AppError {
  const details = jobId ? { job_id: formatId('job', env, jobId) } : undefined;
  if (err instanceof UploadIdleError) {
    return new AppError('upload_timeout', 408, `The upload was given up: ${err.message} Send the file again.`, details);
  }
  return badRequest('upload_failed', `The upload did not complete: ${(err as Error).message}`, details);
}

/** Member migrations: stream a CSV into staging, then validate and apply it set-based in chunks. */
export class MigrationService {
  private readonly slots: UploadSlots;

  constructor(
    private readonly knex: Knex,
    private readonly jobs: JobRepository,
    private readonly migrations: MigrationRepository,
    private readonly organizations: OrganizationService,
    private readonly producer: JobProducer,
    private readonly chunkRows: number,
    private readonly uploadLimits: UploadLimits,
  ) {
    this.slots = new UploadSlots(uploadLimits);
  }

  /**
   * Streams the CSV into the job's staging table (never holding the file in
   * memory), checking each row on the way. Answers once every row is staged
   * and the job is committed; the work itself is left to the workers.
   */
  async upload(project: ProjectContext, body: Readable, options: MigrationOptions): Promise<JobModel> {
    const release = this.slots.acquire(project.id);
    try {
      return await this.receive(project, body, options);
    } finally {
      release();
    }
  }

  private async receive(project: ProjectContext, body: Readable, options: MigrationOptions): Promise<JobModel> {
    const defaultOrganization = options.organization_id
      ? await this.organizations.resolve(this.knex, project, options.organization_id)
      : undefined;
    // Where the last complete record ended, tracked as the parser goes: the
    // stream drops records it still buffers when it fails.
    let lastGoodLine = 0;
    const parser = body.pipe(
      parse({
        on_record: (record, context) => {
          lastGoodLine = context.lines;
          return record;
        },
        bom: true,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
        info: true,
        max_record_size: MAX_RECORD_CHARS,
      }),
    );
    body.once('error', (err) => parser.destroy(err));
    // A client that stops sending would hold its slot (and a connection) forever.
    const stopWatching = watchIdle(body, this.uploadLimits.idleMs, (err) => {
      body.unpipe(parser);
      parser.destroy(err);
    });
    try {
      return await this.stageUpload(project, parser, options, defaultOrganization?.id ?? null, () => lastGoodLine);
    } finally {
      stopWatching();
      parser.destroy();
    }
  }

  /** Reads the header, records the job, and stages every row. */
  private async stageUpload(
    project: ProjectContext,
    parser: Readable,
    options: MigrationOptions,
    defaultOrganizationId: string | null,
    lastGoodLine: () => number,
  ): Promise<JobModel> {
    // Only csv-parse's own errors say the file is bad; any other (the client went away or quiet) broke the transfer.
    const fatal = (err: unknown): never => {
      throw err instanceof CsvError ? fatalCsvError(err, lastGoodLine()) : err;
    };
    const records = parser[Symbol.asyncIterator]() as AsyncIterator<CsvRecord>;

    // Before the job exists, a broken transfer is only answered.
    const first = await records.next().catch((err) => {
      throw err instanceof CsvError ? fatalCsvError(err, lastGoodLine()) : transferError(err, project.env);
    });
    if (first.done) throw badRequest('empty_file', 'The file is empty: it needs a header row with an email_address column.');
    const header = readHeader(first.value.record);

    const params: MigrationJobParams = {
      on_conflict: options.on_conflict,
      create_organizations: options.create_organizations,
      dry_run: options.dry_run,
      default_organization_id: defaultOrganizationId,
      columns: MIGRATION_COLUMNS.filter((c) => header.index[c] !== undefined),
      ignored_columns: header.ignored,
    };
    const job = await this.jobs.insert(this.knex, {
      id: uuidv7(),
      project_id: project.id,
      type: MIGRATION_JOB_TYPE,
      phase: 'uploading',
      params,
      progress: { ...EMPTY_PROGRESS },
    });

    const heartbeat = setInterval(() => void this.jobs.touch(this.knex, job.id).catch(() => undefined), UPLOAD_HEARTBEAT_MS);
    try {
      await this.migrations.createStaging(this.knex, job.id);
      const totalRows = await this.stageAll(job.id, records, fatal, {
        header,
        env: project.env,
        defaultOrganizationId,
      });
      if (!(await this.jobs.queueAfterUpload(this.knex, job.id, { ...EMPTY_PROGRESS, total_rows: totalRows }))) {
        throw new AppError('upload_abandoned', 409, 'The upload took so long that it was given up; send the file again.');
      }
    } catch (err) {
      parser.destroy();
      if (err instanceof AppError) {
        // The file itself is bad: the caller is told why, and nothing remains of it.
        await this.migrations.dropStaging(this.knex, job.id);
        await this.jobs.delete(this.knex, job.id);
        throw err;
      }
      // The transfer broke (or the client went quiet): the failed job stays on record.
      const answer = transferError(err, project.env, job.id);
      await this.abandon(job.id, {
        error_type: answer.errorType,
        error_message: err instanceof UploadIdleError ? answer.message : 'The upload did not complete.',
      });
      throw answer;
    } finally {
      clearInterval(heartbeat);
    }
    await this.producer.ensure('migration.prepare', { jobId: job.id }, `prepare.${job.id}`);
    return (await this.jobs.findById(this.knex, project.id, job.id))!;
  }

  /** Copies every record into staging; returns how many rows the file has. */
  private async stageAll(
    jobId: string,
    records: AsyncIterator<CsvRecord>,
    fatal: (err: unknown) => never,
    context: StageContext,
  ): Promise<number> {
    const { stream, release } = await this.migrations.openCopy(jobId);
    const startLine = lineNumbering();
    let rows = 0;
    let batch = '';
    const flush = async () => {
      if (batch === '') return;
      const ok = stream.write(batch);
      batch = '';
      if (!ok) await once(stream, 'drain');
    };
    try {
      for (;;) {
        const next = await records.next().catch(fatal);
        if (next.done) break;
        batch += toCopyLine(stageRecord(context, next.value.record, startLine(next.value)));
        rows++;
        if (batch.length >= COPY_BATCH_CHARS) await flush();
      }
      await flush();
      stream.end();
      await finished(stream);
      return rows;
    } catch (err) {
      stream.destroy(err as Error);
      await finished(stream).catch(() => undefined);
      throw err;
    } finally {
      await release();
    }
  }

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
    const pending = (await this.migrations.chunksOf(this.knex, jobId)).filter((c) => c.status === 'pending');
    for (const chunk of pending) {
      await this.producer.ensure('migration.chunk', { jobId, chunkNo: chunk.chunk_no }, `chunk.${jobId}.${chunk.chunk_no}`);
    }
    return { chunks: pending.length };
  }

  /** The set-based checks, in an order that creates no organization for rows that are rejected anyway. */
  private async plan(trx: Knex.Transaction, job: JobModel): Promise<boolean> {
    const params = paramsOf(job, MIGRATION_JOB_TYPE);
    const total = job.progress.total_rows ?? 0;
    // UNLOGGED staging is emptied by a Postgres crash: never import a file cut short.
    if ((await this.migrations.stagedRows(trx, job.id)) !== total) {
      throw new PermanentJobFailure('staging_lost', 'The uploaded rows were lost (the database restarted); upload the file again.');
    }
    await this.migrations.useBulkSettings(trx);
    await this.migrations.analyzeStaging(trx, job.id);
    await this.migrations.resolveSlugs(trx, job.project_id, job.id);
    await this.migrations.rejectDuplicatesInFile(trx, job.id);
    await this.migrations.rejectUnknownRoles(trx, job.id);
    if (params.create_organizations && !params.dry_run) {
      await this.migrations.createMissingOrganizations(trx, job.project_id, job.id);
      await this.migrations.resolveSlugs(trx, job.project_id, job.id);
    }
    await this.migrations.rejectUnknownOrganizations(trx, job.project_id, job.id, params.create_organizations && params.dry_run);
    await this.migrations.planChunks(trx, job.id, this.chunkRows);
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
      const chunk = await this.migrations.lockChunk(trx, jobId, chunkNo);
      const job = await this.jobs.findForWork(trx, jobId);
      if (!chunk || !job || chunk.status !== 'pending' || job.finished_at) return { skipped: true };
      const params = paramsOf(job, MIGRATION_JOB_TYPE);
      let counts = { total: 0, failed: 0, created: 0, updated: 0 };
      if (job.cancel_requested_at) {
        await this.migrations.setChunkStatus(trx, jobId, chunkNo, 'cancelled');
      } else {
        counts = await this.migrations.applyChunk(trx, {
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
        await this.migrations.setChunkStatus(trx, jobId, chunkNo, 'done');
      }
      // Locks the job row: chunks finishing at once pass here one by one, so exactly one sees none pending.
      await this.jobs.addProgress(trx, jobId, {
        processed_rows: counts.total,
        created: counts.created,
        updated: counts.updated,
        skipped: counts.total - counts.failed - counts.created - counts.updated,
        failed: counts.failed,
      });
      if ((await this.migrations.pendingChunks(trx, jobId)) === 0) {
        const cancelled = (await this.migrations.chunksOf(trx, jobId)).some((c) => c.status === 'cancelled');
        await this.finish(trx, job, cancelled ? 'cancelled' : 'completed');
      }
      return counts;
    });
  }

  /** Records a job's permanent failure (its last attempt failed, or it can never succeed). */
  async fail(jobId: string, err: unknown): Promise<void> {
    logger.error({ job_id: jobId, err }, 'migration failed');
    await this.abandon(jobId, jobError(err));
  }

  /** For the sweep: an idle migration either died uploading (abandon it) or lost its queue entry (resume it). */
  async resume(job: Pick<JobModel, 'id' | 'phase'>): Promise<'resumed' | 'abandoned'> {
    if (job.phase === 'uploading') {
      await this.abandon(job.id, { error_type: 'upload_failed', error_message: 'The upload stopped before it completed.' });
      return 'abandoned';
    }
    await this.producer.ensure('migration.prepare', { jobId: job.id }, `prepare.${job.id}`);
    return 'resumed';
  }

  /** Drops the staging tables of finished migrations (normally dropped as they finish; this catches the rest). */
  async dropFinishedStaging(): Promise<number> {
    const tables = await this.migrations.finishedStagingTables(this.knex);
    for (const table of tables) await this.migrations.dropTable(this.knex, table);
    return tables.length;
  }

  private async finish(db: Knex | Knex.Transaction, job: JobModel, status: 'completed' | 'cancelled'): Promise<void> {
    await this.jobs.finish(db, job.id, status);
    await this.migrations.dropStaging(db, job.id);
  }

  private async abandon(jobId: string, error: { error_type: string; error_message: string }): Promise<void> {
    await this.jobs.finish(this.knex, jobId, 'failed', { error });
    await this.migrations.dropStaging(this.knex, jobId);
  }
}
