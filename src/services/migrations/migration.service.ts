import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Knex } from 'knex';
import { AppError, badRequest } from '../../errors';
import { uuidv7 } from '../../ids';
import { logger } from '../../logger';
import type { JobModel } from '../../models/job.model';
import type { JobRepository } from '../../repositories/job.repository';
import type { MigrationRepository } from '../../repositories/migration.repository';
import type { JobProducer } from '../../queues/producer';
import type { OrganizationService } from '../organization.service';
import type { ProjectContext } from '../project-context';
import { MIGRATION_COLUMNS, readHeader, rejectedRow, stageRecord, toCopyLine } from './csv-rows';

export const MIGRATION_JOB_TYPE = 'migration.members';

export interface MigrationOptions {
  organization_id?: string;
  on_conflict: 'skip' | 'update';
  create_organizations: boolean;
  dry_run: boolean;
}

/** What a migration job keeps in `params`: the options, resolved, and what the header said. */
interface MigrationParams {
  on_conflict: 'skip' | 'update';
  create_organizations: boolean;
  dry_run: boolean;
  default_organization_id: string | null;
  columns: string[];
  ignored_columns: string[];
}

const EMPTY_PROGRESS = { total_rows: 0, processed_rows: 0, created: 0, updated: 0, skipped: 0, failed: 0 };
const COPY_BATCH_CHARS = 256 * 1024;
const UPLOAD_HEARTBEAT_MS = 5000;

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/** The line a record starts on: where it ends, less the newlines inside its quoted fields. */
function startLine({ record, info }: CsvRecord): number {
  let newlines = 0;
  for (const field of record) for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) newlines++;
  return info.lines - newlines;
}

/** Member migrations: stream a CSV into staging, then validate and apply it set-based in chunks. */
export class MigrationService {
  constructor(
    private readonly knex: Knex,
    private readonly jobs: JobRepository,
    private readonly migrations: MigrationRepository,
    private readonly organizations: OrganizationService,
    private readonly producer: JobProducer,
    private readonly chunkRows: number,
  ) {}

