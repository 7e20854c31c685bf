import { randomBytes } from 'node:crypto';
import { formatId, parseId, uuidv7 } from '../../src/ids';
import { useTestApp } from '../helpers/app';
import { eventuallyValue } from '../helpers/eventually';
import { createMember, createOrganization, stytchError, unique } from '../helpers/factories';
import { signInNewMember } from '../helpers/member-sessions';

describe('SCIM directory snapshot reconcile', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });

  /** An organization with a SCIM connection (made by SQL: the connection's own endpoints are not this test's subject). */
  async function organizationWithConnection() {
    const organization = await createOrganization(ctx.client);
    const connectionId = uuidv7();
    await ctx.app.container.knex('scim_connections').insert({
      id: connectionId,
      project_id: parseId('project', 'test', ctx.app.project.projectId),
      organization_id: parseId('organization', 'test', organization.organization_id),
      bearer_token_hash: randomBytes(32),
      bearer_token_last_four: 'abcd',
    });
    return { organizationId: organization.organization_id, connectionId: formatId('scim-connection', 'test', connectionId) };
  }

  const reconcilePath = (org: { organizationId: string; connectionId: string }, query = '') =>
    `/v1/b2b/scim/${org.organizationId}/connection/${org.connectionId}/reconcile${query}`;

  async function finished(jobId: string) {
    const { body } = await eventuallyValue(
      () => ctx.app.http('GET', `/v1/b2b/jobs/${jobId}`),
      (r) => ['completed', 'failed'].includes(r.body.job?.status),
      { what: `job ${jobId} finished`, timeoutMs: 20_000 },
    );
    expect(body.job.status).toBe('completed');
    return body.job;
  }

  async function reconcile(org: { organizationId: string; connectionId: string }, users: unknown[], dryRun = false) {
    const res = await ctx.app.http('POST', reconcilePath(org), { body: { users, dry_run: dryRun } });
    expect(res.status).toBe(202);
    return finished(res.body.job.job_id);
  }

  const report = async (jobId: string) => (await ctx.app.http('GET', `/v1/b2b/jobs/${jobId}/report`)).body;

  async function liveMembers(organizationId: string) {
    const { members } = await ctx.client.organizations.members.search({ organization_ids: [organizationId], limit: 1000 });
    return members
      .filter((m) => m.status !== 'deleted')
      .map((m) => ({ email: m.email_address, name: m.name, status: m.status }))
      .sort((a, b) => a.email.localeCompare(b.email));
  }

  const user = (email: string, name: string, extra: Record<string, unknown> = {}) => ({
    userName: email,
    externalId: `ext-${email.split('@')[0]}`,
    email,
    givenName: name.split(' ')[0],
    familyName: name.split(' ')[1],
    active: true,
    ...extra,
  });

  it('creates, links, updates and deactivates to match the snapshot, reports each change, and changes nothing the second time', async () => {
    const org = await organizationWithConnection();
    const existing = await createMember(ctx.client, org.organizationId, { email_address: 'linda@acme.com', name: 'Linda Old' });
    const bystander = await createMember(ctx.client, org.organizationId, { email_address: 'bystander@acme.com' });
    const first = await reconcile(org, [
      user('ann@acme.com', 'Ann Lee'),
      user('bob@acme.com', 'Bob Ray'),
      user('linda@acme.com', 'Linda New'),
    ]);
    expect(first.result).toEqual({
      dry_run: false,
      created: 2,
      linked: 1,
      updated: 0,
      deactivated: 0,
      reactivated: 0,
      unchanged: 0,
      unmanaged: 1,
    });
    const linked = (await report(first.job_id)).changes.find((c: { email: string }) => c.email === 'linda@acme.com');
    expect(linked).toMatchObject({ member_id: existing.member_id, kind: 'link', fields: expect.arrayContaining(['name']) });

    // Ann is renamed, Bob leaves the directory, Cat arrives as a SCIM User resource.
    const second = await reconcile(org, [
      user('ann@acme.com', 'Ann Smith'),
      user('linda@acme.com', 'Linda New'),
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'cat@acme.com',
        name: { givenName: 'Cat', familyName: 'Fox' },
        emails: [{ value: 'cat@acme.com', primary: true }],
      },
    ]);
    expect(second.result).toMatchObject({ created: 1, updated: 1, deactivated: 1, linked: 0, unchanged: 1, unmanaged: 1 });
    const changes = (await report(second.job_id)).changes;
    expect(changes.map((c: { email: string; kind: string; fields: string[] }) => [c.email, c.kind, c.fields])).toEqual(
      expect.arrayContaining([
        ['ann@acme.com', 'update', ['name']],
        ['bob@acme.com', 'deactivate', ['active']],
      ]),
    );
    expect(await liveMembers(org.organizationId)).toEqual([
      { email: 'ann@acme.com', name: 'Ann Smith', status: 'active' },
      { email: 'bystander@acme.com', name: '', status: bystander.status },
      { email: 'cat@acme.com', name: 'Cat Fox', status: 'active' },
      { email: 'linda@acme.com', name: 'Linda New', status: 'active' },
    ]);

    const again = await reconcile(org, [
      user('ann@acme.com', 'Ann Smith'),
      user('linda@acme.com', 'Linda New'),
      { userName: 'cat@acme.com', name: { givenName: 'Cat', familyName: 'Fox' }, emails: [{ value: 'cat@acme.com', primary: true }] },
    ]);
    expect(again.result).toEqual({
      dry_run: false,
      created: 0,
      linked: 0,
      updated: 0,
      deactivated: 0,
      reactivated: 0,
      unchanged: 3,
      unmanaged: 1,
    });
    expect((await report(again.job_id)).changes).toEqual([]);
  });

  it('links and deactivates at once a live member the directory lists as inactive, and changes nothing the second time', async () => {
    const org = await organizationWithConnection();
    const gone = await createMember(ctx.client, org.organizationId, { email_address: 'gone@acme.com', name: 'Gone Away' });
    const snapshot = [user('gone@acme.com', 'Gone Away', { active: false })];

    const first = await reconcile(org, snapshot);
    expect(first.result).toMatchObject({ linked: 1, deactivated: 0, created: 0 });
    const change = (await report(first.job_id)).changes[0];
    expect(change).toMatchObject({ member_id: gone.member_id, kind: 'link', fields: expect.arrayContaining(['active']) });
    expect(await liveMembers(org.organizationId)).toEqual([]);

    const again = await reconcile(org, snapshot);
    expect(again.result).toMatchObject({ linked: 0, deactivated: 0, created: 0, updated: 0, reactivated: 0, unchanged: 1 });
    expect((await report(again.job_id)).changes).toEqual([]);
  });

  it('a dry run reports the changes and makes none', async () => {
    const org = await organizationWithConnection();
    await reconcile(org, [user('dee@acme.com', 'Dee Ode')]);
    const before = await liveMembers(org.organizationId);
    const dry = await reconcile(org, [user('eve@acme.com', 'Eve Ant')], true);
    expect(dry.result).toMatchObject({ dry_run: true, created: 1, deactivated: 1 });
    expect((await report(dry.job_id)).changes.map((c: { kind: string }) => c.kind).sort()).toEqual(['create', 'deactivate']);
    expect(await liveMembers(org.organizationId)).toEqual(before);
  });

  it("a removed member's session fails sessions.authenticate right after the job completes", async () => {
    const org = await organizationWithConnection();
    const signedIn = await signInNewMember(ctx, org.organizationId);
    await reconcile(org, [user(signedIn.email, 'Sam Sign')]);
    await ctx.client.sessions.authenticate({ session_token: signedIn.token });

    const removal = await reconcile(org, [user(signedIn.email, 'Sam Sign', { active: false })]);
    expect(removal.result).toMatchObject({ deactivated: 1 });
    const error = await stytchError(ctx.client.sessions.authenticate({ session_token: signedIn.token }));
    expect(error.status_code).toBe(404);
  });

  it('takes a CSV snapshot, streamed, with dry_run in the query', async () => {
    const org = await organizationWithConnection();
    const csv =
      'userName,email,externalId,givenName,familyName,displayName,active\r\nfay@acme.com,fay@acme.com,e-fay,Fay,Gold,,true\r\ngus@acme.com,,,,,Gus,false\r\n';
    const dry = await ctx.app.http('POST', reconcilePath(org, '?dry_run=true'), { body: csv, headers: { 'content-type': 'text/csv' } });
    expect(dry.status).toBe(202);
    // Gus is inactive in the directory and unknown here: he gets no member.
    expect((await finished(dry.body.job.job_id)).result).toMatchObject({ dry_run: true, created: 1, unchanged: 1 });
    expect(await liveMembers(org.organizationId)).toEqual([]);

    const real = await ctx.app.http('POST', reconcilePath(org), { body: csv, headers: { 'content-type': 'text/csv' } });
    expect((await finished(real.body.job.job_id)).result).toMatchObject({ dry_run: false, created: 1, unchanged: 1 });
    expect(await liveMembers(org.organizationId)).toEqual([{ email: 'fay@acme.com', name: 'Fay Gold', status: 'active' }]);
  });

  it('refuses bad input with a 4xx and stages nothing', async () => {
    const org = await organizationWithConnection();
    const other = await organizationWithConnection();
    const jobsBefore = await ctx.app.container.knex('jobs').count({ n: '*' }).first();
    // One after another: each refused request holds the connection's reconcile slot while it is read.
    const requests: [string, Parameters<typeof ctx.app.http>[2]][] = [
      [reconcilePath(org), { body: { users: 'everyone' } }],
      [reconcilePath(org), { body: { users: [user('a@acme.com', 'A B'), { userName: 'no-email' }] } }],
      [reconcilePath(org), { body: { users: [user('a@acme.com', 'A B'), user('a@acme.com', 'A C', { externalId: 'x2' })] } }],
      [reconcilePath(org), { body: 'user,mail\r\na,b\r\n', headers: { 'content-type': 'text/csv' } }],
      [reconcilePath({ organizationId: org.organizationId, connectionId: other.connectionId }), { body: { users: [] } }],
      [reconcilePath({ organizationId: org.organizationId, connectionId: `scim-connection-test-${unique()}` }), { body: { users: [] } }],
    ];
    const refusals = [];
    for (const [path, init] of requests) refusals.push(await ctx.app.http('POST', path, init));
    expect(refusals.map((r) => [r.status, r.body.error_type])).toEqual([
      [400, 'invalid_scim_snapshot'],
      [400, 'invalid_scim_snapshot'],
      [400, 'duplicate_in_list'],
      [400, 'invalid_scim_snapshot'],
      [404, 'scim_connection_not_found'],
      [404, 'scim_connection_not_found'],
    ]);
    expect(await ctx.app.container.knex('jobs').count({ n: '*' }).first()).toEqual(jobsBefore);
    expect(await ctx.app.container.knex('scim_snapshot_rows').count({ n: '*' }).first()).toEqual({ n: 0 });
    expect(await liveMembers(org.organizationId)).toEqual([]);
  });

  it('refuses a second reconcile of a connection while one is unfinished', async () => {
    const org = await organizationWithConnection();
    // The first snapshot's upload is held open: its job is unfinished until the body ends.
    let finishUpload!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('userName,email\r\nhal@acme.com,hal@acme.com\r\n'));
        finishUpload = () => controller.close();
      },
    });
    const first = fetch(`${ctx.app.baseUrl}${reconcilePath(org)}`, {
      method: 'POST',
      body,
      duplex: 'half',
      headers: {
        'content-type': 'text/csv',
        authorization: `Basic ${Buffer.from(`${ctx.app.project.projectId}:${ctx.app.project.secret}`).toString('base64')}`,
      },
    } as RequestInit);
    await eventuallyValue(
      () => ctx.app.container.knex('jobs').where({ type: 'scim.reconcile', phase: 'uploading' }).first(),
      (job) => job !== undefined,
      { what: 'the first upload started' },
    );
    const second = await ctx.app.http('POST', reconcilePath(org), { body: { users: [user('ivy@acme.com', 'Ivy Ng')] } });
    expect([second.status, second.body.error_type]).toEqual([409, 'scim_reconcile_in_progress']);

    finishUpload();
    const answer = await first;
    expect(answer.status).toBe(202);
    const job = await finished(((await answer.json()) as { job: { job_id: string } }).job.job_id);
    expect(job.result).toMatchObject({ created: 1 });
    expect(await liveMembers(org.organizationId)).toEqual([{ email: 'hal@acme.com', name: '', status: 'active' }]);
  });
});
