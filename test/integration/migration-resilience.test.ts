import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { Queue } from 'bullmq';
import { loadConfig } from '../../src/config';
import { Container, createContainer } from '../../src/container';
import { parseId } from '../../src/ids';
import { bullPrefix } from '../../src/queues/connection';
import { StagingRepository as MigrationRepository, stagingTable } from '../../src/repositories/member-import/staging';
import { startWorkers, Workers } from '../../workers';
import { startTestApp, TestApp, useTestApp } from '../helpers/app';
import { databaseUrl } from '../helpers/database';
import { eventuallyValue } from '../helpers/eventually';
import { createOrganization, unique } from '../helpers/factories';
import { countsAddUp, csv, getJob, JobBody, migrate, upload, waitForJob } from '../helpers/migrations';

const CHUNK_ROWS = 200;
/**
 * Every worker on the app's queues, in-process or spawned, uses one short lock: BullMQ's stalled-job check
 * runs at most once per the interval of whichever worker ran it last, so a longer one would delay recovery.
 */
const JOB_LOCK_MS = '2000';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = path.resolve(__dirname, '../..');

const jobUuid = (jobId: string) => parseId('job', 'test', jobId)!;
const orgUuid = (organizationId: string) => parseId('organization', 'test', organizationId)!;

/** Makes a job look idle to the sweep: untouched for two minutes. */
const makeIdle = (db: Container['knex'], jobId: string) =>
  db('jobs')
    .where({ id: jobUuid(jobId) })
    .update({ updated_at: db.raw("now() - interval '2 minutes'") });

/** `count` addresses of one domain, numbered from `from`. */
const emails = (domain: string, from: number, count: number) => Array.from({ length: count }, (_, i) => `user${from + i}@${domain}`);

/** A members file (email, name, trusted_metadata) for the given addresses. */
const membersCsv = (addresses: string[]) =>
  csv(
    ['email_address', 'name', 'trusted_metadata'],
    addresses.map((email, i) => [email, `Member ${i}`, `"{""n"":${i}}"`]),
  );

/** Uploads and answers the job, without waiting for it. */
async function start(app: TestApp, body: string, query: Record<string, string>): Promise<JobBody> {
  const response = await upload(app, body, query);
  expect(response.status).toBe(202);
  return response.body.job as JobBody;
}

