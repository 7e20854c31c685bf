import type { Response, Router } from 'express';
import type { Container } from '../../container';
import { presentJob } from '../../api/presenters/job.presenter';
import { sendRowErrorsCsv } from '../../api/routes/jobs.routes';
import type { JobRowError } from '../../jobs';
import type { ProjectContext } from '../../services/project-context';
import { ActionButton, Details, NextPage, Table } from '../components';
import { listingQuery, PAGE_SIZE } from '../forms';
import { sendFragment, sendPage, seeOther } from '../render';
import { sessionOf } from '../session';

/** Rejected rows shown on the page; the CSV has them all. */
const ERROR_ROWS_SHOWN = 50;

const n = (value: number | undefined) => (value ?? 0).toLocaleString('en-US');

type JobWire = ReturnType<typeof presentJob>;

/** A job has ended (completed, failed or cancelled) exactly when it has a finish time. */
const isRunning = (job: JobWire) => job.finished_at === null;

/** Rows per second since the job started, and the time left at that pace (while it runs). */
function pace(job: JobWire, now: number): { rate: number | undefined; etaSeconds: number | undefined } {
  const processed = job.progress.processed_rows;
  if (!job.started_at || processed === undefined) return { rate: undefined, etaSeconds: undefined };
  const seconds = ((job.finished_at ? Date.parse(job.finished_at) : now) - Date.parse(job.started_at)) / 1000;
  const rate = seconds > 0 ? processed / seconds : undefined;
  const remaining = (job.progress.total_rows ?? 0) - processed;
  const etaSeconds = isRunning(job) && rate && remaining > 0 ? remaining / rate : undefined;
  return { rate, etaSeconds };
}

