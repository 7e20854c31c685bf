import { Queue } from 'bullmq';
import { bullPrefix } from '../../src/queues/connection';
import { QUEUE_STATES } from '../../src/metrics/queue-depth';
import { QUEUES } from '../../src/queues/registry';
import { TestAppHolder, useTestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { createOrganization, stytchError, unique } from '../helpers/factories';
import { parseMetrics, Sample, sampleValue } from '../helpers/prometheus';
import { routeTable } from '../helpers/routes';

const REQUESTS = 'roster_http_request_duration_seconds';
const JOBS = 'roster_job_duration_seconds';
const EMAILS = 'roster_emails_total';

async function scrape(ctx: TestAppHolder, headers: Record<string, string> = {}): Promise<Sample[]> {
  const response = await fetch(`${ctx.app.baseUrl}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await response.text());
}

/** Scrapes until `name{labels}` reads `expected` (shared gauges are read from Redis and Postgres at most every 2 s). */
async function eventuallyReads(
  ctx: TestAppHolder,
  name: string,
  labels: Record<string, string>,
  expected: (value: number | undefined) => boolean,
) {
  return eventually(
    async () => {
      const value = sampleValue(await scrape(ctx), name, labels);
      if (!expected(value)) throw new Error(`${name}${JSON.stringify(labels)} is ${value}`);
      return { value };
    },
    { what: `${name} ${JSON.stringify(labels)}`, timeoutMs: 15_000, intervalMs: 200 },
  );
}

async function inviteSomeone(ctx: TestAppHolder, organizationId: string): Promise<string> {
  const address = `${unique('invitee')}@acme.com`;
  await ctx.client.magicLinks.email.invite({ organization_id: organizationId, email_address: address });
  return address;
}

describe('GET /metrics', () => {
  const ctx = useTestApp({}, { workers: true });

  it('times requests by method, route template and status, and labels requests no route answered "unmatched"', async () => {
    const organization = await createOrganization(ctx.client);
    await ctx.client.organizations.get({ organization_id: organization.organization_id });
    // The handler throws: Express has left the b2b router by the time the response is sent.
    const missing = `organization-test-${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`;
    expect((await stytchError(ctx.client.organizations.get({ organization_id: missing }))).status_code).toBe(404);
    expect((await ctx.app.http('GET', `/v1/b2b/no-such-route/${organization.organization_id}`)).status).toBe(404);
    expect((await ctx.app.http('GET', `/v1/b2b/organizations/${organization.organization_id}`, { auth: null })).status).toBe(401);

    const samples = await scrape(ctx);
    const count = (labels: Record<string, string>) => sampleValue(samples, `${REQUESTS}_count`, labels);
    const orgRoute = '/v1/b2b/organizations/:organization_id';
    expect(count({ method: 'POST', route: '/v1/b2b/organizations', status_code: '200' })).toBe(1);
    expect(count({ method: 'GET', route: orgRoute, status_code: '200' })).toBe(1);
    expect(count({ method: 'GET', route: orgRoute, status_code: '404' })).toBe(1);
    expect(count({ method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(count({ method: 'GET', route: 'unmatched', status_code: '401' })).toBe(1);
    // A histogram: cumulative buckets up to +Inf, which holds every observation.
    const buckets = samples.filter((s) => s.name === `${REQUESTS}_bucket` && s.labels.route === orgRoute && s.labels.status_code === '200');
    expect(buckets.map((b) => b.labels.le)).toContain('0.005');
    expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(1);
    expect(sampleValue(samples, `${REQUESTS}_sum`, { method: 'GET', route: orgRoute, status_code: '200' })).toBeGreaterThan(0);
  });

  it('puts no raw path in any label: every route label is a route template of the app, or "unmatched"', async () => {
    const organization = await createOrganization(ctx.client);
    const { member } = await ctx.client.organizations.members.create({
      organization_id: organization.organization_id,
      email_address: `${unique('member')}@acme.com`,
    });
    await ctx.client.organizations.members.update({
      organization_id: organization.organization_id,
      member_id: member.member_id,
      name: 'Renamed',
    });
    await ctx.app.http('GET', `/docs/assets/${unique('asset')}.js`, { auth: null });

    const text = await (await fetch(`${ctx.app.baseUrl}/metrics`)).text();
    const templates = new Set([...routeTable(ctx.app.express).map((r) => r.path), 'unmatched']);
    const routes = new Set(parseMetrics(text).flatMap((s) => (s.labels.route === undefined ? [] : [s.labels.route])));
    expect(routes).toContain('/v1/b2b/organizations/:organization_id/members/:member_id');
    for (const route of routes) expect(templates).toContain(route);
    for (const id of [organization.organization_id, member.member_id, ctx.app.project.projectId]) expect(text).not.toContain(id);
  });

  it("reports the database pool: connections used and free, callers waiting, and the pool's size", async () => {
    const trx = await ctx.app.container.knex.transaction();
    try {
      await trx.raw('SELECT 1');
      const samples = await scrape(ctx);
      const used = sampleValue(samples, 'roster_db_pool_connections', { state: 'used' })!;
      const free = sampleValue(samples, 'roster_db_pool_connections', { state: 'free' })!;
      expect(used).toBeGreaterThanOrEqual(1);
      expect(free).toBeGreaterThanOrEqual(0);
      expect(sampleValue(samples, 'roster_db_pool_max_connections')).toBe(ctx.app.container.config.database.poolMax);
      expect(used + free).toBeLessThanOrEqual(ctx.app.container.config.database.poolMax);
      expect(sampleValue(samples, 'roster_db_pool_pending_acquires')).toBe(0);
    } finally {
      await trx.rollback();
    }
  });

  it('reports the age of the oldest outbox entry not yet relayed, and 0 once the outbox is empty', async () => {
    const { knex } = ctx.app.container;
    await ctx.app.container.relay.stop();
    // Entries earlier tests' changes wrote (their events' dispatch) would otherwise be the oldest.
    await ctx.app.container.relay.drain();
    try {
      const [{ id }] = await knex('outbox')
        .insert({
          job_name: 'jobs.sweep',
          payload: '{}',
          queue_job_id: unique('lag'),
          created_at: knex.raw("now() - interval '90 seconds'"),
        })
        .returning('id');
      await eventuallyReads(ctx, 'roster_outbox_lag_seconds', {}, (lag) => lag !== undefined && lag >= 90 && lag < 120);
      await knex('outbox').where({ id }).delete();
      await eventuallyReads(ctx, 'roster_outbox_lag_seconds', {}, (lag) => lag === 0);
    } finally {
      ctx.app.container.relay.start();
    }
  });

  describe('with jobs', () => {
    let queue: Queue;
    beforeAll(() => {
      queue = new Queue('maintenance', { connection: ctx.app.container.redis, prefix: bullPrefix(ctx.app.container.config.queuePrefix) });
    });
    afterAll(async () => {
      await queue.close();
    });

    it('counts every queue’s jobs by state', async () => {
      await queue.add('jobs.sweep', {}, { jobId: unique('later'), delay: 3600_000 });
      await eventuallyReads(ctx, 'roster_queue_jobs', { queue: 'maintenance', state: 'delayed' }, (n) => n === 1);
      const samples = (await scrape(ctx)).filter((s) => s.name === 'roster_queue_jobs');
      expect(samples.map((s) => `${s.labels.queue}/${s.labels.state}`).sort()).toEqual(
        Object.keys(QUEUES)
          .flatMap((q) => QUEUE_STATES.map((state) => `${q}/${state}`))
          .sort(),
      );
    });

    it('times the jobs the workers run, by queue, job name and outcome', async () => {
      await ctx.app.container.producer.ensure('jobs.sweep', {}, unique('sweep'));
      await eventuallyReads(ctx, `${JOBS}_count`, { queue: 'maintenance', job: 'jobs.sweep', outcome: 'completed' }, (n) => n === 1);

      // No handler knows this name: it fails for good at once, under a fixed job label.
      await queue.add(unique('no.such-job'), {}, { attempts: 3 });
      await eventuallyReads(ctx, `${JOBS}_count`, { queue: 'maintenance', job: 'unknown', outcome: 'failed' }, (n) => n === 1);
      await eventuallyReads(ctx, 'roster_queue_jobs', { queue: 'maintenance', state: 'failed' }, (n) => n === 1);
      const samples = await scrape(ctx);
      expect(sampleValue(samples, `${JOBS}_count`, { job: 'unknown', outcome: 'retrying' })).toBeUndefined();
      expect(sampleValue(samples, `${JOBS}_sum`, { job: 'jobs.sweep', outcome: 'completed' })).toBeGreaterThan(0);
    });

    it('counts the emails the dev outbox captured', async () => {
      const organization = await createOrganization(ctx.client);
      await inviteSomeone(ctx, organization.organization_id);
      await eventuallyReads(ctx, EMAILS, { transport: 'dev-outbox', outcome: 'captured' }, (n) => n === 1);
      await eventuallyReads(ctx, `${JOBS}_count`, { queue: 'emails', job: 'email.send', outcome: 'completed' }, (n) => n === 1);
    });
  });

  it('includes the Node process metrics', async () => {
    const samples = await scrape(ctx);
    expect(sampleValue(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });
});

describe('GET /metrics counting SMTP outcomes', () => {
  const ctx = useTestApp({ ROSTER_EMAIL_RETRY_MS: '100' }, { workers: true, smtp: true });

  it('counts sent, rejected (5xx, for good) and deferred (4xx, retried) emails by transport', async () => {
    const organization = await createOrganization(ctx.client);
    await ctx.smtp.messageTo(await inviteSomeone(ctx, organization.organization_id));
    await eventuallyReads(ctx, EMAILS, { transport: 'smtp', outcome: 'sent' }, (n) => n === 1);

    ctx.smtp.rejectNext(550);
    await inviteSomeone(ctx, organization.organization_id);
    await eventuallyReads(ctx, EMAILS, { transport: 'smtp', outcome: 'rejected' }, (n) => n === 1);

    ctx.smtp.rejectNext(451);
    await inviteSomeone(ctx, organization.organization_id);
    await eventuallyReads(ctx, EMAILS, { transport: 'smtp', outcome: 'sent' }, (n) => n === 2);
    const samples = await scrape(ctx);
    expect(sampleValue(samples, EMAILS, { transport: 'smtp', outcome: 'deferred' })).toBe(1);
    expect(sampleValue(samples, EMAILS, { transport: 'smtp', outcome: 'rejected' })).toBe(1);
    expect(sampleValue(samples, `${JOBS}_count`, { job: 'email.send', outcome: 'retrying' })).toBe(1);
  });
});

describe('GET /metrics with METRICS_TOKEN set', () => {
  const token = 'metrics-token-0123456789abcdef';
  const ctx = useTestApp({ METRICS_TOKEN: token });
  const get = (authorization?: string) => ctx.app.http('GET', '/metrics', { auth: null, headers: authorization ? { authorization } : {} });

  it.each([
    ['no credentials', undefined],
    ['a wrong token', `Bearer ${token.slice(0, -1)}x`],
    ['a longer token', `Bearer ${token}x`],
    ['the token as Basic credentials', `Basic ${Buffer.from(`metrics:${token}`).toString('base64')}`],
  ])('refuses %s with 401 in the envelope', async (_, authorization) => {
    const response = await get(authorization);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(response.body).toEqual(
      expect.objectContaining({
        status_code: 401,
        error_type: 'unauthorized_credentials',
        request_id: expect.stringMatching(/^request-id-/),
      }),
    );
  });

  it('answers the token as a bearer token', async () => {
    const response = await fetch(`${ctx.app.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('roster_http_request_duration_seconds_bucket');
  });
});
