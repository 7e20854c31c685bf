import type { RawResponse, TestApp } from './app';
import { eventually } from './eventually';

export interface JobBody {
  job_id: string;
  type: string;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  phase: string | null;
  progress: { total_rows: number; processed_rows: number; created: number; updated: number; skipped: number; failed: number };
  params: Record<string, unknown>;
  cancel_requested: boolean;
  result: Record<string, unknown> | null;
  error: { error_type: string; error_message: string } | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** A CSV file from a header and rows, CRLF unless told otherwise; cells are written as given (quote them yourself). */
export function csv(header: string[], rows: string[][], newline = '\r\n'): string {
  return [header.join(','), ...rows.map((r) => r.join(','))].join(newline) + newline;
}

/** POST /v1/b2b/migrations/members with a CSV body. */
export function upload(app: TestApp, body: string | Buffer, query: Record<string, string> = {}): Promise<RawResponse> {
  const qs = new URLSearchParams(query).toString();
  return app.http('POST', `/v1/b2b/migrations/members${qs ? `?${qs}` : ''}`, {
    body,
    headers: { 'content-type': 'text/csv' },
  });
}

export async function getJob(app: TestApp, jobId: string): Promise<JobBody> {
  const response = await app.http('GET', `/v1/b2b/jobs/${jobId}`);
  if (response.status !== 200) throw new Error(`GET job ${jobId}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.job as JobBody;
}

const FINISHED = ['completed', 'failed', 'cancelled'];

/** Polls the job until it has finished, or fails the test at the deadline. */
export async function waitForJob(app: TestApp, jobId: string, deadlineMs = 30_000): Promise<JobBody> {
  return eventually(
    async () => {
      const job = await getJob(app, jobId);
      if (!FINISHED.includes(job.status)) throw new Error(`still ${job.status}: ${JSON.stringify(job.progress)}`);
      return job;
    },
    { what: `job ${jobId} to finish`, timeoutMs: deadlineMs },
  );
}

/** Uploads, expects 202, and waits for the job to finish (a worker must be running). */
export async function migrate(app: TestApp, body: string, query: Record<string, string> = {}): Promise<JobBody> {
  const response = await upload(app, body, query);
  if (response.status !== 202) throw new Error(`upload: ${response.status} ${JSON.stringify(response.body)}`);
  return waitForJob(app, response.body.job.job_id);
}

/** created + updated + skipped + failed: the rows a job has accounted for. */
export const accountedRows = (p: JobBody['progress']) => p.created + p.updated + p.skipped + p.failed;

/** The job's counts add up to its total rows. */
export const countsAddUp = (job: JobBody) => accountedRows(job.progress) === job.progress.total_rows;

/** created + updated + skipped + failed = total_rows = processed_rows, on a finished job. */
export function expectBalanced(job: JobBody): void {
  const p = job.progress;
  expect(accountedRows(p)).toBe(p.total_rows);
  expect(p.processed_rows).toBe(p.total_rows);
}