  /**
   * Streams the CSV into the job's staging table (never holding the file in
   * memory), checking each row on the way. Answers once every row is staged
   * and the job is committed; the work itself is left to the workers.
   */
  async upload(project: ProjectContext, body: Readable, options: MigrationOptions): Promise<JobModel> {
    const defaultOrganization = options.organization_id
      ? await this.organizations.resolve(this.knex, project, options.organization_id)
      : undefined;
    const parser = body.pipe(
      parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, info: true }),
    );
    body.once('error', (err) => parser.destroy(err));
    const records = parser[Symbol.asyncIterator]() as AsyncIterator<CsvRecord>;

    const first = await records.next().catch((err) => {
      throw badRequest('invalid_csv', `The header row could not be read: ${(err as Error).message}`);
    });
    if (first.done) throw badRequest('empty_file', 'The file is empty: it needs a header row with an email_address column.');
    const header = readHeader(first.value.record);

    const params: MigrationParams = {
      on_conflict: options.on_conflict,
      create_organizations: options.create_organizations,
      dry_run: options.dry_run,
      default_organization_id: defaultOrganization?.id ?? null,
      columns: MIGRATION_COLUMNS.filter((c) => header.index[c] !== undefined),
      ignored_columns: header.ignored,
    };
    const job = await this.jobs.insert(this.knex, {
      id: uuidv7(),
      project_id: project.id,
      type: MIGRATION_JOB_TYPE,
      phase: 'uploading',
      params: params as unknown as Record<string, unknown>,
      progress: { ...EMPTY_PROGRESS },
    });

    try {
      await this.migrations.createStaging(this.knex, job.id);
      const totalRows = await this.stageAll(job.id, records, first.value.info.lines, {
        header,
        env: project.env,
        defaultOrganizationId: defaultOrganization?.id ?? null,
      });
      await this.jobs.queueAfterUpload(this.knex, job.id, { ...EMPTY_PROGRESS, total_rows: totalRows });
    } catch (err) {
      parser.destroy();
      await this.abandon(job.id, { error_type: 'upload_failed', error_message: 'The upload did not complete.' });
      throw err instanceof AppError ? err : badRequest('upload_failed', `The upload did not complete: ${(err as Error).message}`);
    }
    await this.producer.nudge('migration.prepare', { jobId: job.id }, `prepare.${job.id}`);
    return (await this.jobs.findById(this.knex, project.id, job.id))!;
  }

  /** Copies every record into staging; returns how many rows the file has. */
  private async stageAll(
    jobId: string,
    records: AsyncIterator<CsvRecord>,
    headerLine: number,
    context: Parameters<typeof stageRecord>[0],
  ): Promise<number> {
    const { stream, release } = await this.migrations.openCopy(this.knex, jobId);
    let rows = 0;
    let lastLine = headerLine;
    let batch = '';
    let heartbeat = Date.now();
    const flush = async () => {
      if (batch === '') return;
      const ok = stream.write(batch);
      batch = '';
      if (!ok) await once(stream, 'drain');
    };
    try {
      for (;;) {
        let next: IteratorResult<CsvRecord>;
        try {
          next = await records.next();
        } catch (err) {
          // A quote never closed swallows the rest of the file into one field: that row fails, the rest stand.
          if ((err as { code?: string }).code !== 'CSV_QUOTE_NOT_CLOSED') throw err;
          batch += toCopyLine(
            rejectedRow(lastLine + 1, {
              type: 'unterminated_quote',
              column: null,
              value: null,
              message: 'A quoted field is never closed; the rest of the file was read into it.',
            }),
          );
          rows++;
          break;
        }
        if (next.done) break;
        const line = startLine(next.value);
        lastLine = next.value.info.lines;
        batch += toCopyLine(stageRecord(context, next.value.record, line));
        rows++;
        if (batch.length >= COPY_BATCH_CHARS) await flush();
        if (Date.now() - heartbeat > UPLOAD_HEARTBEAT_MS) {
          heartbeat = Date.now();
          await this.jobs.touch(this.knex, jobId);
        }
      }
      await flush();
      stream.end();
      await finished(stream);
      return rows;
    } catch (err) {
      (stream as Writable).destroy(err as Error);
      await finished(stream).catch(() => undefined);
      throw err;
    } finally {
      release();
    }
  }

  /**
   * Validates the staged rows against the database and plans the chunks, in
   * one transaction; then (re)enqueues every pending chunk. Idempotent: the
   * sweep calls it again for any job that stopped moving.
   */
  async prepare(jobId: string): Promise<{ chunks: number }> {
    const job = await this.jobs.findForWork(this.knex, jobId);
    if (!job || job.finished_at || job.phase === 'uploading') return { chunks: 0 };
    if (job.cancel_requested_at && job.status === 'queued') {
      await this.finish(this.knex, job, 'cancelled');
      return { chunks: 0 };
    }
    const params = job.params as unknown as MigrationParams;
    if (job.status === 'queued') {
      const planned = await this.knex.transaction(async (trx) => {
        const locked = await this.jobs.findForWork(trx, jobId, true);
        if (!locked || locked.status !== 'queued') return true;
        await this.migrations.resolveOrganizations(
          trx,
          job.project_id,
          jobId,
          !params.create_organizations ? 'reject' : params.dry_run ? 'assume-created' : 'create',
        );
        await this.migrations.rejectDuplicatesInFile(trx, jobId);
        await this.migrations.rejectUnknownRoles(trx, jobId);
        const { first, last, total } = await this.migrations.lineRange(trx, jobId);
        await this.migrations.planChunks(trx, jobId, first, last, this.chunkRows);
        await this.jobs.start(trx, jobId, { ...EMPTY_PROGRESS, total_rows: total }, 'processing');
        if (total === 0) await this.finish(trx, locked, 'completed');
        return total > 0;
      });
      if (!planned) return { chunks: 0 };
    }
    const pending = (await this.migrations.chunksOf(this.knex, jobId)).filter((c) => c.status === 'pending');
    // Fresh queue ids each time: a retained completed entry with the same id would swallow the re-enqueue.
    const round = Date.now();
    for (const chunk of pending) {
      await this.producer.nudge('migration.chunk', { jobId, chunkNo: chunk.chunk_no }, `chunk.${jobId}.${chunk.chunk_no}.${round}`);
    }
    return { chunks: pending.length };
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
      const params = job.params as unknown as MigrationParams;
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

  /** Records a job's permanent failure (its last attempt failed). */
  async fail(jobId: string, err: unknown): Promise<void> {
    logger.error({ job_id: jobId, err }, 'migration failed');
    await this.abandon(jobId, { error_type: 'internal_error', error_message: 'The migration failed; the logs have the cause.' });
  }

  /** For the sweep: an idle migration either died uploading (abandon it) or lost its queue entry (resume it). */
  async resume(job: Pick<JobModel, 'id' | 'phase'>): Promise<'resumed' | 'abandoned'> {
    if (job.phase === 'uploading') {
      await this.abandon(job.id, { error_type: 'upload_failed', error_message: 'The upload stopped before it completed.' });
      return 'abandoned';
    }
    await this.producer.nudge('migration.prepare', { jobId: job.id }, `prepare.${job.id}.${Date.now()}`);
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
