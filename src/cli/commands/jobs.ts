import { Command, Option } from 'commander';
import { B2B } from '../../contracts/common';
import { JOB_STATUSES, JOB_TYPES } from '../../jobs';
import type { ApiClient } from '../api-client';
import type { CliContext } from '../context';
import { EXIT, UsageError } from '../errors';
import { fields, pageSummary, table } from '../format';
import { action, cursorOption, jsonOption, limitOption } from '../options';
import { describeProgress, DRY_RUN_LINE, isFinished, JobView, position, ProgressLine, StatusWriter } from '../progress';

const POLL_MS = 500;

/** A job in full, as GET /v1/b2b/jobs/:job_id shows it. */
interface JobDetail extends JobView {
  cancel_requested: boolean;
  result: unknown;
  created_at: string;
  started_at: string | null;
}

export interface JobAnswer {
  job: JobDetail;
}

interface JobPage {
  jobs: JobDetail[];
  results_metadata: { total: number; next_cursor: string | null };
}

const jobPath = (jobId: string) => `${B2B}/jobs/${encodeURIComponent(jobId)}`;

/** Polls a job until it finishes, drawing its progress on `out`; returns the last answer. */
export async function watchJob(api: ApiClient, jobId: string, out: NodeJS.WriteStream): Promise<JobAnswer> {
  const line = new ProgressLine();
  const status = new StatusWriter(out);
  for (;;) {
    const answer = await api.get<JobAnswer>(jobPath(jobId));
    if (isFinished(answer.job)) {
      status.done(line.render(answer.job));
      return answer;
    }
    status.update(line.render(answer.job));
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** What to tell the user once a job has ended; the exit code says whether it completed. */
export function reportEnd(ctx: CliContext, job: JobView): number {
  if (job.error) ctx.note(`${job.error.error_type}: ${job.error.error_message}`);
  const failed = job.progress.failed ?? 0;
  if (failed > 0 && job.type === 'migration.members') {
    ctx.note(
      `${failed.toLocaleString('en-US')} rows were rejected. Error report: roster jobs errors ${job.job_id} > errors.csv\n` +
        `  (or GET ${ctx.settings.serverUrl}${jobPath(job.job_id)}/errors with Accept: text/csv)`,
    );
  }
  if (job.params.dry_run) ctx.note(DRY_RUN_LINE);
  return job.status === 'completed' ? EXIT.OK : EXIT.JOB_NOT_COMPLETED;
}

function printJob(ctx: CliContext, job: JobDetail): void {
  ctx.print(
    fields([
      ['job_id', job.job_id],
      ['type', job.type],
      ['status', job.status],
      ['phase', job.phase],
      ['progress', describeProgress(job)],
      ['params', job.params],
      ['cancel_requested', job.cancel_requested],
      ['error', job.error && `${job.error.error_type}: ${job.error.error_message}`],
      ['result', job.result],
      ['created_at', job.created_at],
      ['started_at', job.started_at],
      ['finished_at', job.finished_at],
    ]),
  );
}

/** `jobs …`: the project's jobs (imports, bulk invites, duplicate scans, merges). */
export function registerJobs(program: Command, ctx: CliContext): void {
  const jobs = program.command('jobs').description("the project's jobs: imports, bulk invites, duplicate scans, merges");

  jobs
    .command('list')
    .description('list jobs, newest first, optionally filtered')
    .addOption(new Option('--type <type>', 'only jobs of this type').choices(JOB_TYPES))
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(JOB_STATUSES))
    .option('--created-after <time>', 'only jobs created after this time (RFC 3339, e.g. 2026-12-01T00:00:00Z)')
    .option('--created-before <time>', 'only jobs created before this time')
    .addOption(limitOption())
    .addOption(cursorOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  roster jobs list --type migration.members --status failed')
    .action(
      action(
        ctx,
        async (options: {
          type?: string;
          status?: string;
          createdAfter?: string;
          createdBefore?: string;
          limit?: number;
          cursor?: string;
          json?: boolean;
        }) => {
          const page = await ctx.api().get<JobPage>(`${B2B}/jobs`, {
            type: options.type,
            status: options.status,
            created_after: options.createdAfter,
            created_before: options.createdBefore,
            limit: options.limit,
            cursor: options.cursor,
          });
          if (options.json) return ctx.printJson(page);
          ctx.print(
            table(
              ['job_id', 'type', 'status', 'progress', 'created_at'],
              page.jobs.map((job) => [job.job_id, job.type, job.status, position(job), job.created_at]),
            ),
          );
          const { total, next_cursor } = page.results_metadata;
          ctx.note(pageSummary(page.jobs.length, total, 'jobs', next_cursor));
        },
      ),
    );

  jobs
    .command('show <job_id>')
    .description('show a job: status, progress counters, params, error and result')
    .addOption(jsonOption())
    .action(
      action(ctx, async (jobId: string, options: { json?: boolean }) => {
        const answer = await ctx.api().get<JobAnswer>(jobPath(jobId));
        if (options.json) return ctx.printJson(answer);
        printJob(ctx, answer.job);
      }),
    );

  jobs
    .command('watch <job_id>')
    .description("show a job's progress until it ends; exits 0 if it completed, 4 if it failed or was cancelled")
    .addOption(new Option('--json', 'also print the finished job as the API answers it'))
    .action(
      action(ctx, async (jobId: string, options: { json?: boolean }) => {
        const answer = await watchJob(ctx.api(), jobId, ctx.err);
        if (options.json) ctx.printJson(answer);
        return reportEnd(ctx, answer.job);
      }),
    );

  jobs
    .command('errors <job_id>')
    .description('print the rows a job rejected, as CSV (all of them), or one JSON page with --json')
    .addOption(limitOption())
    .addOption(cursorOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  roster jobs errors job-test-… > errors.csv')
    .action(
      action(ctx, async (jobId: string, options: { limit?: number; cursor?: string; json?: boolean }) => {
        if (!options.json && (options.limit !== undefined || options.cursor !== undefined)) {
          throw new UsageError('--limit and --cursor page the JSON answer: add --json (the CSV has every row)');
        }
        const api = ctx.api();
        if (options.json) {
          return ctx.printJson(await api.get(`${jobPath(jobId)}/errors`, { limit: options.limit, cursor: options.cursor }));
        }
        await api.download(`${jobPath(jobId)}/errors`, 'text/csv', (chunk) => ctx.out.write(chunk));
      }),
    );

  jobs
    .command('cancel <job_id>')
    .description('ask a job to stop; work already applied stays (an import stops at its next chunk)')
    .addOption(jsonOption())
    .action(
      action(ctx, async (jobId: string, options: { json?: boolean }) => {
        const answer = await ctx.api().delete<JobAnswer>(jobPath(jobId));
        if (options.json) return ctx.printJson(answer);
        printJob(ctx, answer.job);
        if (!isFinished(answer.job)) ctx.note(`cancel requested; follow it with: roster jobs watch ${answer.job.job_id}`);
      }),
    );
}
