import type { Knex } from 'knex';
import type { ListJobsQuery } from '../contracts/jobs';
import { AppError, badRequest, notFound } from '../errors';
import { parseId } from '../ids';
import type { JobRowError } from '../jobs';
import type { JobModel } from '../models/job.model';
import type { JobPosition, JobRepository } from '../repositories/job.repository';
import type { ProjectContext } from './project-context';
import { checkLimit } from './search-query';

const jobNotFound = () => notFound('job_not_found', 'Job could not be found.');

const JOB_LIST_LIMIT_DEFAULT = 100;

export interface JobPage {
  jobs: JobModel[];
  /** Every job the filters match, on every page. */
  total: number;
  nextCursor: string | null;
}

/** A listing cursor is opaque to callers: the position of the previous page's last job. */
function encodeJobCursor(position: JobPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, t: position.createdAt, id: position.id })).toString('base64url');
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A time of the cursor's form that names a real instant: Postgres would refuse a 30 February, as a 500. */
function isCursorTime(value: unknown): value is string {
  if (typeof value !== 'string' || !CURSOR_TIME.test(value)) return false;
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === value.slice(0, 19);
}

function decodeJobCursor(cursor: string | undefined): JobPosition | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const { v, t, id } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; t?: unknown; id?: unknown };
    if (v === 1 && isCursorTime(t) && typeof id === 'string' && UUID.test(id)) return { createdAt: t, id };
  } catch {
    // fall through to the error below
  }
  throw badRequest('invalid_cursor', 'cursor is not a cursor returned by a previous page.');
}

export interface RowErrorPage {
  errors: JobRowError[];
  total: number;
  nextCursor: string | null;
}

/** Caller-visible jobs: their state, their rejected rows, and cancellation. */
export class JobService {
  constructor(
    private readonly knex: Knex,
    private readonly jobs: JobRepository,
  ) {}

  async get(project: ProjectContext, ref: string): Promise<JobModel> {
    const id = parseId('job', project.env, ref);
    const job = id ? await this.jobs.findById(this.knex, project.id, id) : undefined;
    if (!job) throw jobNotFound();
    return job;
  }

  /** A page of the project's jobs, newest first; never another project's. */
  async list(project: ProjectContext, query: ListJobsQuery): Promise<JobPage> {
    const after = decodeJobCursor(query.cursor);
    const limit = query.limit === undefined ? JOB_LIST_LIMIT_DEFAULT : Number(query.limit);
    const filters = { type: query.type, status: query.status, createdAfter: query.created_after, createdBefore: query.created_before };
    const [rows, total] = await Promise.all([
      this.jobs.list(this.knex, project.id, filters, after, limit + 1),
      this.jobs.count(this.knex, project.id, filters),
    ]);
    const page = rows.slice(0, limit);
    return {
      jobs: page.map((r) => r.job),
      total,
      nextCursor: rows.length > limit ? encodeJobCursor(page[page.length - 1].position) : null,
    };
  }

  /** Rejected rows in line order; the cursor is the last line of the previous page. */
  async rowErrors(project: ProjectContext, ref: string, cursor: string | undefined, limit: number | undefined): Promise<RowErrorPage> {
    const job = await this.get(project, ref);
    const afterLine = cursor === undefined || cursor === '' ? 0 : Number(cursor);
    if (!Number.isInteger(afterLine) || afterLine < 0) {
      throw new AppError('invalid_cursor', 400, 'cursor is not a cursor returned by a previous page.');
    }
    const pageSize = checkLimit(limit);
    const [errors, total] = await Promise.all([
      this.jobs.rowErrors(this.knex, job.id, afterLine, pageSize + 1),
      this.jobs.countRowErrors(this.knex, job.id),
    ]);
    const more = errors.length > pageSize;
    const page = more ? errors.slice(0, pageSize) : errors;
    return { errors: page, total, nextCursor: more ? String(page[page.length - 1].line) : null };
  }

  /** Every rejected row, page by page, for streaming a full report. */
  async *allRowErrors(project: ProjectContext, ref: string): AsyncGenerator<JobRowError[]> {
    const job = await this.get(project, ref);
    let afterLine = 0;
    for (;;) {
      const page = await this.jobs.rowErrors(this.knex, job.id, afterLine, 5000);
      if (page.length === 0) return;
      yield page;
      afterLine = page[page.length - 1].line;
    }
  }

  /** Stops a job at its next chunk boundary; a finished job cannot be cancelled. */
  async cancel(project: ProjectContext, ref: string): Promise<JobModel> {
    const job = await this.get(project, ref);
    if (!(await this.jobs.requestCancel(this.knex, project.id, job.id))) {
      throw new AppError('job_already_finished', 409, `The job has already finished (${job.status}); there is nothing to cancel.`);
    }
    return (await this.jobs.findById(this.knex, project.id, job.id))!;
  }
}
