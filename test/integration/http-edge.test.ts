import { randomUUID } from 'node:crypto';
import { RawResponse, startTestApp, useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';
import { createOrganization, stytchError, unique } from '../helpers/factories';

/** Asserts Stytch's error envelope with this status and error_type. */
function expectEnvelope(res: RawResponse, status: number, errorType: string): void {
  expect(res.status).toBe(status);
  expectErrorEnvelope(res.body, status, errorType);
  // Nothing but the envelope (and error_details where given), served as JSON.
  const { error_details: _details, ...envelope } = res.body;
  expect(Object.keys(envelope).sort()).toEqual(['error_message', 'error_type', 'error_url', 'request_id', 'status_code']);
  // Stytch's types link to Stytch's reference; Roster's own to this server's /docs/errors.md (ROSTER_DOCS_URL).
  expect(res.body.error_url).toMatch(/^(https:\/\/stytch\.com\/|http:\/\/127\.0\.0\.1:\d+\/docs\/errors\.md#)/);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
}

const basic = (value: string) => ({ authorization: `Basic ${Buffer.from(value).toString('base64')}` });

describe('the HTTP edge', () => {
  const ctx = useTestApp();

  /** Asserts that no organization with this slug exists in the app's project. */
  async function expectNoOrganization(slug: string): Promise<void> {
    const error = await stytchError(ctx.client.organizations.get({ organization_id: slug }));
    expect(error.error_type).toBe('organization_not_found');
  }

  describe('request bodies', () => {
    it('answers malformed JSON with 400 invalid_json and creates nothing', async () => {
      const slug = unique('edge');
      const res = await ctx.app.http('POST', '/v1/b2b/organizations', {
        body: `{"organization_name": "Edge", "organization_slug": "${slug}",`,
      });
      expectEnvelope(res, 400, 'invalid_json');
      await expectNoOrganization(slug);
    });

    it('answers a body over the 1 MB JSON limit with 413 and creates nothing', async () => {
      const slug = unique('edge');
      const res = await ctx.app.http('POST', '/v1/b2b/organizations', {
        body: { organization_name: 'Edge', organization_slug: slug, trusted_metadata: { blob: 'x'.repeat(1024 * 1024) } },
      });
      expectEnvelope(res, 413, 'request_too_large');
      await expectNoOrganization(slug);
    });

    it.each([
      ['an array', '[{"organization_name": "Edge"}]', 'bad_request'],
      ['a string', '"Edge"', 'invalid_json'],
      ['a number', '42', 'invalid_json'],
      ['null', 'null', 'invalid_json'],
    ])('refuses a JSON body that is %s with 400', async (_case, body, errorType) => {
      expectEnvelope(await ctx.app.http('POST', '/v1/b2b/organizations', { body }), 400, errorType);
    });

    it('refuses a body that is not JSON with 415 and creates nothing', async () => {
      const slug = unique('edge');
      const res = await ctx.app.http('POST', '/v1/b2b/organizations', {
        body: JSON.stringify({ organization_name: 'Edge', organization_slug: slug }),
        headers: { 'content-type': 'text/plain' },
      });
      expectEnvelope(res, 415, 'unsupported_content_type');
      await expectNoOrganization(slug);
    });

    it('refuses a form-encoded body with 415', async () => {
      const res = await ctx.app.http('POST', '/v1/b2b/organizations', {
        body: 'organization_name=Edge',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectEnvelope(res, 415, 'unsupported_content_type');
    });
  });

  describe('field types', () => {
    it('refuses an organization_name that is a number, naming the field, and creates nothing', async () => {
      const slug = unique('edge');
      const res = await ctx.app.http('POST', '/v1/b2b/organizations', { body: { organization_name: 5, organization_slug: slug } });
      expectEnvelope(res, 400, 'invalid_organization_name');
      expect(res.body.error_message).toContain('organization_name');
      await expectNoOrganization(slug);
    });

    it('refuses member roles that are a string, naming the field, and creates no member', async () => {
      const organization = await createOrganization(ctx.client);
      const email = `${unique('user')}@acme.com`;
      const res = await ctx.app.http('POST', `/v1/b2b/organizations/${organization.organization_id}/members`, {
        body: { email_address: email, roles: 'x' },
      });
      expectEnvelope(res, 400, 'invalid_rbac_role_id');
      expect(res.body.error_message).toContain('roles');
      const error = await stytchError(
        ctx.client.organizations.members.get({ organization_id: organization.organization_id, email_address: email }),
      );
      expect(error.error_type).toBe('member_not_found');
    });

    it('refuses a search limit that is a string, naming the field', async () => {
      const res = await ctx.app.http('POST', '/v1/b2b/organizations/search', { body: { limit: 'ten' } });
      expectEnvelope(res, 400, 'invalid_limit');
      expect(res.body.error_message).toContain('limit');
    });
  });

  describe('authentication', () => {
    it('answers a request without Authorization with 401 unauthorized_credentials', async () => {
      expectEnvelope(await ctx.app.http('GET', '/v1/b2b/organizations/anything', { auth: null }), 401, 'unauthorized_credentials');
    });

    it('answers a wrong secret with 401', async () => {
      const res = await ctx.app.http('GET', '/v1/b2b/organizations/anything', {
        auth: { projectId: ctx.app.project.projectId, secret: `${ctx.app.project.secret}x` },
      });
      expectEnvelope(res, 401, 'unauthorized_credentials');
    });

    it('answers an unknown project id with 401', async () => {
      const res = await ctx.app.http('GET', '/v1/b2b/organizations/anything', {
        auth: { projectId: `project-test-${randomUUID()}`, secret: ctx.app.project.secret },
      });
      expectEnvelope(res, 401, 'unauthorized_credentials');
    });

    it("answers the project's id under the other env with 401", async () => {
      const res = await ctx.app.http('GET', '/v1/b2b/organizations/anything', {
        auth: { projectId: ctx.app.project.projectId.replace('-test-', '-live-'), secret: ctx.app.project.secret },
      });
      expectEnvelope(res, 401, 'unauthorized_credentials');
    });

    it.each([
      ['a Bearer token', { authorization: `Bearer ${'a'.repeat(40)}` }],
      ['Basic without credentials', { authorization: 'Basic' }],
      ['Basic with characters outside base64', { authorization: 'Basic !!!not-base64!!!' }],
      ['Basic credentials without a colon', basic('project-test-nocolon')],
      ['Basic credentials with an empty secret', basic(`${'project-test-'}${randomUUID()}:`)],
    ])('answers a malformed Authorization header (%s) with 401', async (_case, headers) => {
      const res = await ctx.app.http('GET', '/v1/b2b/organizations/anything', { auth: null, headers });
      expectEnvelope(res, 401, 'unauthorized_credentials');
    });

    it('authenticates before reading the body, so bad credentials with a bad body still get 401', async () => {
      const res = await ctx.app.http('POST', '/v1/b2b/organizations', { auth: null, body: '{not json' });
      expectEnvelope(res, 401, 'unauthorized_credentials');
    });
  });

  describe('routing and the envelope', () => {
    it.each([
      ['GET', '/nope'],
      ['GET', '/v1/b2b/nothing-here'],
      ['PATCH', '/v1/b2b/organizations/some-org'],
    ])('answers %s %s with 404 route_not_found', async (method, path) => {
      expectEnvelope(await ctx.app.http(method, path), 404, 'route_not_found');
    });

    it('gives successful responses request_id and status_code, matching the X-Request-Id header', async () => {
      const organization = await createOrganization(ctx.client);
      const res = await ctx.app.http('GET', `/v1/b2b/organizations/${organization.organization_id}`);
      expect(res.status).toBe(200);
      expect(res.body.status_code).toBe(200);
      expect(res.body.request_id).toMatch(/^request-id-(test-|live-)?[0-9a-f]{8}-[0-9a-f-]{27}$/);
      expect(res.headers.get('x-request-id')).toBe(res.body.request_id);
      expect(res.body.organization.organization_id).toBe(organization.organization_id);
    });

    it('gives error responses the X-Request-Id header of their envelope', async () => {
      const res = await ctx.app.http('GET', '/v1/b2b/organizations/does-not-exist');
      expectEnvelope(res, 404, 'organization_not_found');
      expect(res.headers.get('x-request-id')).toBe(res.body.request_id);
    });

    it('gives every request its own request_id', async () => {
      const [first, second] = await Promise.all([ctx.app.http('GET', '/nope'), ctx.app.http('GET', '/nope')]);
      expect(first.body.request_id).not.toBe(second.body.request_id);
    });

    it("points error_url at Stytch's documentation of the error", async () => {
      const res = await ctx.app.http('GET', '/v1/b2b/organizations/anything', { auth: null });
      expect(res.body.error_url).toContain('stytch.com/docs');
      expect(res.body.error_url).toContain('unauthorized_credentials');
    });
  });

  describe('GET /healthz', () => {
    it('answers 200 with Postgres and Redis up, without credentials', async () => {
      const res = await ctx.app.http('GET', '/healthz', { auth: null });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status_code: 200, checks: { postgres: 'up', redis: 'up' } });
      expect(res.body.request_id).toMatch(/^request-id-/);
    });

    it('answers 503 naming redis as down when Redis cannot be reached', async () => {
      const broken = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
      try {
        const res = await broken.http('GET', '/healthz', { auth: null });
        expect(res.status).toBe(503);
        expect(res.body).toMatchObject({ status_code: 503, checks: { postgres: 'up', redis: 'down' }, down: ['redis'] });
        expect(res.body.request_id).toMatch(/^request-id-/);
      } finally {
        await broken.close();
      }
    });
  });
});
