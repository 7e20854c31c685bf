import { useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';
import { createOrganization, unique } from '../helpers/factories';
import { getJob, waitForJob } from '../helpers/migrations';
import { eventuallyValue } from '../helpers/eventually';

const RATE = 40;

describe('bulk invites', () => {
  const ctx = useTestApp({ ROSTER_INVITE_RATE_PER_SECOND: String(RATE) }, { workers: true, smtp: true });

  const invite = (organizationId: string, body: unknown) =>
    ctx.app.http('POST', `/v1/b2b/organizations/${organizationId}/invites`, { body });
  const errorsOf = async (jobId: string) =>
    (await ctx.app.http('GET', `/v1/b2b/jobs/${jobId}/errors`)).body.errors as { line: number; error_type: string; value: string }[];

  it('invites every invitee through a job, at the configured pace, reporting the ones it refused', async () => {
    const organization = await createOrganization(ctx.app.project.client, {
      email_invites: 'RESTRICTED',
      email_allowed_domains: ['acme.com'],
    });
    const good = Array.from({ length: 80 }, () => `${unique('inv')}@acme.com`);
    const invitees = [
      ...good.map((email_address) => ({ email_address, name: 'Invitee' })),
      { email_address: good[3].toUpperCase() },
      { email_address: 'stranger@other.org' },
    ];
    const response = await invite(organization.organization_slug, { invitees });
    expect(response.status).toBe(202);
    const started = Date.now();
    const job = await waitForJob(ctx.app, response.body.job.job_id, 20_000);

    expect(job).toMatchObject({
      type: 'invites.bulk',
      status: 'completed',
      progress: { total_rows: 82, processed_rows: 82, invited: 80, failed: 2 },
    });
    // At RATE per second, 82 invites go out in three one-second batches: the last starts two seconds in.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000 - 100);
    expect((await errorsOf(job.job_id)).map((e) => [e.line, e.error_type])).toEqual([
      [81, 'duplicate_in_list'],
      [82, 'invalid_email_for_invites'],
    ]);
    for (const email of good) expect((await ctx.smtp.messageTo(email)).token).not.toBe('');
    const { members } = await ctx.app.project.client.organizations.members.search({
      organization_ids: [organization.organization_id],
      query: { operator: 'AND', operands: [{ filter_name: 'statuses', filter_value: ['invited'] }] },
    });
    expect(members.map((m) => m.email_address).sort()).toEqual([...good].sort());
  });

  it('counts an invitee whose email the server refused as undelivered on the job', async () => {
    const organization = await createOrganization(ctx.client);
    const invitees = Array.from({ length: 5 }, () => ({ email_address: `${unique('u')}@acme.com` }));
    ctx.smtp.rejectNext(550);
    const response = await invite(organization.organization_id, { invitees });
    const jobId = response.body.job.job_id;
    await waitForJob(ctx.app, jobId, 20_000);
    await eventuallyValue(
      async () => (await getJob(ctx.app, jobId)).progress as unknown as Record<string, number>,
      (progress) => progress.undelivered === 1,
      { what: 'undelivered counted', timeoutMs: 20_000 },
    );
    const delivered = await Promise.all(
      invitees.map((i) =>
        ctx.smtp.messageTo(i.email_address, 1).then(
          () => 1,
          () => 0,
        ),
      ),
    );
    expect(delivered.reduce<number>((a, b) => a + b, 0)).toBe(4);
  });

  it.each([
    ['no invitees', { invitees: [] }],
    ['more than 10,000 invitees', { invitees: Array.from({ length: 10_001 }, (_, i) => ({ email_address: `u${i}@acme.com` })) }],
    ['an invalid email', { invitees: [{ email_address: 'not-an-email' }] }],
    ['a redirect URL off the allowlist', { invitees: [{ email_address: 'a@acme.com' }], invite_redirect_url: 'https://evil.example.com/' }],
  ])('refuses %s with a 4xx and starts no job', async (_case, body) => {
    const organization = await createOrganization(ctx.app.project.client);
    const before = await ctx.app.container.knex('jobs').count({ n: '*' }).first();
    const response = await invite(organization.organization_id, body);
    expectErrorEnvelope(response.body, 400);
    expect(await ctx.app.container.knex('jobs').count({ n: '*' }).first()).toEqual(before);
  });

  it("shows a bulk invite's invitees as a count: GET /jobs/:id echoes no email or metadata", async () => {
    const organization = await createOrganization(ctx.app.project.client);
    const invitees = Array.from({ length: 300 }, () => ({
      email_address: `${unique('p')}@acme.com`,
      name: 'Private Person',
      trusted_metadata: { employee_no: unique('emp') },
    }));
    const response = await invite(organization.organization_id, { invitees, invite_expiration_minutes: 60 });
    expect(response.status).toBe(202);
    const jobId = response.body.job.job_id;

    const shown = await ctx.app.http('GET', `/v1/b2b/jobs/${jobId}`);
    expect(shown.body.job.params).toEqual({ organization_id: organization.organization_id, invitees: 300, invite_expiration_minutes: 60 });
    const text = JSON.stringify(shown.body);
    for (const person of invitees) {
      expect(text).not.toContain(person.email_address);
      expect(text).not.toContain(person.trusted_metadata.employee_no);
    }
    expect(text).not.toContain('Private Person');
    // 300 invitees used to make this 20 KB; the job itself is a few hundred bytes.
    expect(text.length).toBeLessThan(1500);
    expect((await ctx.app.http('DELETE', `/v1/b2b/jobs/${jobId}`)).status).toBe(200);
    await waitForJob(ctx.app, jobId, 20_000);
  });

  it('stops a running bulk invite when it is cancelled', async () => {
    const organization = await createOrganization(ctx.app.project.client);
    const invitees = Array.from({ length: 400 }, () => ({ email_address: `${unique('c')}@acme.com` }));
    const response = await invite(organization.organization_id, { invitees });
    const jobId = response.body.job.job_id;
    await eventuallyValue(
      async () => (await getJob(ctx.app, jobId)).progress,
      (progress) => progress.processed_rows !== 0,
      { what: 'the bulk invite to start', timeoutMs: 10_000, intervalMs: 20 },
    );
    expect((await ctx.app.http('DELETE', `/v1/b2b/jobs/${jobId}`)).status).toBe(200);
    const job = await waitForJob(ctx.app, jobId, 20_000);
    expect(job.status).toBe('cancelled');
    expect(job.progress.processed_rows).toBeLessThan(400);
    const invited = await ctx.app.container
      .knex('members')
      .where({ status: 'invited' })
      .whereIn(
        'email',
        invitees.map((i) => i.email_address),
      )
      .count({ n: '*' })
      .first();
    expect(Number(invited!.n)).toBe((job.progress as unknown as { invited: number }).invited);
  });
});
