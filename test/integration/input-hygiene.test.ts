import { connect } from 'node:net';
import { RawResponse, useTestApp } from '../helpers/app';
import { expectErrorEnvelope, expectStytchError } from '../helpers/assertions';
import { createMember, createOrganization } from '../helpers/factories';

function expectRefused(res: RawResponse, status: number, errorType: string, field?: string): void {
  expect(res.status).toBe(status);
  expectErrorEnvelope(res.body, status, errorType);
  if (field !== undefined) expect(res.body.error_details).toEqual({ field });
}

/** Sends bytes as they are (duplicate headers, broken framing) and parses the one response. */
function rawRequest(baseUrl: string, head: string): Promise<{ status: number; headers: string; body: Record<string, any> }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(head));
    let data = '';
    socket.on('data', (chunk) => (data += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const [headers, body] = data.split('\r\n\r\n');
      resolve({ status: Number(headers.split(' ')[1]), headers, body: JSON.parse(body) });
    });
  });
}

describe('the input-hygiene layer', () => {
  const ctx = useTestApp();
  const basic = () => `Basic ${Buffer.from(`${ctx.app.project.projectId}:${ctx.app.project.secret}`).toString('base64')}`;

  describe('bodies', () => {
    it.each([
      ['POST', '/v1/b2b/organizations/search'],
      ['POST', '/v1/b2b/sessions/authenticate'],
      ['POST', '/v1/b2b/sessions/revoke'],
    ])('answers %s %s without a body with 400', async (method, path) => {
      expectRefused(await ctx.app.http(method, path), 400, 'bad_request', 'request body');
    });

    it('answers members.update and organizations.update without a body with 400, changing nothing', async () => {
      const org = await createOrganization(ctx.client, { organization_name: 'Untouched' });
      const member = await createMember(ctx.client, org.organization_id, { name: 'Untouched' });
      expectRefused(await ctx.app.http('PUT', `/v1/b2b/organizations/${org.organization_id}`), 400, 'bad_request');
      expectRefused(
        await ctx.app.http('PUT', `/v1/b2b/organizations/${org.organization_id}/members/${member.member_id}`),
        400,
        'bad_request',
      );
      expectRefused(await ctx.app.http('POST', `/v1/b2b/organizations/${org.organization_id}/members/duplicates/scan`), 400, 'bad_request');
      expect((await ctx.client.organizations.get({ organization_id: org.organization_id })).organization.organization_name).toBe(
        'Untouched',
      );
    });

    it('refuses JSON nested deeper than 32 levels, even far under the metadata size cap', async () => {
      const org = await createOrganization(ctx.client);
      const deep = JSON.parse('{"a":'.repeat(2500) + '1' + '}'.repeat(2500));
      const res = await ctx.app.http('PUT', `/v1/b2b/organizations/${org.organization_id}`, { body: { trusted_metadata: deep } });
      expectRefused(res, 400, 'invalid_json');
      expect(res.body.error_message).toContain('32 levels');
    });

    it('accepts metadata nested to the cap (the body itself is the first level)', async () => {
      const org = await createOrganization(ctx.client);
      const depth31 = JSON.parse('{"a":'.repeat(31) + '1' + '}'.repeat(31));
      const { organization } = await ctx.client.organizations.update({ organization_id: org.organization_id, trusted_metadata: depth31 });
      expect(organization.trusted_metadata).toEqual(depth31);
      const depth32 = { a: depth31 };
      await expectStytchError(
        ctx.client.organizations.update({ organization_id: org.organization_id, trusted_metadata: depth32 }),
        400,
        'invalid_json',
      );
    });

    it('refuses a JSON body in a charset other than UTF-8 with 415', async () => {
      const res = await ctx.app.http('POST', '/v1/b2b/organizations', {
        body: Buffer.from(JSON.stringify({ organization_name: 'Sixteen' }), 'utf16le'),
        headers: { 'content-type': 'application/json; charset=utf-16le' },
      });
      expectRefused(res, 415, 'unsupported_encoding');
    });
  });

  describe('text no column can hold', () => {
    it('refuses a NUL in an email through the SDK, naming the field', async () => {
      const org = await createOrganization(ctx.client);
      const error = await expectStytchError(
        ctx.client.organizations.members.create({ organization_id: org.organization_id, email_address: 'ada\u0000@acme.com' }),
        400,
        'invalid_character',
      );
      expect(error.error_message).toBe('email_address contains a NUL character (U+0000).');
    });

    it('refuses a lone surrogate in metadata through the SDK, naming the path', async () => {
      const org = await createOrganization(ctx.client);
      const error = await expectStytchError(
        ctx.client.organizations.update({ organization_id: org.organization_id, trusted_metadata: { tier: 'gold\ud800' } }),
        400,
        'invalid_character',
      );
      expect(error.error_message).toBe('trusted_metadata.tier contains an unpaired UTF-16 surrogate.');
    });

    it('refuses a NUL in a metadata key and in custom claims', async () => {
      const org = await createOrganization(ctx.client);
      const res = await ctx.app.http('POST', `/v1/b2b/organizations/${org.organization_id}/members`, {
        body: { email_address: 'ada@acme.com', untrusted_metadata: { 'k\u0000': 1 } },
      });
      expectRefused(res, 400, 'invalid_character', 'untrusted_metadata');
      const claims = await ctx.app.http('POST', '/v1/b2b/sessions/authenticate', {
        body: { session_token: 'x', session_custom_claims: { role: '\u0000' } },
      });
      expectRefused(claims, 400, 'invalid_character', 'session_custom_claims.role');
    });

    it('refuses a NUL in a search filter value', async () => {
      const res = await ctx.app.http('POST', '/v1/b2b/organizations/search', {
        body: { query: { operator: 'AND', operands: [{ filter_name: 'organization_slugs', filter_value: ['acme\u0000'] }] } },
      });
      expectRefused(res, 400, 'invalid_character', 'query.operands.0.filter_value.0');
    });

    it('refuses a NUL in a slug in the path, and undecodable percent-encoding', async () => {
      expectRefused(await ctx.app.http('GET', '/v1/b2b/organizations/acme%00corp'), 400, 'invalid_character', 'path');
      expectRefused(await ctx.app.http('GET', '/v1/b2b/organizations/acme%ED%A0%80'), 400, 'invalid_character', 'path');
    });

    it('refuses a NUL in a query parameter, naming it', async () => {
      const org = await createOrganization(ctx.client);
      const res = await ctx.app.http('GET', `/v1/b2b/organizations/${org.organization_id}/member?email_address=ada%00@acme.com`);
      expectRefused(res, 400, 'invalid_character', 'email_address');
    });

    it('keeps emoji and other well-formed text', async () => {
      const org = await createOrganization(ctx.client, { organization_name: 'Acme 😀', trusted_metadata: { note: '株式会社 ✓' } });
      expect(org.organization_name).toBe('Acme 😀');
      expect(org.trusted_metadata).toEqual({ note: '株式会社 ✓' });
    });
  });

  describe('errors Node raises before Express', () => {
    it('answers headers over 16 KB with 431 in the envelope', async () => {
      const response = await fetch(`${ctx.app.baseUrl}/v1/b2b/organizations/x`, { headers: { 'x-padding': 'a'.repeat(20_000) } });
      expect(response.status).toBe(431);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      const body = (await response.json()) as Record<string, any>;
      expectErrorEnvelope(body, 431, 'request_header_fields_too_large');
      expect(response.headers.get('x-request-id')).toBe(body.request_id);
    });

    it('answers a duplicate Content-Length with 400 in the envelope', async () => {
      const res = await rawRequest(
        ctx.app.baseUrl,
        'POST /v1/b2b/organizations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      );
      expect(res.status).toBe(400);
      expectErrorEnvelope(res.body, 400, 'bad_request');
    });

    it('refuses a doubled Authorization header with 400 duplicate_header', async () => {
      const res = await rawRequest(
        ctx.app.baseUrl,
        `GET /v1/b2b/organizations/x HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic()}\r\nAuthorization: Basic b3RoZXI6c2VjcmV0\r\nConnection: close\r\n\r\n`,
      );
      expect(res.status).toBe(400);
      expectErrorEnvelope(res.body, 400, 'duplicate_header');
      expect(res.body.error_details).toEqual({ field: 'authorization' });
    });
  });
});
