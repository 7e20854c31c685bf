import type { Response, Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/jobs';
import type { JobRowError } from '../../jobs';
import type { JobService } from '../../services/job.service';
import { presentJob } from '../presenters/job.presenter';
import { route, routerAt, SENT } from '../route';

const CSV_COLUMNS = ['line', 'error_type', 'column_name', 'value', 'message'] as const;

/**
 * A CSV field that no spreadsheet will run as a formula: cells starting with
 * = + - @ (or a tab / carriage return) get a leading apostrophe.
 */
export function csvField(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (error: JobRowError) => CSV_COLUMNS.map((c) => csvField(error[c])).join(',') + '\r\n';

/**
 * A job's rejected rows as a CSV download (the API's and the console's). The
 * first page is read before the headers go out, so an unknown job still fails as the caller's 404.
 */
export async function sendRowErrorsCsv(res: Response, pages: AsyncGenerator<JobRowError[]>): Promise<void> {
  const first = await pages.next();
  res.status(200).type('text/csv').setHeader('Content-Disposition', 'attachment; filename="errors.csv"');
  res.write(CSV_COLUMNS.join(',') + '\r\n');
  for (let page = first; !page.done; page = await pages.next()) {
    if (!res.write(page.value.map(csvLine).join(''))) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

/** Roster's caller-visible jobs. */
export function jobRoutes(jobs: JobService): Router {
  const router = routerAt(B2B);

  route(router, api.listJobs, async (req) => {
    const page = await jobs.list(req.project, req.query);
    return {
      jobs: page.jobs.map((job) => presentJob(req.project.env, job)),
      results_metadata: { total: page.total, next_cursor: page.nextCursor },
    };
  });

  route(router, api.getJob, async (req) => {
    const job = await jobs.get(req.project, req.params.job_id);
    return { job: presentJob(req.project.env, job) };
  });

  route(router, api.cancelJob, async (req) => {
    const job = await jobs.cancel(req.project, req.params.job_id);
    return { job: presentJob(req.project.env, job) };
  });

  route(router, api.getJobErrors, async (req, res) => {
    const jobId = req.params.job_id;
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      await sendRowErrorsCsv(res, jobs.allRowErrors(req.project, jobId));
      return SENT;
    }
    const { cursor, limit } = req.query;
    const page = await jobs.rowErrors(req.project, jobId, cursor, limit === undefined ? undefined : Number(limit));
    return { errors: page.errors, results_metadata: { total: page.total, next_cursor: page.nextCursor } };
  });

  return router;
}
