import { Router } from 'express';
import type { JobRowError } from '../../models/job.model';
import type { JobService } from '../../services/job.service';
import { presentJob } from '../presenters/job.presenter';
import { respond } from '../respond';
import { jobErrorsQuery, JobErrorsQuery, jobParams } from '../schemas/job.schemas';
import { validate } from '../validation';

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

/** Roster's caller-visible jobs. */
export function jobRoutes(jobs: JobService): Router {
  const router = Router();
  const byId = validate({ params: jobParams });

  router.get('/jobs/:job_id', byId, async (req, res) => {
    const job = await jobs.get(req.project, req.params.job_id as string);
    respond(req, res, 200, { job: presentJob(req.project.env, job) });
  });

  router.delete('/jobs/:job_id', byId, async (req, res) => {
    const job = await jobs.cancel(req.project, req.params.job_id as string);
    respond(req, res, 200, { job: presentJob(req.project.env, job) });
  });

  router.get('/jobs/:job_id/errors', validate({ params: jobParams, query: jobErrorsQuery }), async (req, res) => {
    const jobId = req.params.job_id as string;
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      const pages = jobs.allRowErrors(req.project, jobId);
      // The first page is read before the headers go out, so an unknown job still gets a JSON 404.
      const first = await pages.next();
      res.status(200).type('text/csv').setHeader('Content-Disposition', 'attachment; filename="errors.csv"');
      res.write(CSV_COLUMNS.join(',') + '\r\n');
      for (let page = first; !page.done; page = await pages.next()) {
        if (!res.write(page.value.map(csvLine).join(''))) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
      return;
    }
    const query = req.query as JobErrorsQuery;
    const page = await jobs.rowErrors(req.project, jobId, query.cursor, query.limit === undefined ? undefined : Number(query.limit));
    respond(req, res, 200, {
      errors: page.errors,
      results_metadata: { total: page.total, next_cursor: page.nextCursor },
    });
  });

  return router;
}