function duration(seconds: number | undefined): string {
  if (seconds === undefined) return '—';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/**
 * A job's live part: status, counts, pace and rejected rows. While the job is
 * queued or running, htmx re-fetches it every second and swaps it in place;
 * a finished job's fragment carries no trigger, so the polling stops.
 */
function JobLive(props: { job: JobWire; errors: JobRowError[]; errorTotal: number }) {
  const { job } = props;
  const running = isRunning(job);
  const { rate, etaSeconds } = pace(job, Date.now());
  const total = job.progress.total_rows;
  const path = `/admin/jobs/${job.job_id}`;
  const counters = Object.entries(job.progress).filter(([key]) => key !== 'total_rows' && key !== 'processed_rows');
  return (
    <section
      id="job-live"
      aria-labelledby="progress-heading"
      {...(running ? { 'hx-get': `${path}/live`, 'hx-trigger': 'every 1s', 'hx-swap': 'outerHTML' } : {})}
    >
      <h2 id="progress-heading">Progress</h2>
      <p>
        Status:{' '}
        <span class="status" data-testid="job-status">
          {job.status}
        </span>
        {job.phase && job.phase !== job.status && ` (${job.phase})`}
      </p>
      {total !== undefined && <progress max={Math.max(total, 1)} value={job.progress.processed_rows ?? 0} aria-label="Rows processed" />}
      <dl class="stats">
        <div>
          <dt>Processed</dt>
          <dd data-testid="processed">{n(job.progress.processed_rows)}</dd>
        </div>
        <div>
          <dt>Total</dt>
          <dd data-testid="total">{total === undefined ? '—' : n(total)}</dd>
        </div>
        <div>
          <dt>Rows/s</dt>
          <dd>{rate === undefined ? '—' : Math.round(rate).toLocaleString('en-US')}</dd>
        </div>
        <div>
          <dt>ETA</dt>
          <dd>{running ? duration(etaSeconds) : 'done'}</dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd data-testid="error-count">{n(props.errorTotal)}</dd>
        </div>
        {counters.map(([key, value]) => (
          <div>
            <dt>{key}</dt>
            <dd>{n(value)}</dd>
          </div>
        ))}
      </dl>
      {job.error && <p class="error">{`${job.error.error_type}: ${job.error.error_message}`}</p>}
      <h2>Rejected rows</h2>
      {props.errorTotal > 0 && (
        <p>
          <a href={`${path}/errors.csv`} download="errors.csv">
            Download error CSV
          </a>
          {props.errorTotal > props.errors.length && ` (${n(props.errorTotal)} rows; the first ${props.errors.length} are shown)`}
        </p>
      )}
      <Table
        caption="Rejected rows"
        empty="No rejected rows."
        rows={props.errors}
        columns={[
          ['Line', (e) => e.line],
          ['Error', (e) => e.error_type],
          ['Column', (e) => e.column_name],
          ['Value', (e) => e.value],
          ['Message', (e) => e.message],
        ]}
      />
    </section>
  );
}

async function liveParts(container: Container, project: ProjectContext, jobId: string) {
  const job = presentJob(project.env, await container.jobs.get(project, jobId));
  const errors = await container.jobs.rowErrors(project, jobId, undefined, ERROR_ROWS_SHOWN);
  return { job, errors: errors.errors, errorTotal: errors.total };
}

async function jobPage(container: Container, res: Response, jobId: string): Promise<void> {
  const { project, csrfToken } = sessionOf(res);
  const live = await liveParts(container, project, jobId);
  const wire = live.job;
  sendPage(
    res,
    { title: `Job ${wire.type}`, section: 'jobs' },
    <>
      <Details
        rows={[
          ['Job id', <span class="mono">{wire.job_id}</span>],
          ['Type', wire.type],
          ['Created', wire.created_at],
          ['Started', wire.started_at],
          ['Finished', wire.finished_at],
          ['Parameters', <code>{JSON.stringify(wire.params)}</code>],
        ]}
      />
      {isRunning(wire) && !wire.cancel_requested && (
        <div class="actions">
          <ActionButton action={`/admin/jobs/${wire.job_id}/cancel`} csrfToken={csrfToken} label="Cancel job" danger />
        </div>
      )}
      <JobLive {...live} />
    </>,
  );
}

/** Jobs: the listing, and each job with live progress, its rejected rows and their CSV. */
export function jobPages(router: Router, container: Container): void {
  router.get('/jobs', async (req, res) => {
    const { project } = sessionOf(res);
    const { cursor } = listingQuery(req);
    const page = await container.jobs.list(project, { cursor, limit: String(PAGE_SIZE) });
    sendPage(
      res,
      { title: 'Jobs', section: 'jobs' },
      <>
        <p>{`${n(page.total)} job(s), newest first`}</p>
        <Table
          caption="Jobs"
          empty="No jobs yet."
          rows={page.jobs.map((job) => presentJob(project.env, job))}
          columns={[
            ['Job', (j) => <a href={`/admin/jobs/${j.job_id}`}>{j.job_id}</a>],
            ['Type', (j) => j.type],
            ['Status', (j) => j.status],
            [
              'Processed',
              (j) => (j.progress.total_rows === undefined ? '—' : `${n(j.progress.processed_rows)} / ${n(j.progress.total_rows)}`),
            ],
            ['Created', (j) => j.created_at],
          ]}
        />
        <NextPage path="/admin/jobs" query={{}} cursor={page.nextCursor} />
      </>,
    );
  });

  router.get('/jobs/:job_id', (req, res) => jobPage(container, res, req.params.job_id as string));

  router.get('/jobs/:job_id/live', async (req, res) => {
    const { project } = sessionOf(res);
    sendFragment(res, <JobLive {...await liveParts(container, project, req.params.job_id as string)} />);
  });

  router.get('/jobs/:job_id/errors.csv', async (req, res) => {
    await sendRowErrorsCsv(res, container.jobs.allRowErrors(sessionOf(res).project, req.params.job_id as string));
  });

  router.post('/jobs/:job_id/cancel', async (req, res) => {
    await container.jobs.cancel(sessionOf(res).project, req.params.job_id as string);
    seeOther(res, `/admin/jobs/${req.params.job_id}`);
  });
}
