import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseId } from '../../src/ids';
import { useTestApp } from '../helpers/app';
import { cliEnv, lines, runCli } from '../helpers/cli';
import { createOrganization, unique } from '../helpers/factories';
import { csv, getJob, migrate } from '../helpers/migrations';

const DRY_RUN_LINE = 'dry run — nothing was changed';

describe('the roster CLI: import and jobs', () => {
  const ctx = useTestApp({}, { workers: true });
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'roster-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the built CLI as the app's project. */
  const roster = (...args: string[]) => runCli(args, cliEnv(ctx.app));

  /** A CSV file on disk of `good` valid members of a fresh domain, then the given invalid addresses. */
  async function membersFile(good: number, invalid: string[] = []): Promise<string> {
    const domain = `${unique('cli')}.com`;
    const addresses = [...Array.from({ length: good }, (_, i) => `user${i}@${domain}`), ...invalid];
    const file = path.join(dir, `${unique('members')}.csv`);
    await writeFile(
      file,
      csv(
        ['email_address', 'name'],
        addresses.map((email, i) => [email, `Member ${i}`]),
      ),
    );
    return file;
  }

  const jobIdIn = (stderr: string) => /uploaded [\d.]+ MB; job (job-test-\S+)/.exec(stderr)?.[1];
  const memberCount = async (organizationId: string) =>
    Number(
      (
        (await ctx.app.container
          .knex('members')
          .where({ organization_id: parseId('organization', 'test', organizationId) })
          .count({ n: '*' })
          .first()) as { n: string }
      ).n,
    );
  const jobCount = async () => Number(((await ctx.app.container.knex('jobs').count({ n: '*' }).first()) as { n: string }).n);

  /** A finished migration of 3 good rows and one invalid email into a fresh organization. */
  async function finishedJobWithOneBadRow(query: Record<string, string> = {}) {
    const org = await createOrganization(ctx.client);
    return migrate(ctx.app, csv(['email_address'], [[`a@${unique('d')}.com`], ['not-an-email'], [`b@${unique('d')}.com`]]), {
      organization_id: org.organization_id,
      ...query,
    });
  }

  describe('import', () => {
    it('uploads the file, shows progress with rows and counts, and exits 0 once the job completes', async () => {
      const org = await createOrganization(ctx.client);
      const file = await membersFile(25);

      const run = await roster('import', file, '--org', org.organization_slug);

      expect(run.code).toBe(0);
      const jobId = jobIdIn(run.stderr);
      expect(jobId).toBeDefined();
      const progress = lines(run.stderr).filter((line) => line.includes(' rows '));
      expect(progress.length).toBeGreaterThanOrEqual(1);
      expect(progress[progress.length - 1]).toMatch(
        /^\[#{24}\] 100% 25\/25 rows .* created 25 {2}updated 0 {2}skipped 0 {2}failed 0 {2}completed$/,
      );
      expect(run.stderr).not.toContain('rejected');
      expect(run.stderr).not.toContain('dry run');
      expect(await getJob(ctx.app, jobId!)).toMatchObject({ status: 'completed', progress: { total_rows: 25, created: 25 } });
      expect(await memberCount(org.organization_id)).toBe(25);
    });

    it('says how many rows were rejected and where the error report is', async () => {
      const org = await createOrganization(ctx.client);
      const file = await membersFile(4, ['not-an-email', 'also@bad@example.com']);

      const run = await roster('import', file, '--org', org.organization_id);

      expect(run.code).toBe(0);
      const jobId = jobIdIn(run.stderr)!;
      expect(run.stderr).toMatch(/6\/6 rows .* created 4 .* failed 2 {2}completed\n/);
      expect(run.stderr).toContain(`2 rows were rejected. Error report: roster jobs errors ${jobId} > errors.csv`);
      expect(run.stderr).toContain(`GET ${ctx.app.baseUrl}/v1/b2b/jobs/${jobId}/errors with Accept: text/csv`);
      expect(await memberCount(org.organization_id)).toBe(4);
    });

    it('ends a dry run by saying that nothing was changed, and changes nothing', async () => {
      const org = await createOrganization(ctx.client);
      const file = await membersFile(5);

      const run = await roster('import', file, '--org', org.organization_id, '--dry-run');

      expect(run.code).toBe(0);
      const output = lines(run.stderr);
      expect(output[output.length - 1]).toBe(DRY_RUN_LINE);
      expect(output[output.length - 2]).toMatch(/5\/5 rows .* completed \(dry run\)$/);
      expect(await getJob(ctx.app, jobIdIn(run.stderr)!)).toMatchObject({ status: 'completed', params: { dry_run: true } });
      expect(await memberCount(org.organization_id)).toBe(0);
    });

    it.each([
      ['a file that does not exist', () => ['import', path.join(tmpdir(), `${randomUUID()}.csv`), '--org', 'acme'], /cannot read/],
      ['a directory', () => ['import', tmpdir(), '--org', 'acme'], /not a file/],
      ['no file', () => ['import', '--org', 'acme'], /missing required argument 'file'/],
      [
        'an --on-conflict that is neither skip nor update',
        () => ['import', __filename, '--on-conflict', 'merge'],
        /argument 'merge' is invalid. Allowed choices are skip, update/,
      ],
    ])('exits 2 with the usage, and uploads nothing, given %s', async (_case, args, message) => {
      const jobsBefore = await jobCount();

      const run = await roster(...args());

      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('Usage: roster import [options] <file>');
      expect(run.stdout).toBe('');
      expect(await jobCount()).toBe(jobsBefore);
    });
  });

  describe('jobs', () => {
    it('show prints the job readably, and as the API answers it with --json', async () => {
      const job = await finishedJobWithOneBadRow();

      const readable = await roster('jobs', 'show', job.job_id);
      const json = await roster('jobs', 'show', job.job_id, '--json');

      expect(readable.code).toBe(0);
      expect(readable.stdout).toMatch(new RegExp(`^job_id +${job.job_id}$`, 'm'));
      expect(readable.stdout).toMatch(/^status +completed$/m);
      expect(readable.stdout).toMatch(/^progress +3\/3 rows, created 2, updated 0, skipped 0, failed 1$/m);
      expect(json.code).toBe(0);
      const body = JSON.parse(json.stdout);
      expect(body.job).toEqual(await getJob(ctx.app, job.job_id));
      expect(body).toMatchObject({ status_code: 200, request_id: expect.any(String) });
    });

    it('errors prints the CSV error report', async () => {
      const job = await finishedJobWithOneBadRow();

      const run = await roster('jobs', 'errors', job.job_id);

      expect(run.code).toBe(0);
      const [header, ...rows] = run.stdout.split('\r\n').filter((line) => line !== '');
      expect(header).toBe('line,error_type,column_name,value,message');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatch(/^3,invalid_email,email_address,not-an-email,/);
      const api = await ctx.app.http('GET', `/v1/b2b/jobs/${job.job_id}/errors`, { headers: { accept: 'text/csv' } });
      expect(run.stdout).toBe(api.body.raw);
    });

    it('errors --json prints a page of the JSON report; paging the CSV is a usage error', async () => {
      const job = await finishedJobWithOneBadRow();

      const json = await roster('jobs', 'errors', job.job_id, '--json', '--limit', '1');
      const paged = await roster('jobs', 'errors', job.job_id, '--limit', '1');

      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        errors: [{ line: 3, error_type: 'invalid_email', value: 'not-an-email' }],
        results_metadata: { total: 1, next_cursor: null },
      });
      expect(paged.code).toBe(2);
      expect(paged.stderr).toContain('--limit and --cursor page the JSON answer: add --json');
    });

    it('watch follows the job and ends with its status, exiting 0 when it completed', async () => {
      const job = await finishedJobWithOneBadRow();

      const run = await roster('jobs', 'watch', job.job_id);

      expect(run.code).toBe(0);
      expect(lines(run.stderr)[0]).toMatch(/3\/3 rows .* created 2 .* failed 1 {2}completed$/);
      expect(run.stderr).toContain(`1 rows were rejected. Error report: roster jobs errors ${job.job_id}`);
      expect(run.stderr).not.toContain(DRY_RUN_LINE);
    });

    it('watch of a dry run ends with the dry-run line', async () => {
      const job = await finishedJobWithOneBadRow({ dry_run: 'true' });

      const run = await roster('jobs', 'watch', job.job_id);

      expect(run.code).toBe(0);
      const output = lines(run.stderr);
      expect(output[output.length - 1]).toBe(DRY_RUN_LINE);
    });

    it('list shows the jobs newest first, filtered, as a table or as the API answers', async () => {
      const older = await finishedJobWithOneBadRow();
      const newer = await finishedJobWithOneBadRow();

      const table = await roster('jobs', 'list', '--type', 'migration.members', '--status', 'completed');
      const json = await roster('jobs', 'list', '--type', 'migration.members', '--limit', '1', '--json');
      const none = await roster('jobs', 'list', '--status', 'failed', '--created-after', older.created_at, '--json');

      expect(table.code).toBe(0);
      const [header, ...rows] = lines(table.stdout);
      expect(header).toMatch(/^job_id +type +status +progress +created_at$/);
      const ids = rows.map((row) => row.split(/ +/)[0]);
      expect(ids.indexOf(newer.job_id)).toBeGreaterThanOrEqual(0);
      expect(ids.indexOf(newer.job_id)).toBeLessThan(ids.indexOf(older.job_id));
      expect(rows.find((row) => row.startsWith(older.job_id))).toMatch(/ migration\.members +completed +3\/3 rows +\d{4}-/);
      expect(table.stderr).toMatch(new RegExp(`^${rows.length} of ${rows.length} jobs\n$`));

      expect(json.code).toBe(0);
      const page = JSON.parse(json.stdout);
      expect(page.jobs).toHaveLength(1);
      expect(page.results_metadata.next_cursor).toEqual(expect.any(String));
      expect(json.stderr).toBe('');
      const next = await roster(
        'jobs',
        'list',
        '--type',
        'migration.members',
        '--limit',
        '1',
        '--cursor',
        page.results_metadata.next_cursor,
      );
      expect(next.code).toBe(0);
      expect(lines(next.stdout)).toHaveLength(2);
      expect(lines(next.stdout)[1]).not.toContain(page.jobs[0].job_id);

      expect(none.code).toBe(0);
      expect(JSON.parse(none.stdout)).toMatchObject({ jobs: [], results_metadata: { total: 0 } });
    });

    it('list refuses a status that does not exist, before asking the server', async () => {
      const run = await roster('jobs', 'list', '--status', 'done');

      expect(run.code).toBe(2);
      expect(run.stderr).toContain("argument 'done' is invalid. Allowed choices are queued, running, completed, failed, cancelled");
      expect(run.stderr).toContain('Usage: roster jobs list [options]');
    });

    it('cancel of a finished job exits 1 with the API error', async () => {
      const job = await finishedJobWithOneBadRow();

      const run = await roster('jobs', 'cancel', job.job_id);

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^roster: 409 job_already_finished: The job has already finished \(completed\)/);
      expect(run.stderr).toContain(`(DELETE ${ctx.app.baseUrl}/v1/b2b/jobs/${job.job_id}, request_id `);
    });

    it.each(['show', 'watch', 'errors', 'cancel'])('%s of an unknown job exits 1 with job_not_found', async (action) => {
      const run = await roster('jobs', action, `job-test-${randomUUID()}`);

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^roster: 404 job_not_found: /);
      expect(run.stdout).toBe('');
    });

    it('exits 2 with the usage given no job id', async () => {
      const run = await roster('jobs', 'show');

      expect(run.code).toBe(2);
      expect(run.stderr).toContain("missing required argument 'job_id'");
      expect(run.stderr).toContain('Usage: roster jobs show [options] <job_id>');
    });
  });
});
