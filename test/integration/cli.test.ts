import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseId } from '../../src/ids';
import { useTestApp } from '../helpers/app';
import { createOrganization, unique } from '../helpers/factories';
import { csv, getJob, migrate } from '../helpers/migrations';

const ROOT = path.resolve(__dirname, '../..');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the roster CLI', () => {
  const ctx = useTestApp({}, { workers: true });
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'roster-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the compiled CLI as the app's project (asynchronously: the server runs in this process). */
  function roster(...args: string[]): Promise<CliRun> {
    const child = spawn(process.execPath, ['dist/src/cli/roster.js', ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        ROSTER_URL: ctx.app.baseUrl,
        ROSTER_PROJECT_ID: ctx.app.project.projectId,
        ROSTER_PROJECT_SECRET: ctx.app.project.secret,
        LOG_LEVEL: 'silent',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

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

  const lines = (text: string) => text.split('\n').filter((line) => line !== '');
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
  async function finishedJobWithOneBadRow() {
    const org = await createOrganization(ctx.client);
    return migrate(ctx.app, csv(['email_address'], [[`a@${unique('d')}.com`], ['not-an-email'], [`b@${unique('d')}.com`]]), {
      organization_id: org.organization_id,
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
      expect(run.stderr).toContain(`2 rows were rejected. Error report: npm run roster -- jobs errors ${jobId} > errors.csv`);
      expect(run.stderr).toContain(`GET ${ctx.app.baseUrl}/v1/b2b/jobs/${jobId}/errors with Accept: text/csv`);
      expect(await memberCount(org.organization_id)).toBe(4);
    });

    it.each([
      ['a file that does not exist', () => ['import', path.join(tmpdir(), `${randomUUID()}.csv`), '--org', 'acme'], /cannot read/],
      ['no file', () => ['import', '--org', 'acme'], /import needs exactly one CSV file/],
      [
        'an --on-conflict that is neither skip nor update',
        () => ['import', __filename, '--on-conflict', 'merge'],
        /--on-conflict is skip or update/,
      ],
    ])('exits 2 with the usage, and uploads nothing, given %s', async (_case, args, message) => {
      const jobsBefore = await jobCount();

      const run = await roster(...args());

      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('Usage: npm run roster -- <command>');
      expect(run.stdout).toBe('');
      expect(await jobCount()).toBe(jobsBefore);
    });
  });

  describe('jobs', () => {
    it('show prints the job as JSON', async () => {
      const job = await finishedJobWithOneBadRow();

      const run = await roster('jobs', 'show', job.job_id);

      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(await getJob(ctx.app, job.job_id));
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

    it('watch follows the job and ends with its status', async () => {
      const job = await finishedJobWithOneBadRow();

      const run = await roster('jobs', 'watch', job.job_id);

      expect(run.code).toBe(0);
      expect(lines(run.stderr)[0]).toMatch(/3\/3 rows .* created 2 .* failed 1 {2}completed$/);
      expect(run.stderr).toContain(`1 rows were rejected. Error report: npm run roster -- jobs errors ${job.job_id}`);
    });

    it.each(['show', 'watch', 'errors'])('%s of an unknown job exits 1 with job_not_found', async (action) => {
      const run = await roster('jobs', action, `job-test-${randomUUID()}`);

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^404 job_not_found: /);
      expect(run.stdout).toBe('');
    });

    it('exits 2 with the usage given no job id', async () => {
      const run = await roster('jobs', 'show');

      expect(run.code).toBe(2);
      expect(run.stderr).toContain('jobs show needs a job_id');
      expect(run.stderr).toContain('Usage: npm run roster -- <command>');
    });
  });
});
