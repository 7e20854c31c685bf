import type { Knex } from 'knex';
import { AppError, notFound } from '../errors';
import { parseId } from '../ids';
import type { JobRowError } from '../jobs';
import type { JobModel } from '../models/job.model';
import type { JobRepository } from '../repositories/job.repository';
import type { ProjectContext } from './project-context';
import { checkLimit } from './search-query';

const jobNotFound = () => notFound('job_not_found', 'Job could not be found.');

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