/** Runs `fn` with in-process workers consuming this app's queues, and stops them after. */
async function withWorkers<T>(container: Container, fn: () => Promise<T>, count = 1): Promise<T> {
  const workers: Workers[] = Array.from({ length: count }, () => startWorkers(container));
  try {
    return await fn();
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
}

describe('member migrations under concurrency, crashes, cancels and outages', () => {
  const ctx = useTestApp({ ROSTER_MIGRATION_CHUNK_ROWS: String(CHUNK_ROWS), ROSTER_JOB_LOCK_MS: JOB_LOCK_MS });
  const knex = () => ctx.app.container.knex;

  /** The organization's members, as comparable rows in email order. */
  const membersOf = (organizationId: string) =>
    knex()('members')
      .select('email_normalized', 'name', 'status', 'roles', 'trusted_metadata')
      .where({ organization_id: orgUuid(organizationId) })
      .orderBy('email_normalized');

  const memberCount = async (organizationId: string) =>
    Number(
      (
        (await knex()('members')
          .where({ organization_id: orgUuid(organizationId) })
          .count({ n: '*' })
          .first()) as { n: string }
      ).n,
    );

  const stagingExists = async (jobUuidValue: string) =>
    (await knex().raw('SELECT to_regclass(?) AS t', [stagingTable(jobUuidValue)])).rows[0].t !== null;

  const progressInDb = async (jobId: string) =>
    (await knex()('jobs')
      .select('status', 'progress')
      .where({ id: jobUuid(jobId) })
      .first()) as {
      status: string;
      progress: JobBody['progress'];
    };

  /** Loses every queued entry of the migrations queue, as a Redis flush or failover would. */
  async function loseMigrationQueue(): Promise<void> {
    const queue = new Queue('migrations', {
      connection: ctx.app.container.redis,
      prefix: bullPrefix(ctx.app.container.config.queuePrefix),
    });
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
  }

  describe('two migrations into one organization at the same time', () => {
    it('never leaves two members for one email, and each job accounts for every row', async () => {
      const org = await createOrganization(ctx.client);
      const domain = `${unique('c')}.com`;
      // 3,000 rows each; 1,500 addresses in both files, spelled in upper case in the second.
      const first = emails(domain, 0, 3000);
      const second = emails(domain, 1500, 3000).map((e, i) => (i < 1500 ? e.toUpperCase() : e));

      const jobs = await withWorkers(
        ctx.app.container,
        async () => {
          const started = await Promise.all(
            [first, second].map((addresses) => start(ctx.app, membersCsv(addresses), { organization_id: org.organization_id })),
          );
          return Promise.all(started.map((job) => waitForJob(ctx.app, job.job_id, 60_000)));
        },
        2,
      );

      expect(jobs.map((j) => j.status)).toEqual(['completed', 'completed']);
      for (const job of jobs) {
        expect(job.progress.total_rows).toBe(3000);
        expect(job.progress.processed_rows).toBe(3000);
        expect(countsAddUp(job)).toBe(true);
      }
      expect(jobs[0].progress.created + jobs[1].progress.created).toBe(4500);
      expect(jobs[0].progress.skipped + jobs[1].progress.skipped).toBe(1500);
      expect(await memberCount(org.organization_id)).toBe(4500);
      const { rows } = await knex().raw(
        'SELECT email_normalized FROM members WHERE organization_id = ? GROUP BY email_normalized HAVING count(*) > 1',
        [orgUuid(org.organization_id)],
      );
      expect(rows).toEqual([]);
    });
  });

  describe('a worker killed mid-migration', () => {
    const workerProcesses: ChildProcess[] = [];
    afterEach(async () => {
      for (const child of workerProcesses.splice(0)) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await once(child, 'exit');
        }
      }
    });

    /** The compiled worker process, on this app's database and queues. */
    function spawnWorker(): ChildProcess {
      const child = spawn(process.execPath, ['dist/src/main.js', 'worker'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: databaseUrl(ctx.app.databaseName),
          REDIS_URL,
          ROSTER_QUEUE_PREFIX: ctx.app.container.config.queuePrefix,
          LOG_LEVEL: 'silent',
          ROSTER_JOB_LOCK_MS: JOB_LOCK_MS,
          ROSTER_MIGRATION_CHUNK_ROWS: '500',
        },
        stdio: 'ignore',
      });
      workerProcesses.push(child);
      return child;
    }

    /** 20,000 rows, with an invalid address every 997 rows and a repeated one every 1,009. */
    function bigFile(domain: string): string {
      const addresses = emails(domain, 0, 20_000).map((e, i) =>
        i % 997 === 500 ? `not-an-email-${i}` : i % 1009 === 700 ? `user${i - 1}@${domain}` : e,
      );
      return membersCsv(addresses);
    }

    it('resumes on another worker and ends in exactly the state a clean run gives', async () => {
      const [crashed, clean] = [await createOrganization(ctx.client), await createOrganization(ctx.client)];
      const file = bigFile(`${unique('k')}.com`);

      const job = await start(ctx.app, file, { organization_id: crashed.organization_id });
      const first = spawnWorker();
      const atKill = await eventuallyValue(
        () => progressInDb(job.job_id),
        (p) => p.progress.processed_rows > 0 || ['completed', 'failed', 'cancelled'].includes(p.status),
        { what: 'the first worker to make progress', timeoutMs: 30_000, intervalMs: 10 },
      );
      first.kill('SIGKILL');
      await once(first, 'exit');
      expect(atKill.status).toBe('running');
      const afterKill = await progressInDb(job.job_id);
      expect(afterKill.status).toBe('running');
      expect(afterKill.progress.processed_rows).toBeLessThan(20_000);

      spawnWorker();
      const resumed = await waitForJob(ctx.app, job.job_id, 90_000);
      const reference = await withWorkers(ctx.app.container, () => migrate(ctx.app, file, { organization_id: clean.organization_id }));

      expect(resumed.status).toBe('completed');
      expect(reference.status).toBe('completed');
      expect(resumed.progress).toEqual(reference.progress);
      expect(resumed.progress).toMatchObject({ total_rows: 20_000, processed_rows: 20_000 });
      expect(resumed.progress.failed).toBeGreaterThan(0);
      expect(await membersOf(crashed.organization_id)).toEqual(await membersOf(clean.organization_id));
      const errorLines = (jobId: string) =>
        knex()('job_row_errors')
          .select('line', 'error_type', 'value')
          .where({ job_id: jobUuid(jobId) })
          .orderBy('line');
      expect(await errorLines(job.job_id)).toEqual(await errorLines(reference.job_id));
    }, 180_000);
  });

  describe('cancel', () => {
    it('stops a running migration at a chunk boundary: its members are exactly the chunks it finished', async () => {
      const org = await createOrganization(ctx.client);
      const total = 30_000;
      const job = await start(ctx.app, membersCsv(emails(`${unique('x')}.com`, 0, total)), { organization_id: org.organization_id });

      const finished = await withWorkers(ctx.app.container, async () => {
        await eventuallyValue(
          () => progressInDb(job.job_id),
          (p) => p.progress.processed_rows > 0 || !['queued', 'running'].includes(p.status),
          { what: 'the first chunk', timeoutMs: 30_000, intervalMs: 10 },
        );
        const cancel = await ctx.app.http('DELETE', `/v1/b2b/jobs/${job.job_id}`);
        expect(cancel.status).toBe(200);
        expect(cancel.body.job).toMatchObject({ job_id: job.job_id, cancel_requested: true, status: 'running' });
        return waitForJob(ctx.app, job.job_id);
      });

      expect(finished.status).toBe('cancelled');
      const { created, processed_rows } = finished.progress;
      expect(processed_rows).toBeLessThan(total);
      expect(created).toBe(processed_rows);
      expect(created % CHUNK_ROWS).toBe(0);
      expect(await memberCount(org.organization_id)).toBe(created);
      const { rows: chunks } = await knex().raw('SELECT status, count(*) AS n FROM migration_chunks WHERE job_id = ? GROUP BY status', [
        jobUuid(job.job_id),
      ]);
      const byStatus: Record<string, number> = Object.fromEntries(
        chunks.map((c: { status: string; n: string }) => [c.status, Number(c.n)]),
      );
      expect(byStatus.pending).toBeUndefined();
      expect(byStatus.done * CHUNK_ROWS).toBe(created);
      expect(byStatus.cancelled).toBeGreaterThan(0);
      expect(await stagingExists(jobUuid(job.job_id))).toBe(false);
    });

    it('refuses to cancel a finished job with 409 job_already_finished, and leaves it as it was', async () => {
      const org = await createOrganization(ctx.client);
      const done = await withWorkers(ctx.app.container, () =>
        migrate(ctx.app, membersCsv(emails(`${unique('f')}.com`, 0, 3)), { organization_id: org.organization_id }),
      );
      expect(done.status).toBe('completed');

      const response = await ctx.app.http('DELETE', `/v1/b2b/jobs/${done.job_id}`);
      expect(response.status).toBe(409);
      expect(response.body).toMatchObject({ status_code: 409, error_type: 'job_already_finished' });
      expect(typeof response.body.error_message).toBe('string');
      expect(typeof response.body.request_id).toBe('string');
      expect(await getJob(ctx.app, done.job_id)).toEqual(done);
    });

    it('ends a job cancelled before any worker picked it up as cancelled, with no members', async () => {
      const org = await createOrganization(ctx.client);
      const job = await start(ctx.app, membersCsv(emails(`${unique('q')}.com`, 0, 500)), { organization_id: org.organization_id });

      const cancel = await ctx.app.http('DELETE', `/v1/b2b/jobs/${job.job_id}`);
      expect(cancel.status).toBe(200);
      expect(cancel.body.job).toMatchObject({ status: 'queued', cancel_requested: true });

      const finished = await withWorkers(ctx.app.container, () => waitForJob(ctx.app, job.job_id));
      expect(finished.status).toBe('cancelled');
      expect(finished.progress.created).toBe(0);
      expect(await memberCount(org.organization_id)).toBe(0);
      expect(await stagingExists(jobUuid(job.job_id))).toBe(false);
    });
  });

  describe('the sweep', () => {
    it('re-enqueues an idle job whose queue entry was lost, and a worker completes it', async () => {
      const org = await createOrganization(ctx.client);
      const job = await start(ctx.app, membersCsv(emails(`${unique('s')}.com`, 0, 700)), { organization_id: org.organization_id });
      await loseMigrationQueue();
      await makeIdle(knex(), job.job_id);

      const finished = await withWorkers(ctx.app.container, async () => {
        expect(await ctx.app.container.sweeper.sweep()).toEqual({ resumed: 1, abandoned: 0, cleaned: 0 });
        return waitForJob(ctx.app, job.job_id);
      });
      expect(finished.status).toBe('completed');
      expect(finished.progress).toMatchObject({ total_rows: 700, processed_rows: 700, created: 700 });
      expect(await memberCount(org.organization_id)).toBe(700);
    });

    it('fails an upload that stopped mid-way as upload_failed and drops its staging table', async () => {
      const org = await createOrganization(ctx.client);
      const job = await start(ctx.app, membersCsv(emails(`${unique('u')}.com`, 0, 10)), { organization_id: org.organization_id });
      await loseMigrationQueue();
      // The state an upload leaves when its process dies mid-stream: still uploading, untouched since.
      await knex()('jobs')
        .where({ id: jobUuid(job.job_id) })
        .update({ phase: 'uploading', updated_at: knex().raw("now() - interval '2 minutes'") });
      expect(await stagingExists(jobUuid(job.job_id))).toBe(true);

      expect(await ctx.app.container.sweeper.sweep()).toEqual({ resumed: 0, abandoned: 1, cleaned: 0 });

      const failed = await getJob(ctx.app, job.job_id);
      expect(failed.status).toBe('failed');
      expect(failed.error?.error_type).toBe('upload_failed');
      expect(failed.finished_at).not.toBeNull();
      expect(await stagingExists(jobUuid(job.job_id))).toBe(false);
      expect(await memberCount(org.organization_id)).toBe(0);
    });

    it("drops finished and orphaned jobs' staging tables and keeps those of unfinished jobs", async () => {
      const org = await createOrganization(ctx.client);
      const repository = new MigrationRepository(ctx.app.container.config.databaseUrl);
      const done = await withWorkers(ctx.app.container, () =>
        migrate(ctx.app, membersCsv(emails(`${unique('d')}.com`, 0, 5)), { organization_id: org.organization_id }),
      );
      // Left behind as if a crash came between finishing the job and dropping its table; and one with no job at all.
      const orphan = randomUUID();
      await repository.createStaging(knex(), jobUuid(done.job_id));
      await repository.createStaging(knex(), orphan);
      const pending = await start(ctx.app, membersCsv(emails(`${unique('p')}.com`, 0, 5)), { organization_id: org.organization_id });

      expect(await ctx.app.container.sweeper.sweep()).toEqual({ resumed: 0, abandoned: 0, cleaned: 2 });

      expect(await stagingExists(jobUuid(done.job_id))).toBe(false);
      expect(await stagingExists(orphan)).toBe(false);
      expect(await stagingExists(jobUuid(pending.job_id))).toBe(true);
      const completed = await withWorkers(ctx.app.container, () => waitForJob(ctx.app, pending.job_id));
      expect(completed.status).toBe('completed');
      expect(completed.progress.created).toBe(5);
    });
  });
});

