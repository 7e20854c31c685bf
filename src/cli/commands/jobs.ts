import type { ApiClient } from '../api-client';
import { isFinished, JobView, ProgressLine, StatusWriter } from '../progress';
import { UsageError } from '../usage';

const POLL_MS = 500;

export async function fetchJob(api: ApiClient, jobId: string): Promise<JobView> {
  return (await api.request<{ job: JobView }>('GET', `/v1/b2b/jobs/${encodeURIComponent(jobId)}`)).job;
}

/** Polls a job until it finishes, drawing its progress; returns it finished. */
export async function watchJob(api: ApiClient, jobId: string, out: NodeJS.WriteStream = process.stderr): Promise<JobView> {
  const line = new ProgressLine();
  const status = new StatusWriter(out);
  for (;;) {
    const job = await fetchJob(api, jobId);
    if (isFinished(job)) {
      status.done(line.render(job));
      return job;
    }
    status.update(line.render(job));
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** What to tell the user once a job has ended; non-zero exit unless it completed. */
export function reportEnd(job: JobView, serverUrl: string): number {
  if (job.error) process.stderr.write(`${job.error.error_type}: ${job.error.error_message}\n`);
  if ((job.progress.failed ?? 0) > 0) {
    process.stderr.write(
      `${job.progress.failed} rows were rejected. Error report: npm run roster -- jobs errors ${job.job_id} > errors.csv\n` +
        `  (or GET ${serverUrl}/v1/b2b/jobs/${job.job_id}/errors with Accept: text/csv)\n`,
    );
  }
  return job.status === 'completed' ? 0 : 1;
}

export async function jobsCommand(api: ApiClient, serverUrl: string, args: string[]): Promise<number> {
  const [action, jobId] = args;
  if (!jobId) throw new UsageError(`jobs ${action ?? ''} needs a job_id`);
  switch (action) {
    case 'show':
      process.stdout.write(`${JSON.stringify(await fetchJob(api, jobId), null, 2)}\n`);
      return 0;
    case 'watch':
      return reportEnd(await watchJob(api, jobId), serverUrl);
    case 'errors':
      await api.download(`/v1/b2b/jobs/${encodeURIComponent(jobId)}/errors`, 'text/csv', (chunk) => process.stdout.write(chunk));
      return 0;
    default:
      throw new UsageError(`unknown jobs command: ${action}`);
  }
}
