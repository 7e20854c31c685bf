import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseId, parseProjectId } from '../../src/ids';
import { CONTENT_SECURITY_POLICY } from '../../src/console/security';
import { useTestApp } from '../helpers/app';
import { ConsoleClient } from '../helpers/console';
import { routeTable } from '../helpers/routes';
import { createMember, createOrganization, unique } from '../helpers/factories';
import { allowAnotherEmail } from '../helpers/login';
import { eventually } from '../helpers/eventually';
import { csv } from '../helpers/migrations';
import { signInNewMember } from '../helpers/member-sessions';

describe('admin console over HTTP', () => {
  // The webhook pages' test delivers to a receiver on 127.0.0.1.
  const ctx = useTestApp({ WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' }, { workers: true, smtp: true });
  const knex = () => ctx.app.container.knex;

  const signedIn = async (project = ctx.app.project) => {
    const client = new ConsoleClient(ctx.app.baseUrl);
    expect((await client.signIn(project.projectId, project.secret)).status).toBe(303);
    expect(client.csrfToken).toBeDefined();
    return client;
  };

  const organizationRow = (organizationId: string) =>
    knex()('organizations')
      .where({ id: parseId('organization', 'test', organizationId) })
      .first();

  it('sends a visitor without a session to the sign-in page, and refuses a wrong secret without a session', async () => {
    const client = new ConsoleClient(ctx.app.baseUrl);
    const page = await client.get('/admin/organizations');
    expect(page.status).toBe(303);
    expect(page.location).toBe('/admin/sign-in');

    const before = await knex()('console_sessions').count({ n: '*' }).first();
    const refused = await client.signIn(ctx.app.project.projectId, 'not-the-secret');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect(refused.html).toContain('do not match a project');
    const unknown = await client.signIn('project-test-00000000-0000-7000-8000-000000000000', ctx.app.project.secret);
    expect(unknown.status).toBe(401);
    expect(await knex()('console_sessions').count({ n: '*' }).first()).toEqual(before);
    expect((await client.get('/admin')).status).toBe(303);
  });

  it("ends a project's console sessions when its secret is rotated, and no other project's", async () => {
    const project = await ctx.app.newProject();
    const client = await signedIn(project);
    const bystander = await signedIn();
    expect((await client.get('/admin')).status).toBe(200);

    await ctx.app.container.projects.rotateSecret(project.projectId);

    const after = await client.get('/admin');
    expect(after.status).toBe(303);
    expect(after.location).toBe('/admin/sign-in');
    expect((await bystander.get('/admin')).status).toBe(200);
  });

  it('stays out of the API router table: its HTML pages are not contracts of /openapi.json', async () => {
    const routes = routeTable(ctx.app.express);
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.filter((r) => r.path.startsWith('/admin'))).toEqual([]);
    // …yet it answers, as HTML, never in the API's JSON envelope.
    const page = await new ConsoleClient(ctx.app.baseUrl).get('/admin/sign-in');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('signs in with an HttpOnly, SameSite=Strict cookie under /admin whose token is stored only hashed', async () => {
    const client = new ConsoleClient(ctx.app.baseUrl);
    const page = await client.post('/admin/sign-in', {
      project_id: ctx.app.project.projectId,
      secret: ctx.app.project.secret,
      csrf_token: null,
    });
    expect(page.status).toBe(303);
    expect(page.location).toBe('/admin');
    const cookie = page.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^roster_console=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    expect(cookie).toMatch(/; Path=\/admin(;|$)/);
    // PUBLIC_URL is http in tests: a Secure cookie would never come back.
    expect(cookie).not.toMatch(/Secure/i);

    const token = /^roster_console=([^;]+)/.exec(cookie)![1];
    const rows = await knex()('console_sessions').where({ token_hash: createHash('sha256').update(token).digest() });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(await knex()('console_sessions').select())).not.toContain(token);
    const overview = await client.get('/admin');
    expect(overview.status).toBe(200);
    expect(overview.html).toContain(ctx.app.project.projectId);
  });

  it('puts the strict CSP and the other headers on every /admin response', async () => {
    const client = await signedIn();
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    const anonymous = new ConsoleClient(ctx.app.baseUrl);
    for (const page of [
      await client.get('/admin'),
      await client.get('/admin/jobs'),
      await client.get('/admin/no-such-page'),
      await client.get('/admin/assets/console.css'),
      await client.get('/admin/assets/htmx.min.js'),
      await anonymous.get('/admin/sign-in'),
      await anonymous.get('/admin/members'),
      await client.post('/admin/sign-out', { csrf_token: 'wrong' }),
    ]) {
      expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('referrer-policy')).toBe('same-origin');
      expect(page.headers.get('cache-control')).toBe('no-store');
    }
    expect((await client.get('/admin/no-such-page')).status).toBe(404);
    const css = await client.get('/admin/assets/console.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.html).toContain('@media');
    // No inline script or style anywhere the CSP would have to allow.
    const html = (await client.get('/admin')).html;
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=/);
  });

  it('refuses a POST without the session CSRF token, with a wrong one or another session one, and changes nothing', async () => {
    const organization = await createOrganization(ctx.client);
    const client = await signedIn();
    const other = await signedIn();
    expect(other.csrfToken).not.toBe(client.csrfToken);
    const path = `/admin/organizations/${organization.organization_id}`;
    const fields = {
      organization_name: 'Renamed by CSRF',
      organization_slug: organization.organization_slug,
      email_allowed_domains: '',
      email_jit_provisioning: 'NOT_ALLOWED',
      email_invites: 'ALL_ALLOWED',
      mfa_policy: 'REQUIRED_FOR_ALL',
    };
    const before = await organizationRow(organization.organization_id);
    for (const csrf_token of [null, '', 'x'.repeat(43), other.csrfToken!]) {
      const refused = await client.post(path, { ...fields, csrf_token });
      expect(refused.status).toBe(403);
    }
    // The right token from another site is refused too.
    expect((await client.post(path, fields, { origin: 'https://evil.example' })).status).toBe(403);
    expect(await organizationRow(organization.organization_id)).toEqual(before);

    // A sign-out without its token signs nobody out.
    expect((await client.post('/admin/sign-out', { csrf_token: null })).status).toBe(403);
    expect((await client.get('/admin')).status).toBe(200);

    const saved = await client.post(path, fields);
    expect(saved.status).toBe(303);
    const after = await organizationRow(organization.organization_id);
    expect(after).toMatchObject({ name: 'Renamed by CSRF', mfa_policy: 'REQUIRED_FOR_ALL' });
  });

  it('edits settings through the API rules: a bad value is shown inline and changes nothing', async () => {
    const organization = await createOrganization(ctx.client);
    const client = await signedIn();
    const path = `/admin/organizations/${organization.organization_id}`;
    const fields = {
      organization_name: organization.organization_name,
      organization_slug: organization.organization_slug,
      email_allowed_domains: 'acme.com\nexample.org',
      email_jit_provisioning: 'RESTRICTED',
      email_invites: 'ALL_ALLOWED',
      mfa_policy: 'OPTIONAL',
    };
    const before = await organizationRow(organization.organization_id);
    const badSlug = await client.post(path, { ...fields, organization_slug: 'has spaces/and slashes' });
    expect(badSlug.status).toBe(400);
    expect(badSlug.html).toContain('role="alert"');
    expect(badSlug.html).toContain('organization_slug');
    // The form keeps what was typed.
    expect(badSlug.html).toContain('value="has spaces/and slashes"');
    const badChoice = await client.post(path, { ...fields, mfa_policy: 'SOMETIMES' });
    expect(badChoice.status).toBe(400);
    expect(await organizationRow(organization.organization_id)).toEqual(before);

    expect((await client.post(path, fields)).status).toBe(303);
    const updated = await ctx.client.organizations.get({ organization_id: organization.organization_id });
    expect(updated.organization.email_allowed_domains).toEqual(['acme.com', 'example.org']);
    expect(updated.organization.email_jit_provisioning).toBe('RESTRICTED');
    expect((await client.get(`${path}?saved=1`)).html).toContain('Settings saved.');
  });

  it('escapes what members and organizations are called', async () => {
    const organization = await createOrganization(ctx.client, { organization_name: '<img src=x onerror=alert(1)> Corp' });
    const member = await createMember(ctx.client, organization.organization_id, { name: '<script>alert("pwned")</script>' });
    const client = await signedIn();
    for (const path of [
      `/admin/members/${member.member_id}`,
      `/admin/organizations/${organization.organization_id}`,
      `/admin/members?organization_id=${organization.organization_id}`,
    ]) {
      const page = await client.get(path);
      expect(page.status).toBe(200);
      expect(page.html).not.toContain('<script>alert');
      expect(page.html).not.toContain('<img src=x');
    }
    const detail = await client.get(`/admin/members/${member.member_id}`);
    expect(detail.html).toContain('&lt;script>alert(&quot;pwned&quot;)&lt;/script>');
  });

  it("never shows another project's organizations, members or jobs", async () => {
    const other = await ctx.app.newProject();
    const theirOrganization = await createOrganization(other.client, { organization_name: unique('Theirs') });
    const theirMember = await createMember(other.client, theirOrganization.organization_id, {
      email_address: `${unique('them')}@theirs.com`,
    });
    const theirUpload = await ctx.app.http('POST', `/v1/b2b/migrations/members?organization_id=${theirOrganization.organization_id}`, {
      auth: other,
      body: csv(['email_address'], [[`${unique('x')}@theirs.com`]]),
      headers: { 'content-type': 'text/csv' },
    });
    expect(theirUpload.status).toBe(202);
    const theirJob = theirUpload.body.job;
    const client = await signedIn();
    expect((await client.get(`/admin/organizations/${theirOrganization.organization_id}`)).status).toBe(404);
    expect((await client.get(`/admin/members/${theirMember.member_id}`)).status).toBe(404);
    expect((await client.get(`/admin/organizations/${theirOrganization.organization_slug}`)).status).toBe(404);
    expect((await client.get(`/admin/members?organization_id=${theirOrganization.organization_id}`)).status).toBe(404);
    const listed = await client.get(`/admin/organizations?q=${encodeURIComponent(theirOrganization.organization_name)}`);
    expect(listed.html).not.toContain(theirOrganization.organization_id);
    expect((await client.get(`/admin/members?q=theirs.com`)).html).not.toContain(theirMember.member_id);
    // Actions on their ids are refused and change nothing.
    expect((await client.post(`/admin/members/${theirMember.member_id}/delete`)).status).toBe(404);
    const still = await other.client.organizations.members.get({
      organization_id: theirOrganization.organization_id,
      member_id: theirMember.member_id,
    });
    expect(still.member.status).toBe('active');
    // Their console sees them; ours, signed into our project, got 404s above for ids that exist.
    const theirs = await signedIn(other);
    expect((await theirs.get(`/admin/members/${theirMember.member_id}`)).status).toBe(200);
    for (const path of ['', '/live', '/errors.csv']) expect((await client.get(`/admin/jobs/${theirJob.job_id}${path}`)).status).toBe(404);
    expect((await client.get('/admin/jobs')).html).not.toContain(theirJob.job_id);
    expect((await client.post(`/admin/jobs/${theirJob.job_id}/cancel`)).status).toBe(404);
    expect((await theirs.get(`/admin/jobs/${theirJob.job_id}`)).status).toBe(200);
  });

  it('revokes one session, then all, and deletes and reactivates a member', async () => {
    const organization = await createOrganization(ctx.client);
    const first = await signInNewMember(ctx, organization.organization_id);
    const client = await signedIn();
    const member = await ctx.client.sessions.authenticate({ session_token: first.token });
    await allowAnotherEmail(ctx, first.email);
    await ctx.client.magicLinks.email.loginOrSignup({ organization_id: organization.organization_id, email_address: first.email });
    const message = await ctx.smtp.nthMessageTo(first.email, 2);
    const second = await ctx.client.magicLinks.authenticate({ magic_links_token: message.token, session_duration_minutes: 60 });
    const base = `/admin/members/${first.memberId}`;

    const page = await client.get(base);
    expect(page.html).toContain(member.member_session.member_session_id);
    expect(page.html).toContain(second.member_session!.member_session_id);

    const revoked = await client.post(`${base}/sessions/${member.member_session.member_session_id}/revoke`);
    expect(revoked.status).toBe(303);
    await expect(ctx.client.sessions.authenticate({ session_token: first.token })).rejects.toMatchObject({ status_code: 404 });
    await ctx.client.sessions.authenticate({ session_token: second.session_token });

    // A session id of another member is not this member's to revoke.
    const stranger = await signInNewMember(ctx, organization.organization_id);
    const strangerSession = await ctx.client.sessions.authenticate({ session_token: stranger.token });
    expect((await client.post(`${base}/sessions/${strangerSession.member_session.member_session_id}/revoke`)).status).toBe(404);
    await ctx.client.sessions.authenticate({ session_token: stranger.token });

    expect((await client.post(`${base}/sessions/revoke-all`)).status).toBe(303);
    await expect(ctx.client.sessions.authenticate({ session_token: second.session_token })).rejects.toMatchObject({ status_code: 404 });

    expect((await client.post(`${base}/delete`)).status).toBe(303);
    expect((await client.get(base)).html).toContain('deleted');
    expect((await client.post(`${base}/reactivate`)).status).toBe(303);
    const reactivated = await ctx.client.organizations.members.get({
      organization_id: organization.organization_id,
      member_id: first.memberId,
    });
    expect(reactivated.member.status).toBe('active');
  });

  it('deletes a member once when the button is pressed in several tabs at the same time', async () => {
    const organization = await createOrganization(ctx.client);
    const member = await createMember(ctx.client, organization.organization_id);
    const client = await signedIn();
    const answers = await Promise.all(Array.from({ length: 6 }, () => client.post(`/admin/members/${member.member_id}/delete`)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 303).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 303 || s === 404)).toBe(true);
    const rows = await knex()('members').where({ id: parseId('member', 'test', member.member_id) });
    expect(rows.map((r) => r.status)).toEqual(['deleted']);
  });

  it('cancels a running job once however many tabs press Cancel, and shows it live without the page', async () => {
    const id = randomUUID();
    await knex()('jobs').insert({
      id,
      project_id: parseProjectId(ctx.app.project.projectId)!.uuid,
      type: 'members.scan-duplicates',
      status: 'running',
      params: { organization_id: randomUUID(), rules: [] },
      progress: { processed_rows: 40, total_rows: 100 },
      started_at: knex().raw("now() - interval '4 seconds'"),
    });
    const jobId = `job-test-${id}`;
    const client = await signedIn();
    const page = await client.get(`/admin/jobs/${jobId}`);
    expect(page.html).toContain('hx-trigger="every 1s"');
    const live = await client.get(`/admin/jobs/${jobId}/live`);
    expect(live.html).toMatch(/^<section id="job-live"/);
    expect(live.html).not.toContain('<html');
    expect(live.html).toContain('data-testid="processed">40<');

    const answers = await Promise.all(Array.from({ length: 5 }, () => client.post(`/admin/jobs/${jobId}/cancel`)));
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(303));
    const [row] = await knex()('jobs').where({ id });
    expect(row.cancel_requested_at).not.toBeNull();
    expect((await client.get(`/admin/jobs/${jobId}`)).html).not.toContain('Cancel job');

    // A finished job's fragment stops the polling.
    await knex()('jobs').where({ id }).update({ status: 'completed', finished_at: knex().fn.now() });
    expect((await client.get(`/admin/jobs/${jobId}/live`)).html).not.toContain('hx-trigger');
    expect((await client.post(`/admin/jobs/${jobId}/cancel`)).status).toBe(409);
  });

  it('saves settings from several tabs at once: each save whole, the last one standing', async () => {
    const organization = await createOrganization(ctx.client);
    const client = await signedIn();
    const names = Array.from({ length: 5 }, (_, i) => `Parallel ${i}`);
    const answers = await Promise.all(
      names.map((organization_name, i) =>
        client.post(`/admin/organizations/${organization.organization_id}`, {
          organization_name,
          organization_slug: organization.organization_slug,
          email_allowed_domains: `d${i}.example.com`,
          email_jit_provisioning: 'RESTRICTED',
          email_invites: 'ALL_ALLOWED',
          mfa_policy: 'OPTIONAL',
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(303));
    const row = await organizationRow(organization.organization_id);
    // Never a mix of two saves: the name and the domain come from the same one.
    const i = names.indexOf(row.name);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(row.email_allowed_domains).toEqual([`d${i}.example.com`]);
  });

  it('keeps concurrent sign-ins apart, and signing out ends only that session', async () => {
    const clients = await Promise.all(Array.from({ length: 5 }, () => signedIn()));
    expect(new Set(clients.map((c) => c.cookie)).size).toBe(5);
    expect(new Set(clients.map((c) => c.csrfToken)).size).toBe(5);
    const [leaving, staying] = clients;
    const stale = leaving.cookie;
    const out = await leaving.post('/admin/sign-out');
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^roster_console=;.*Max-Age=0/i);
    const replayed = new ConsoleClient(ctx.app.baseUrl);
    replayed.cookie = stale;
    expect((await replayed.get('/admin')).status).toBe(303);
    expect((await staying.get('/admin')).status).toBe(200);
  });

  it('ends a session idle for 12 hours or signed in 7 days ago', async () => {
    const idle = await signedIn();
    const old = await signedIn();
    const hashOf = (client: ConsoleClient) => createHash('sha256').update(client.cookie!.split('=')[1]).digest();
    await knex()('console_sessions')
      .where({ token_hash: hashOf(idle) })
      .update({ last_seen_at: knex().raw("now() - interval '12 hours 1 minute'") });
    await knex()('console_sessions')
      .where({ token_hash: hashOf(old) })
      .update({ expires_at: knex().raw("now() - interval '1 second'") });
    expect((await idle.get('/admin')).status).toBe(303);
    expect((await old.get('/admin')).status).toBe(303);
  });

  it("records the console's changes as DASHBOARD events by a console user, and shows them in the audit log", async () => {
    const organization = await createOrganization(ctx.client);
    const member = await createMember(ctx.client, organization.organization_id);
    const client = await signedIn();
    expect((await client.post(`/admin/members/${member.member_id}/delete`)).status).toBe(303);
    const listed = await ctx.app.http('GET', `/v1/b2b/events?object_id=${member.member_id}&source=DASHBOARD`);
    expect(listed.status).toBe(200);
    expect(listed.body.events).toHaveLength(1);
    const [event] = listed.body.events;
    expect(event).toMatchObject({ name: 'dashboard.member.delete', actor: { type: 'console_user' } });
    expect(event.actor.id).toMatch(/^console-session-test-[0-9a-f-]{36}$/);

    const page = await client.get(`/admin/events?object_id=${member.member_id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('dashboard.member.delete');
    const detail = await client.get(`/admin/events/${event.event_id}`);
    expect(detail.html).toContain(event.actor.id);
    // The API's rules for the filters, shown inline.
    const bad = await client.get('/admin/events?source=NOWHERE');
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('role="alert"');
    expect((await client.get(`/admin/events/event-test-00000000-0000-7000-8000-000000000000`)).status).toBe(404);
  });

  it('shows a webhook endpoint, its deliveries and attempts, and replays a delivery only with the CSRF token', async () => {
    const received: IncomingHttpHeaders[] = [];
    const receiver = createServer((req, res) => {
      received.push(req.headers);
      req.resume().on('end', () => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const created = await ctx.app.http('POST', '/v1/b2b/webhooks/endpoints', {
        body: { url, event_types: ['direct.organization.create'] },
      });
      expect(created.status).toBe(200);
      const endpointId: string = created.body.endpoint.endpoint_id;
      await createOrganization(ctx.client);
      const delivery = await eventually(
        async () => {
          const { body } = await ctx.app.http('GET', `/v1/b2b/webhooks/endpoints/${endpointId}/deliveries`);
          if (body.deliveries?.[0]?.status !== 'succeeded') throw new Error(`not delivered yet: ${JSON.stringify(body)}`);
          return body.deliveries[0];
        },
        { what: 'the delivery', timeoutMs: 20_000 },
      );

      const client = await signedIn();
      const list = await client.get('/admin/webhooks');
      expect(list.html).toContain(url);
      const endpointPage = await client.get(`/admin/webhooks/${endpointId}`);
      expect(endpointPage.html).toContain(delivery.delivery_id);
      expect((await client.get(`/admin/webhooks/${endpointId}?status=sideways`)).status).toBe(400);
      const deliveryPage = await client.get(`/admin/webhooks/deliveries/${delivery.delivery_id}`);
      expect(deliveryPage.html).toContain('direct.organization.create');
      expect(deliveryPage.html).toMatch(/<td>200<\/td>/);

      const replay = `/admin/webhooks/deliveries/${delivery.delivery_id}/replay`;
      expect((await client.post(replay, { csrf_token: null })).status).toBe(403);
      const unchanged = await ctx.app.http('GET', `/v1/b2b/webhooks/deliveries/${delivery.delivery_id}`);
      expect(unchanged.body.delivery).toMatchObject({ status: 'succeeded', attempt_count: 1 });

      const replayed = await client.post(replay);
      expect(replayed.status).toBe(303);
      expect(replayed.location).toBe(`/admin/webhooks/deliveries/${delivery.delivery_id}?replayed=1`);
      await eventually(
        async () => {
          const { body } = await ctx.app.http('GET', `/v1/b2b/webhooks/deliveries/${delivery.delivery_id}`);
          if (body.delivery.attempt_count !== 2 || body.delivery.status !== 'succeeded') throw new Error(JSON.stringify(body));
          return body.delivery;
        },
        { what: 'the replay', timeoutMs: 20_000 },
      );
      // The same message again: a receiver can tell it already had it.
      expect(received.map((h) => h['webhook-id'])).toEqual([received[0]['webhook-id'], received[0]['webhook-id']]);
      // Another project's delivery is not ours to see or replay.
      const other = await signedIn(await ctx.app.newProject());
      expect((await other.get(`/admin/webhooks/deliveries/${delivery.delivery_id}`)).status).toBe(404);
      expect((await other.post(replay)).status).toBe(404);
      expect((await other.get(`/admin/webhooks/${endpointId}`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  // Last: it locks this address out of signing in for the rest of the file.
  it('locks sign-in after repeated failures, even with the right secret, however many try at once', async () => {
    const other = await ctx.app.newProject();
    const client = new ConsoleClient(ctx.app.baseUrl);
    const failures = await Promise.all(Array.from({ length: 14 }, () => client.signIn(other.projectId, 'wrong')));
    const statuses = failures.map((f) => f.status);
    // At most 10 failures per address or project id: parallel guesses get no more than sequential ones.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
    const locked = await client.signIn(other.projectId, other.secret);
    expect(locked.status).toBe(429);
    expect(locked.html).toContain('Too many failed sign-ins');
    expect(locked.headers.get('set-cookie')).toBeNull();
  });
});