/** The promise's value, or a failure naming `what` if it has not settled within `ms`. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a member migration uploaded while Redis is down', () => {
  let app: TestApp;
  let healthy: Container;

  beforeAll(async () => {
    app = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    // Another process on the same database and queues, with a working Redis.
    healthy = createContainer(
      loadConfig({
        DATABASE_URL: databaseUrl(app.databaseName),
        REDIS_URL,
        ROSTER_QUEUE_PREFIX: app.container.config.queuePrefix,
        LOG_LEVEL: 'silent',
      }),
    );
  });
  afterAll(async () => {
    await healthy.close();
    await app.close();
  });

  it('is accepted and queued in Postgres, and completes once the sweep re-enqueues it on a working Redis', async () => {
    const org = await createOrganization(app.project.client);
    const response = await within(
      10_000,
      'the upload',
      upload(app, membersCsv(emails(`${unique('r')}.com`, 0, 50)), { organization_id: org.organization_id }),
    );
    expect(response.status).toBe(202);
    const job = response.body.job as JobBody;
    expect(job).toMatchObject({ status: 'queued', phase: 'queued', progress: { total_rows: 50 } });

    await makeIdle(app.container.knex, job.job_id);
    const finished = await withWorkers(healthy, async () => {
      expect(await healthy.sweeper.sweep()).toEqual({ resumed: 1, abandoned: 0, cleaned: 0 });
      return waitForJob(app, job.job_id);
    });

    expect(finished.status).toBe('completed');
    expect(finished.progress).toMatchObject({ total_rows: 50, processed_rows: 50, created: 50, failed: 0 });
    const { n } = (await app.container
      .knex('members')
      .where({ organization_id: orgUuid(org.organization_id) })
      .count({ n: '*' })
      .first()) as { n: string };
    expect(Number(n)).toBe(50);
  });
});
