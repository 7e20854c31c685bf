import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { Knex } from 'knex';
import type { UploadLimits } from '../../config';
import { AppError, badRequest } from '../../errors';
import { formatId, uuidv7 } from '../../ids';
import type { JobModel } from '../../models/job.model';
import type { EventedJobRepository } from '../events/job-events';
import { toCopyLine, type StagingRepository } from '../../repositories/member-import/staging';
import type { JobProducer, MigrationJobParams } from '../../jobs';
import type { OrganizationService } from '../organization.service';
import type { ProjectContext } from '../project-context';
import { IMPORT_COLUMNS, readHeader, stageRecord, StageContext } from './csv-rows';
import { abandonImport, EMPTY_PROGRESS, MEMBER_IMPORT_JOB_TYPE, type MemberImportOptions } from './import-job';
import { UploadIdleError, UploadSlots, watchIdle } from './upload-limits';

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

/**
 * The upload of a member import: streams the CSV into a staging table, row
 * checks on the way, and leaves validation and apply to the workers.
 */
export class MemberImportUploads {
  private readonly slots: UploadSlots;

  constructor(
    private readonly knex: Knex,
    private readonly jobs: EventedJobRepository,
    private readonly staging: StagingRepository,
    private readonly organizations: OrganizationService,
    private readonly producer: JobProducer,
    private readonly uploadLimits: UploadLimits,
  ) {
    this.slots = new UploadSlots(uploadLimits);
  }

  /**
   * Streams the CSV into the job's staging table (never holding the file in
   * memory), checking each row on the way. Answers once every row is staged
   * and the job is committed; the work itself is left to the workers.
   */
  async upload(project: ProjectContext, body: Readable, options: MemberImportOptions): Promise<JobModel> {
    const release = this.slots.acquire(project.id);
    try {
      return await this.receive(project, body, options);
    } finally {
      release();
    }
  }

  private async receive(project: ProjectContext, body: Readable, options: MemberImportOptions): Promise<JobModel> {
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
    options: MemberImportOptions,
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
      columns: IMPORT_COLUMNS.filter((c) => header.index[c] !== undefined),
      ignored_columns: header.ignored,
    };
    const job = await this.jobs.insert(
      this.knex,
      {
        id: uuidv7(),
        project_id: project.id,
        type: MEMBER_IMPORT_JOB_TYPE,
        phase: 'uploading',
        params,
        progress: { ...EMPTY_PROGRESS },
      },
      project,
    );

    const heartbeat = setInterval(() => void this.jobs.touch(this.knex, job.id).catch(() => undefined), UPLOAD_HEARTBEAT_MS);
    try {
      await this.staging.createStaging(this.knex, job.id);
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
        await this.staging.dropStaging(this.knex, job.id);
        await this.jobs.delete(this.knex, job.id);
        throw err;
      }
      // The transfer broke (or the client went quiet): the failed job stays on record.
      const answer = transferError(err, project.env, job.id);
      await abandonImport(this.knex, this.jobs, this.staging, job.id, {
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
    const { stream, release } = await this.staging.openCopy(jobId);
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
}
