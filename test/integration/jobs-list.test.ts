import { randomUUID } from 'node:crypto';
import { parseProjectId } from '../../src/ids';
import type { JobParams, JobStatus, JobType } from '../../src/jobs';
import { JobRepository } from '../../src/repositories/job.repository';
import { TestProject, useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';
import { createOrganization } from '../helpers/factories';
import { csv, JobBody } from '../helpers/migrations';

/** Params of each job type, as its service would store them (the presenter shows them). */
const PARAMS: { [T in JobType]: () => JobParams<T> } = {
  'invites.bulk': () => ({ organization_id: randomUUID(), invitees: 3 }),
  'migration.members': () => ({
    on_conflict: 'skip',
    create_organizations: false,
    dry_run: false,
    default_organization_id: null,
    columns: ['email_address'],
    ignored_columns: [],
  }),
  'members.merge': () => ({
    organization_id: randomUUID(),
    primary_member_id: randomUUID(),
    duplicate_member_ids: [randomUUID()],
    dry_run: false,
  }),
  'members.scan-duplicates': () => ({ organization_id: randomUUID(), rules: [] }),
  'scim.reconcile': () => ({ organization_id: randomUUID(), connection_id: randomUUID(), dry_run: false }),
};

interface JobSpec {
  type?: JobType;
  status?: JobStatus;
  /** Unset: the inserting statement's now(), shared by every job of one call. */
  createdAt?: string;
}

interface ListBody {
  jobs: JobBody[];
  results_metadata: { total: number; next_cursor: string | null };
}

describe('GET /v1/b2b/jobs', () => {
  const ctx = useTestApp();
  const knex = () => ctx.app.container.knex;
  let project: TestProject;
  const auth = () => ({ projectId: project.projectId, secret: project.secret });

  // Each test lists the jobs of a project of its own, so no test sees another's jobs.
  beforeEach(async () => {
    project = await ctx.app.newProject();
  });

  /** Inserts jobs of `project` in one statement, as the services record them; answers their public ids in insertion order. */
  async function insertJobs(specs: JobSpec[], of: TestProject = project): Promise<string[]> {
    const projectUuid = parseProjectId(of.projectId)!.uuid;
    const rows = specs.map(({ type = 'members.scan-duplicates', status = 'queued', createdAt }) => ({
      id: randomUUID(),
      project_id: projectUuid,
      type,
      status,
      params: PARAMS[type](),
      progress: {},
      ...(createdAt && { created_at: createdAt }),
    }));
    await knex()('jobs').insert(rows);
    return rows.map((r) => `job-test-${r.id}`);
  }

  const many = (count: number, spec: JobSpec = {}) => Array.from({ length: count }, () => spec);

  async function list(query: Record<string, string> = {}, as: TestProject = project): Promise<ListBody> {
    const response = await ctx.app.http('GET', `/v1/b2b/jobs?${new URLSearchParams(query)}`, {
      auth: { projectId: as.projectId, secret: as.secret },
    });
    if (response.status !== 200) throw new Error(`GET /v1/b2b/jobs: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as ListBody;
  }

  /** Every page of a listing, following next_cursor. */
  async function allPages(query: Record<string, string>, as: TestProject = project): Promise<ListBody[]> {
    const pages: ListBody[] = [];
    let cursor: string | null = null;
    do {
      const page = await list({ ...query, ...(cursor !== null && { cursor }) }, as);
      pages.push(page);
      cursor = page.results_metadata.next_cursor;
    } while (cursor !== null);
    return pages;
  }

  const ids = (body: ListBody) => body.jobs.map((j) => j.job_id);

  it('answers the envelope with the jobs newest first, each exactly as GET /v1/b2b/jobs/:job_id shows it', async () => {
    const older = await insertJobs([{ type: 'members.merge', createdAt: '2026-01-01T00:00:00Z' }]);
    const newer = await insertJobs([{ type: 'invites.bulk', status: 'running', createdAt: '2026-01-02T00:00:00Z' }]);

    const response = await ctx.app.http('GET', '/v1/b2b/jobs', { auth: auth() });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      request_id: expect.stringMatching(/^request-id-/),
      status_code: 200,
      jobs: expect.any(Array),
      results_metadata: { total: 2, next_cursor: null },
    });
    expect(ids(response.body as ListBody)).toEqual([...newer, ...older]);
    for (const job of response.body.jobs as JobBody[]) {
      expect(job).toEqual(await getJobAs(job.job_id));
    }
  });

  /** GET /v1/b2b/jobs/:job_id as `project`. */
  async function getJobAs(jobId: string): Promise<JobBody> {
    const response = await ctx.app.http('GET', `/v1/b2b/jobs/${jobId}`, { auth: auth() });
    expect(response.status).toBe(200);
    return response.body.job;
  }

  it('lists a job started through the API', async () => {
    const organization = await createOrganization(project.client);
    const response = await ctx.app.http('POST', `/v1/b2b/migrations/members?organization_id=${organization.organization_id}`, {
      auth: auth(),
      body: csv(['email_address'], [['grace@example.com']]),
      headers: { 'content-type': 'text/csv' },
    });
    expect(response.status).toBe(202);
    expect((await list()).jobs).toEqual([response.body.job]);
  });

  describe('filters', () => {
    let byKey: Record<string, string[]>;
    beforeEach(async () => {
      byKey = {
        invitesQueued: await insertJobs([{ type: 'invites.bulk', status: 'queued', createdAt: '2026-03-01T10:00:00Z' }]),
        invitesDone: await insertJobs([{ type: 'invites.bulk', status: 'completed', createdAt: '2026-03-02T10:00:00Z' }]),
        importFailed: await insertJobs([{ type: 'migration.members', status: 'failed', createdAt: '2026-03-03T10:00:00Z' }]),
        scanDone: await insertJobs([{ type: 'members.scan-duplicates', status: 'completed', createdAt: '2026-03-04T10:00:00.000001Z' }]),
        mergeCancelled: await insertJobs([{ type: 'members.merge', status: 'cancelled', createdAt: '2026-03-05T10:00:00Z' }]),
      };
    });
    const expectListed = async (query: Record<string, string>, keys: string[]) => {
      const body = await list(query);
      expect(ids(body)).toEqual(keys.flatMap((k) => byKey[k]));
      expect(body.results_metadata).toEqual({ total: keys.length, next_cursor: null });
    };

    it.each([
      ['type', { type: 'invites.bulk' }, ['invitesDone', 'invitesQueued']],
      ['type with no jobs', { type: 'members.merge', status: 'running' }, []],
      ['status', { status: 'completed' }, ['scanDone', 'invitesDone']],
      ['type and status', { type: 'invites.bulk', status: 'completed' }, ['invitesDone']],
      ['created_after (exclusive)', { created_after: '2026-03-03T10:00:00Z' }, ['mergeCancelled', 'scanDone']],
      ['created_after to the microsecond', { created_after: '2026-03-04T10:00:00.000001Z' }, ['mergeCancelled']],
      ['created_before (exclusive)', { created_before: '2026-03-02T10:00:00Z' }, ['invitesQueued']],
      [
        'a created range in another time zone',
        { created_after: '2026-03-02T11:00:00+02:00', created_before: '2026-03-04T12:00:00+01:00' },
        ['scanDone', 'importFailed', 'invitesDone'],
      ],
      [
        'every filter at once',
        { type: 'migration.members', status: 'failed', created_after: '2026-03-01T00:00:00Z', created_before: '2026-04-01T00:00:00Z' },
        ['importFailed'],
      ],
    ])('by %s', async (_label, query, keys) => {
      await expectListed(query as Record<string, string>, keys);
    });
  });

  describe('pages', () => {
    it('walks every job once, newest first, with limit, total and a null next_cursor on the last page', async () => {
      const created = await insertJobs(
        Array.from({ length: 25 }, (_, i) => ({ createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() })),
      );
      const pages = await allPages({ limit: '10' });
      expect(pages.map((p) => p.jobs.length)).toEqual([10, 10, 5]);
      expect(pages.map((p) => p.results_metadata.total)).toEqual([25, 25, 25]);
      expect(pages.flatMap(ids)).toEqual([...created].reverse());
    });

    it('orders jobs created at the same instant by id, so none is repeated or skipped across pages', async () => {
      // One statement: every job has the same created_at.
      const created = await insertJobs(many(23));
      const pages = await allPages({ limit: '4' });
      const walked = pages.flatMap(ids);
      expect(walked).toEqual([...created].sort().reverse());
    });

    it('defaults to 100 jobs a page and takes up to 1000', async () => {
      await insertJobs(many(1001));
      const first = await list();
      expect(first.jobs).toHaveLength(100);
      expect(first.results_metadata.total).toBe(1001);
      const big = await list({ limit: '1000' });
      expect(big.jobs).toHaveLength(1000);
      const rest = await list({ limit: '1000', cursor: big.results_metadata.next_cursor! });
      expect(rest.jobs).toHaveLength(1);
      expect(rest.results_metadata.next_cursor).toBeNull();
    });

    it('keeps a filter across pages', async () => {
      await insertJobs([...many(7, { type: 'invites.bulk' }), ...many(5, { type: 'members.merge' })]);
      const pages = await allPages({ type: 'members.merge', limit: '2' });
      expect(pages.flatMap((p) => p.jobs.map((j) => j.type))).toEqual(many(5).map(() => 'members.merge'));
      expect(pages[0].results_metadata.total).toBe(5);
    });

    it('shows every job that existed when the walk began exactly once while new jobs are created concurrently', async () => {
      const existing = await insertJobs(
        Array.from({ length: 60 }, (_, i) => ({ createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() })),
      );
      // Meanwhile, new jobs: created now (newer than all of the walk), and created "in the past" inside the
      // walked range, as a job inserted by a long transaction is (its created_at is its transaction's start).
      let walking = true;
      const added: string[] = [];
      const inserter = (async () => {
        for (let round = 0; walking; round++) {
          const backdated = new Date(Date.UTC(2026, 0, 1, 0, round % 60, 30)).toISOString();
          added.push(...(await insertJobs([{}, {}, { createdAt: backdated }])));
        }
      })();
      const walk = allPages({ limit: '7' }).finally(() => {
        walking = false;
      });
      const [pages] = await Promise.all([walk, inserter]);

      const walked = pages.flatMap(ids);
      expect(added.length).toBeGreaterThan(0);
      expect(new Set(walked).size).toBe(walked.length);
      expect(walked.filter((id) => existing.includes(id))).toEqual([...existing].reverse());
      // Newest first throughout: created_at never rises along the walk.
      const times = pages.flatMap((p) => p.jobs.map((j) => Date.parse(j.created_at)));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('serves parallel callers of two projects each their own, complete, listing', async () => {
      const other = await ctx.app.newProject();
      const mine = await insertJobs(many(30, { type: 'invites.bulk' }));
      const theirs = await insertJobs(many(20, { type: 'members.merge' }), other);
      const walk = async (as: TestProject) => (await allPages({ limit: '6' }, as)).flatMap(ids);
      const walks = await Promise.all(Array.from({ length: 8 }, (_, i) => walk(i % 2 === 0 ? project : other)));
      walks.forEach((seen, i) => expect([...seen].sort()).toEqual([...(i % 2 === 0 ? mine : theirs)].sort()));
    });
  });

  describe('isolation between projects', () => {
    it("never lists another project's jobs, counts them, or follows a cursor into them", async () => {
      const other = await ctx.app.newProject();
      const theirs = await insertJobs(many(5, { status: 'running' }), other);
      const mine = await insertJobs(many(2, { status: 'running' }));

      const listed = await list({ status: 'running' });
      expect(listed.results_metadata.total).toBe(2);
      expect([...ids(listed)].sort()).toEqual([...mine].sort());

      const theirFirstPage = await list({ limit: '2' }, other);
      const followed = await list({ cursor: theirFirstPage.results_metadata.next_cursor! });
      expect(ids(followed).filter((id) => theirs.includes(id))).toEqual([]);
      expect((await list({}, other)).results_metadata.total).toBe(5);
    });

    it('refuses a caller without credentials with 401', async () => {
      const response = await ctx.app.http('GET', '/v1/b2b/jobs', { auth: null });
      expect(response.status).toBe(401);
      expectErrorEnvelope(response.body, 401);
    });
  });

  describe('bad input', () => {
    const tampered = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    it.each([
      [
        'type=bogus',
        'invalid_job_type',
        'type must be one of "invites.bulk", "migration.members", "members.merge", "members.scan-duplicates", "scim.reconcile".',
      ],
      ['type=invites.bulk&type=members.merge', 'invalid_job_type', undefined],
      ['status=done', 'invalid_job_status', 'status must be one of "queued", "running", "completed", "failed", "cancelled".'],
      ['created_after=yesterday', 'invalid_date', undefined],
      ['created_after=2026-01-01', 'invalid_date', undefined],
      ['created_before=2026-01-01T00:00:00', 'invalid_date', undefined],
      ['created_before=2026-02-30T00:00:00Z', 'invalid_date', undefined],
      ['limit=0', 'invalid_limit', 'limit must be a whole number from 1 to 1000.'],
      ['limit=1001', 'invalid_limit', undefined],
      ['limit=-1', 'invalid_limit', undefined],
      ['limit=ten', 'invalid_limit', undefined],
      ['limit=2.5', 'invalid_limit', undefined],
      ['cursor=abc', 'invalid_cursor', 'cursor is not a cursor returned by a previous page.'],
      [`cursor=${tampered({ v: 1, t: '2026-01-01T00:00:00.000000Z', id: 'nope' })}`, 'invalid_cursor', undefined],
      [`cursor=${tampered({ v: 1, t: '2026-02-30T00:00:00.000000Z', id: randomUUID() })}`, 'invalid_cursor', undefined],
      [`cursor=${tampered({ v: 2, t: '2026-01-01T00:00:00.000000Z', id: randomUUID() })}`, 'invalid_cursor', undefined],
      [`cursor=${tampered(null)}`, 'invalid_cursor', undefined],
    ])('refuses %s with 400 %s and a readable message', async (query, errorType, message) => {
      const response = await ctx.app.http('GET', `/v1/b2b/jobs?${query}`, { auth: auth() });
      expect(response.status).toBe(400);
      expectErrorEnvelope(response.body, 400, errorType);
      if (message !== undefined) expect(response.body.error_message).toBe(message);
      // No regex or schema jargon reaches the caller.
      expect(response.body.error_message).not.toMatch(/[\\^$[\]{}]|pattern|format "/);
    });
  });

  it('pages with the (project_id, created_at DESC, id DESC) index: no sort, no scan of other projects', async () => {
    await insertJobs(many(50));
    const repository = new JobRepository();
    const after = { createdAt: '2026-06-01T00:00:00.000000Z', id: randomUUID() };
    const sql = repository.listQuery(knex(), parseProjectId(project.projectId)!.uuid, { status: 'queued' }, after, 101).toQuery();
    const plan = await knex().transaction(async (trx) => {
      // The table is small: without this the planner rightly prefers a sequential scan, which says nothing about the index.
      await trx.raw('SET LOCAL enable_seqscan = off');
      // Nor would a bitmap scan (then sorted), which a few rows' statistics may favour: the question is whether the index serves the order.
      await trx.raw('SET LOCAL enable_bitmapscan = off');
      const { rows } = await trx.raw(`EXPLAIN ${sql}`);
      return (rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('Index Scan using jobs__project_id_created_at_id__index on jobs');
    expect(plan).toMatch(/Index Cond: \(\(project_id = '[0-9a-f-]+'::uuid\) AND \(ROW\(created_at, id\) < ROW\(/);
    expect(plan).not.toContain('Sort');
  });
});
