import { parseId } from '../../src/ids';
import { useTestApp } from '../helpers/app';
import { createOrganization, unique } from '../helpers/factories';
import { csv, expectBalanced, getJob, JobBody, upload, waitForJob } from '../helpers/migrations';

const ROWS = 10_000;

const jobUuid = (jobId: string) => parseId('job', 'test', jobId)!;
const orgUuid = (organizationId: string) => parseId('organization', 'test', organizationId)!;

/** ROWS members of one domain, with an invalid address every 499 rows and a repeated one every 701. */
function membersFile(domain: string): string {
  const rows = Array.from({ length: ROWS }, (_, i) => {
    const email = i % 499 === 100 ? `not-an-email-${i}` : i % 701 === 300 ? `user${i - 1}@${domain}` : `user${i}@${domain}`;
    return [email, `Member ${i}`];
  });
  return csv(['email_address', 'name'], rows);
}

interface LoggedProgress {
  status: string;
  processed_rows: number;
  total_rows: number;
}

describe('member import progress within a chunk', () => {
  // The default chunk (50,000 lines) holds the whole file: one chunk, applied in slices.
  const ctx = useTestApp({}, { workers: true });
  const knex = () => ctx.app.container.knex;

  // Every committed change of a job's progress or status, in commit order (this file's database only).
  beforeAll(async () => {
    await knex().raw(`
      CREATE TABLE test_progress_log (
        seq bigserial PRIMARY KEY, job_id uuid NOT NULL, status text NOT NULL, processed_rows bigint, total_rows bigint)`);
    await knex().raw(`
      CREATE FUNCTION test_log_progress() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO test_progress_log (job_id, status, processed_rows, total_rows)
        VALUES (NEW.id, NEW.status, (NEW.progress->>'processed_rows')::bigint, (NEW.progress->>'total_rows')::bigint);
        RETURN NULL;
      END $$`);
    await knex().raw(
      'CREATE TRIGGER test_log_progress AFTER UPDATE OF progress, status ON jobs FOR EACH ROW EXECUTE FUNCTION test_log_progress()',
    );
  });

  const progressLog = (jobId: string): Promise<LoggedProgress[]> =>
    knex()('test_progress_log')
      .select('status', 'processed_rows', 'total_rows')
      .where({ job_id: jobUuid(jobId) })
      .orderBy('seq');

  /** processed_rows never goes down and never passes total_rows. */
  function expectRising(values: { processed_rows: number; total_rows: number }[]): void {
    values.forEach((v, i) => {
      expect(v.processed_rows).toBeLessThanOrEqual(v.total_rows);
      if (i > 0) expect(v.processed_rows).toBeGreaterThanOrEqual(values[i - 1].processed_rows);
    });
  }

  const chunksOf = (jobId: string) => knex()('migration_chunks').where({ job_id: jobUuid(jobId) });

  async function start(organizationId: string, body: string): Promise<JobBody> {
    const response = await upload(ctx.app, body, { organization_id: organizationId });
    expect(response.status).toBe(202);
    return response.body.job;
  }

  it('reports rising progress within one big chunk before the job completes, a write about once a second at most', async () => {
    const org = await createOrganization(ctx.client);
    const job = await start(org.organization_id, membersFile(`${unique('p')}.com`));

    // What a caller polling the job sees on the way.
    const seen: JobBody['progress'][] = [];
    let current = await getJob(ctx.app, job.job_id);
    while (['queued', 'running'].includes(current.status)) {
      seen.push(current.progress);
      await new Promise((resolve) => setTimeout(resolve, 20));
      current = await getJob(ctx.app, job.job_id);
    }
    const finished = await waitForJob(ctx.app, job.job_id);
    expect(finished.status).toBe('completed');
    expectBalanced(finished);
    expect(await chunksOf(job.job_id)).toHaveLength(1);
    expectRising([...seen, finished.progress]);

    const log = await progressLog(job.job_id);
    expectRising(log);
    const whileRunning = log.filter((p) => p.status === 'running' && p.processed_rows > 0 && p.processed_rows < ROWS);
    expect(whileRunning.length).toBeGreaterThanOrEqual(1);
    expect(log[log.length - 1]).toEqual({ status: 'completed', processed_rows: ROWS, total_rows: ROWS });
    // Slices after the first aim at a second each: a write per row (or per hundred) would be far over this.
    const seconds = (Date.parse(finished.finished_at!) - Date.parse(finished.started_at!)) / 1000;
    const sliceWrites = log.filter((p) => p.status === 'running' && p.processed_rows > 0).length;
    expect(sliceWrites).toBeLessThanOrEqual(Math.ceil(seconds) + 3);
  }, 60_000);

  it('redoes only the failed slice of a chunk: the job ends exactly as a clean run of the same file', async () => {
    const [faulty, clean] = [await createOrganization(ctx.client), await createOrganization(ctx.client)];
    const file = membersFile(`${unique('f')}.com`);
    // The second slice of the faulty organization's import fails once, as if the database went away
    // mid-chunk; the sequence counts outside the failing transaction, so the fault fires only once.
    await knex().raw('CREATE SEQUENCE test_fault_seq');
    await knex().raw(`
      CREATE FUNCTION test_fail_second_slice() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.params->>'default_organization_id' = '${orgUuid(faulty.organization_id)}'
           AND (OLD.progress->>'processed_rows')::bigint > 0
           AND (NEW.progress->>'processed_rows')::bigint > (OLD.progress->>'processed_rows')::bigint
           AND nextval('test_fault_seq') = 1 THEN
          RAISE EXCEPTION 'injected fault: the second slice fails once';
        END IF;
        RETURN NEW;
      END $$`);
    await knex().raw(
      'CREATE TRIGGER test_fail_second_slice BEFORE UPDATE OF progress ON jobs FOR EACH ROW EXECUTE FUNCTION test_fail_second_slice()',
    );
    try {
      const resumed = await waitForJob(ctx.app, (await start(faulty.organization_id, file)).job_id, 60_000);
      const reference = await waitForJob(ctx.app, (await start(clean.organization_id, file)).job_id, 60_000);

      // 1: the fault fired; more: the slices after it (the redone one first) went through.
      const { rows } = await knex().raw('SELECT last_value FROM test_fault_seq');
      expect(rows[0].last_value).toBeGreaterThanOrEqual(2);
      expect(resumed.status).toBe('completed');
      expect(resumed.progress).toEqual(reference.progress);
      expect(resumed.progress.failed).toBeGreaterThan(0);
      expectBalanced(resumed);
      expectRising(await progressLog(resumed.job_id));

      const membersOf = (organizationId: string) =>
        knex()('members')
          .select('email_normalized', 'name')
          .where({ organization_id: orgUuid(organizationId) })
          .orderBy('email_normalized');
      expect(await membersOf(faulty.organization_id)).toEqual(await membersOf(clean.organization_id));
      const errorsOf = (jobId: string) =>
        knex()('job_row_errors')
          .select('line', 'error_type', 'value')
          .where({ job_id: jobUuid(jobId) })
          .orderBy('line');
      expect(await errorsOf(resumed.job_id)).toEqual(await errorsOf(reference.job_id));
      const [chunk] = await chunksOf(resumed.job_id);
      expect(chunk).toMatchObject({ status: 'done', rows_done: ROWS });
    } finally {
      await knex().raw('DROP TRIGGER test_fail_second_slice ON jobs');
    }
  }, 120_000);
});
