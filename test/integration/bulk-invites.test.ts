import { parseId } from '../../src/ids';
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
  const membersOf = (organizationId: string): Promise<{ email: string }[]> =>
    ctx.app.container.knex('members').where({ organization_id: parseId('organization', 'test', organizationId)! });
  const errorsOf = async (jobId: string) =>
    (await ctx.app.http('GET', `/v1/b2b/jobs/${jobId}/errors`)).body.errors as {
      line: number;
      error_type: string;
      column_name: string;
      value: string;
      message: string;
    }[];

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

  it('invites the valid invitees of a list and reports each malformed one as its own invalid_email row error', async () => {
    const organization = await createOrganization(ctx.client);
    const good = Array.from({ length: 4 }, () => `${unique('mixed')}@acme.com`);
    const invitees = [
      { email_address: good[0] },
      { email_address: 'not-an-email' },
      { email_address: good[1], name: 'Grace Hopper' },
      { email_address: 'two@@acme.com' },
      { email_address: `${unique('bell')}\u0007@acme.com` },
      { email_address: good[2] },
      { email_address: good[3], name: 'Line\nBreak' },
      { email_address: 'not-an-email' },
    ];

    const response = await invite(organization.organization_id, { invitees });

    expect(response.status).toBe(202);
    const job = await waitForJob(ctx.app, response.body.job.job_id, 20_000);
    expect(job).toMatchObject({ status: 'completed', progress: { total_rows: 8, processed_rows: 8, invited: 3, failed: 5 } });
    const errors = await errorsOf(job.job_id);
    expect(errors.map((e) => [e.line, e.error_type, e.column_name])).toEqual([
      [2, 'invalid_email', 'email_address'],
      [4, 'invalid_email', 'email_address'],
      [5, 'invalid_email', 'email_address'],
      [7, 'invalid_member_name', 'name'],
      // Still invalid, not a duplicate: only valid addresses count as seen.
      [8, 'invalid_email', 'email_address'],
    ]);
    expect(errors[0]).toMatchObject({ value: 'not-an-email', message: 'email_address is not a valid email address.' });
    expect(errors[2].message).toBe('email_address contains a control character (U+0007).');
    for (const error of errors) expect(error.message).not.toMatch(/must match|\^|\$/);
    for (const email of good.slice(0, 3)) expect((await ctx.smtp.messageTo(email)).token).not.toBe('');
    const invited = await membersOf(organization.organization_id);
    expect(invited.map((m) => m.email).sort()).toEqual(good.slice(0, 3).sort());
    expect(ctx.smtp.messages.filter((m) => m.to.includes(good[3]))).toHaveLength(0);
  });

  it('completes a list of malformed addresses only as a job of row errors, inviting no one', async () => {
    const organization = await createOrganization(ctx.client);
    const response = await invite(organization.organization_id, { invitees: [{ email_address: 'a' }, { email_address: 'b@' }] });

    expect(response.status).toBe(202);
    const job = await waitForJob(ctx.app, response.body.job.job_id, 20_000);
    expect(job).toMatchObject({ status: 'completed', progress: { total_rows: 2, processed_rows: 2, invited: 0, failed: 2 } });
    expect((await errorsOf(job.job_id)).map((e) => e.error_type)).toEqual(['invalid_email', 'invalid_email']);
    expect(await membersOf(organization.organization_id)).toEqual([]);
  });

  it.each([
    ['a body that is not an object', [{ email_address: 'a@acme.com' }]],
    ['no invitee list', { invite_expiration_minutes: 60 }],
    ['an invitee that is not an object', { invitees: ['a@acme.com'] }],
    ['an email address that is not a string', { invitees: [{ email_address: 42 }] }],
    ['an email address longer than any field', { invitees: [{ email_address: `${'a'.repeat(1100)}@acme.com` }] }],
    ['no invitees', { invitees: [] }],
    ['more than 10,000 invitees', { invitees: Array.from({ length: 10_001 }, (_, i) => ({ email_address: `u${i}@acme.com` })) }],
    ['a redirect URL off the allowlist', { invitees: [{ email_address: 'a@acme.com' }], invite_redirect_url: 'https://evil.example.com/' }],
  ])('refuses %s with a 4xx and starts no job', async (_case, body) => {
    const organization = await createOrganization(ctx.app.project.client);
    const before = await ctx.app.container.knex('jobs').count({ n: '*' }).first();
    const response = await invite(organization.organization_id, body);
    expectErrorEnvelope(response.body, 400);
    expect(response.body.error_message).not.toContain('must match');
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
