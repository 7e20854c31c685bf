import { createHash, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { formatId, uuidv7 } from '../../src/ids';
import { TEST_REDIRECT_URLS, useTestApp } from '../helpers/app';
import { loginByLink } from '../helpers/login';
import { Secret, TOTP } from 'otpauth';
import { encodeResponse, generateSigningKeys, SamlIdp, type AssertionInput } from '../helpers/saml-idp';

// Workers and SMTP: a member of an SSO organization may also sign in by magic link.
const ctx = useTestApp({}, { workers: true, smtp: true });
const knex = () => ctx.app.container.knex;

let idp: SamlIdp;
let publicToken: string;

const projectUuid = () => ctx.app.project.projectId.replace(/^project-test-/, '');
const IDP_SSO_URL = 'https://idp.example.com/saml/sso';

beforeAll(async () => {
  idp = await SamlIdp.start();
  const tokenId = uuidv7();
  await knex()('project_public_tokens').insert({ id: tokenId, project_id: projectUuid() });
  publicToken = formatId('public-token', 'test', tokenId);
});

async function newOrganization(settings: { mfa_policy?: string } = {}) {
  const { organization } = await ctx.client.organizations.create({
    organization_name: `SAML ${randomBytes(4).toString('hex')}`,
    sso_jit_provisioning: 'ALL_ALLOWED',
    ...settings,
  });
  return organization;
}

interface ConnectionOptions {
  idpInitiatedAuthDisabled?: boolean;
  groupRoles?: { group: string; role_id: string }[];
}

/** A SAML connection of the organization trusting the test IdP's certificate (rows written as S1's endpoints would). */
async function newConnection(organizationId: string, options: ConnectionOptions = {}) {
  const id = uuidv7();
  await knex()('sso_connections').insert({
    id,
    project_id: projectUuid(),
    organization_id: organizationId.replace(/^organization-test-/, ''),
    kind: 'saml',
    status: 'active',
    display_name: 'Test SAML IdP',
    attribute_mapping: { email: 'email', groups: 'groups' },
    saml: {
      idp_entity_id: idp.entityId,
      idp_sso_url: IDP_SSO_URL,
      idp_metadata_url: '',
      nameid_format: '',
      alternative_audience_uri: '',
      alternative_acs_url: '',
      idp_initiated_auth_disabled: options.idpInitiatedAuthDisabled ?? true,
    },
    group_role_assignments: JSON.stringify(options.groupRoles ?? []),
  });
  await knex()('sso_certificates').insert({
    id: uuidv7(),
    connection_id: id,
    purpose: 'verification',
    certificate: idp.keys.certificatePem,
  });
  const publicId = formatId('saml-connection', 'test', id);
  return { id, publicId, acsUrl: `${ctx.app.baseUrl}/v1/b2b/sso/callback/${publicId}` };
}

type Connection = Awaited<ReturnType<typeof newConnection>>;

/** The start URL, as the browser follows it: the AuthnRequest (inflated) and the RelayState the IdP is sent. */
async function startSignIn(connection: Connection, extra: Record<string, string> = {}) {
  const response = await fetch(
    `${ctx.app.baseUrl}/v1/public/sso/start?${new URLSearchParams({
      public_token: publicToken,
      connection_id: connection.publicId,
      login_redirect_url: TEST_REDIRECT_URLS[0],
      signup_redirect_url: TEST_REDIRECT_URLS[1],
      ...extra,
    })}`,
    { redirect: 'manual' },
  );
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location')!);
  const request = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
  return {
    location,
    request,
    requestId: /\sID="([^"]+)"/.exec(request)![1],
    relayState: location.searchParams.get('RelayState')!,
  };
}

/** The IdP's POST binding form, as the browser posts it to the ACS URL. */
async function postResponse(connection: Connection, xml: string, relayState?: string) {
  const form = new URLSearchParams({ SAMLResponse: encodeResponse(xml), ...(relayState === undefined ? {} : { RelayState: relayState }) });
  const response = await fetch(connection.acsUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
  const location = response.headers.get('location');
  const body = (location ? {} : await response.json()) as Record<string, any>;
  return { status: response.status, location: location ? new URL(location) : undefined, body };
}

/** What the IdP asserts for `email` answering the request just started. */
const assertionFor = (connection: Connection, email: string, started: { requestId: string }, extra: Partial<AssertionInput> = {}) => ({
  audience: connection.acsUrl,
  recipient: connection.acsUrl,
  nameId: `subject-${email}`,
  inResponseTo: started.requestId,
  attributes: { email },
  ...extra,
});

/** A whole SP-initiated sign-in up to the redirect with the sso token. */
async function signIn(connection: Connection, email: string, extra: Partial<AssertionInput> = {}, query: Record<string, string> = {}) {
  const started = await startSignIn(connection, query);
  const posted = await postResponse(connection, idp.signedResponse(assertionFor(connection, email, started, extra)), started.relayState);
  expect(posted).toMatchObject({ status: 302 });
  expect(posted.location!.searchParams.get('stytch_token_type')).toBe('sso');
  return { url: posted.location!, token: posted.location!.searchParams.get('token')! };
}

const tokenCount = async (connection: Connection) =>
  Number((await knex()('sso_tokens').where({ connection_id: connection.id }).count('* as n'))[0].n);

describe('SAML sign-in (SP-initiated, HTTP-Redirect AuthnRequest, POST binding ACS)', () => {
  it('sends the browser to the IdP with an AuthnRequest whose ID the flow records, and the flow state as RelayState', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const started = await startSignIn(connection);

    expect(`${started.location.origin}${started.location.pathname}`).toBe(IDP_SSO_URL);
    expect(started.request).toContain(`Destination="${IDP_SSO_URL}"`);
    expect(started.request).toContain(`AssertionConsumerServiceURL="${connection.acsUrl}"`);
    expect(started.request).toContain(`>${connection.acsUrl}</saml:Issuer>`);
    const flows = await knex()('sso_flows').where({ connection_id: connection.id });
    expect(flows.map((f) => f.saml_request_id)).toEqual([started.requestId]);
    expect(started.relayState.length).toBeGreaterThanOrEqual(43);
  });

  it('signs the AuthnRequest (RSA-SHA256 over the redirect query) when Roster holds a signing key for the connection', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const roster = await generateSigningKeys('Roster SP');
    await knex()('sso_certificates').insert({
      id: uuidv7(),
      connection_id: connection.id,
      purpose: 'signing',
      certificate: roster.certificatePem,
      private_key: roster.privateKeyPem,
    });
    const { location } = await startSignIn(connection);

    expect(location.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    const [signedPart, signature] = location.search.slice(1).split('&Signature=');
    const verifier = createVerify('RSA-SHA256').update(signedPart);
    expect(verifier.verify(roster.certificatePem, decodeURIComponent(signature), 'base64')).toBe(true);
  });

  it('signs a new person in just in time, and the same member again on the second sign-in', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);

    const first = await signIn(connection, 'ada@saml.example');
    expect(first.url.toString().startsWith(TEST_REDIRECT_URLS[1])).toBe(true); // someone new lands on the signup URL
    const session = await ctx.client.sso.authenticate({ sso_token: first.token });
    expect(session.member.email_address).toBe('ada@saml.example');
    expect(session.organization_id).toBe(organization.organization_id);
    expect(session.member_session?.authentication_factors).toEqual([expect.objectContaining({ type: 'sso', delivery_method: 'sso_saml' })]);

    const second = await signIn(connection, 'ada@saml.example');
    expect(second.url.toString().startsWith(TEST_REDIRECT_URLS[0])).toBe(true);
    const again = await ctx.client.sso.authenticate({ sso_token: second.token });
    expect(again.member_id).toBe(session.member_id);
    const { members } = await ctx.client.organizations.members.search({ organization_ids: [organization.organization_id] });
    expect(members.map((m) => m.email_address)).toEqual(['ada@saml.example']);
  });

  it('refuses an assertion changed after it was signed, and minting nothing', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const started = await startSignIn(connection);
    const signed = idp.signedResponse(assertionFor(connection, 'bob@saml.example', started));
    const tampered = signed.replace('>bob@saml.example<', '>mallory@saml.example<');
    expect(tampered).not.toBe(signed);

    const posted = await postResponse(connection, tampered, started.relayState);
    expect(posted.status).toBe(400);
    expect(posted.body.error_type).toBe('invalid_saml_response');
    expect(await tokenCount(connection)).toBe(0);
  });

  it('refuses an unsigned response, and one signed by another key', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const started = await startSignIn(connection);

    const unsigned = await postResponse(
      connection,
      idp.unsignedResponse(assertionFor(connection, 'u@saml.example', started)),
      started.relayState,
    );
    expect(unsigned.status).toBe(400);
    expect(unsigned.body.error_type).toBe('invalid_saml_response');

    const impostor = await SamlIdp.start(idp.entityId);
    const forged = await postResponse(
      connection,
      impostor.signedResponse(assertionFor(connection, 'u@saml.example', started)),
      started.relayState,
    );
    expect(forged.status).toBe(400);
    expect(forged.body.error_type).toBe('invalid_saml_response');
    expect(await tokenCount(connection)).toBe(0);
  });

  it('refuses an expired assertion and one not valid yet (beyond the clock skew)', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const now = Date.now();
    const started = await startSignIn(connection);

    const expired = assertionFor(connection, 'old@saml.example', started, {
      notBefore: new Date(now - 20 * 60_000),
      notOnOrAfter: new Date(now - 10 * 60_000),
    });
    const late = await postResponse(connection, idp.signedResponse(expired), started.relayState);
    expect(late.status).toBe(400);
    expect(late.body.error_type).toBe('invalid_saml_response');
    expect(late.body.error_message).toMatch(/expired/i);

    const early = assertionFor(connection, 'early@saml.example', started, {
      notBefore: new Date(now + 10 * 60_000),
      notOnOrAfter: new Date(now + 20 * 60_000),
    });
    const tooEarly = await postResponse(connection, idp.signedResponse(early), started.relayState);
    expect(tooEarly.status).toBe(400);
    expect(tooEarly.body.error_message).toMatch(/not yet valid/i);
    expect(await tokenCount(connection)).toBe(0);

    // The flow was left unspent by the refusals: a valid answer to it still signs in.
    const valid = await postResponse(
      connection,
      idp.signedResponse(assertionFor(connection, 'ok@saml.example', started)),
      started.relayState,
    );
    expect(valid.status).toBe(302);
  });

  it('refuses an assertion for another audience, another recipient or from another issuer', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const started = await startSignIn(connection);
    const cases: Partial<AssertionInput>[] = [
      { audience: 'https://other-sp.example.com/metadata' },
      { recipient: 'https://other-sp.example.com/acs' },
      { issuer: 'https://evil-idp.example.com' },
    ];
    for (const wrong of cases) {
      const posted = await postResponse(
        connection,
        idp.signedResponse(assertionFor(connection, 'c@saml.example', started, wrong)),
        started.relayState,
      );
      expect({ wrong, status: posted.status, type: posted.body.error_type }).toEqual({ wrong, status: 400, type: 'invalid_saml_response' });
    }
    // The Response's own Destination is unsigned, yet it too must name this ACS.
    const elsewhere = idp
      .signedResponse(assertionFor(connection, 'c@saml.example', started))
      .replace(`Destination="${connection.acsUrl}"`, 'Destination="https://other-sp.example.com/acs"');
    const misdirected = await postResponse(connection, elsewhere, started.relayState);
    expect(misdirected.body.error_message).toMatch(/Destination/);
    expect(await tokenCount(connection)).toBe(0);
  });

  it('refuses an answer to another sign-in’s request, or without its RelayState', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const mine = await startSignIn(connection);
    const theirs = await startSignIn(connection);

    const crossed = await postResponse(connection, idp.signedResponse(assertionFor(connection, 'x@saml.example', theirs)), mine.relayState);
    expect(crossed.status).toBe(400);
    expect(crossed.body.error_type).toBe('sso_flow_not_found');
    const bare = await postResponse(connection, idp.signedResponse(assertionFor(connection, 'x@saml.example', mine)));
    expect(bare.body.error_type).toBe('sso_flow_not_found');
    expect(await tokenCount(connection)).toBe(0);
  });

  it('refuses a replayed assertion, also when the same response is posted many times at once', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const started = await startSignIn(connection);
    const xml = idp.signedResponse(assertionFor(connection, 'rita@saml.example', started));

    const results = await Promise.all(Array.from({ length: 6 }, () => postResponse(connection, xml, started.relayState)));
    expect(results.filter((r) => r.status === 302)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 302).map((r) => r.body.error_type)).toEqual(Array(5).fill('saml_assertion_replayed'));

    const later = await postResponse(connection, xml, started.relayState);
    expect(later.body.error_type).toBe('saml_assertion_replayed');
    expect(await tokenCount(connection)).toBe(1);
  });

  it('refuses a signature-wrapping attempt: an unsigned assertion injected beside the signed one', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const started = await startSignIn(connection);
    const signed = idp.signedResponse(assertionFor(connection, 'victim@saml.example', started));
    const evil = idp.bareAssertion(assertionFor(connection, 'attacker@saml.example', started, { nameId: 'subject-attacker' }));

    const before = signed.replace('<saml:Assertion ', `${evil}<saml:Assertion `);
    const after = signed.replace('</samlp:Response>', `${evil}</samlp:Response>`);
    // The signed assertion hidden inside the evil one, which is what a naive reader would consume.
    const nested = signed.replace(/<saml:Assertion [\s\S]*<\/saml:Assertion>/, (original) =>
      evil.replace('</saml:Assertion>', `<saml:Advice>${original}</saml:Advice></saml:Assertion>`),
    );
    for (const wrapped of [before, after, nested]) {
      const posted = await postResponse(connection, wrapped, started.relayState);
      expect(posted.status).toBe(400);
      expect(posted.body.error_type).toBe('invalid_saml_response');
      expect(posted.body.error_message).toMatch(/signature/i);
    }
    expect(await tokenCount(connection)).toBe(0);
  });

  it('carries the caller’s PKCE challenge from the start URL to sso.authenticate', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const started = await startSignIn(connection, { pkce_code_challenge: challenge });
    const posted = await postResponse(
      connection,
      idp.signedResponse(assertionFor(connection, 'p@saml.example', started)),
      started.relayState,
    );
    const token = posted.location!.searchParams.get('token')!;

    await expect(ctx.client.sso.authenticate({ sso_token: token })).rejects.toMatchObject({ error_type: 'pkce_expected_code_verifier' });
    const { token: again } = await signIn(connection, 'p@saml.example', {}, { pkce_code_challenge: challenge });
    const session = await ctx.client.sso.authenticate({ sso_token: again, pkce_code_verifier: verifier });
    expect(session.member.email_address).toBe('p@saml.example');
  });

  it('hands the groups the assertion names (attribute_mapping.groups) to the sso token, for group → role mapping', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id, {
      groupRoles: [{ group: 'engineering', role_id: 'stytch_admin' }],
    });

    await signIn(connection, 'eng@saml.example', { attributes: { email: 'eng@saml.example', groups: ['staff', 'engineering'] } });
    await signIn(connection, 'solo@saml.example', { attributes: { email: 'solo@saml.example', groups: 'operations' } });
    await signIn(connection, 'none@saml.example');
    const minted = await knex()('sso_tokens').where({ connection_id: connection.id }).orderBy('id');
    expect(minted.map((t) => [t.email, t.groups])).toEqual([
      ['eng@saml.example', ['staff', 'engineering']],
      ['solo@saml.example', ['operations']],
      ['none@saml.example', []],
    ]);
  });

  it('grants a group’s role to the sessions signed in through the connection only, not to a magic-link session', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id, {
      groupRoles: [{ group: 'engineering', role_id: 'stytch_admin' }],
    });
    const deleteOrganization = { organization_id: organization.organization_id, resource_id: 'stytch.organization', action: 'delete' };
    const claimedRoles = (jwt: string) =>
      JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString())['https://stytch.com/session'].roles;

    const { token } = await signIn(connection, 'lead@saml.example', {
      attributes: { email: 'lead@saml.example', groups: ['engineering'] },
    });
    const signedIn = await ctx.client.sso.authenticate({ sso_token: token });
    expect(signedIn.member_session!.roles).toEqual(['stytch_member', 'stytch_admin']);
    expect(claimedRoles(signedIn.session_jwt)).toEqual(['stytch_member', 'stytch_admin']);
    // The role is the session's, not the member's.
    expect(signedIn.member.roles.map((r) => r.role_id)).toEqual(['stytch_member']);
    const checked = await ctx.client.sessions.authenticate({
      session_token: signedIn.session_token,
      authorization_check: deleteOrganization,
    });
    expect(checked.member_session.roles).toEqual(['stytch_member', 'stytch_admin']);
    expect(claimedRoles(checked.session_jwt)).toEqual(['stytch_member', 'stytch_admin']);
    expect(checked.verdict).toEqual({ authorized: true, granting_roles: ['stytch_admin'] });
    const row = await knex()('member_sessions')
      .where({ id: signedIn.member_session!.member_session_id.replace(/^member-session-test-/, '') })
      .first();
    expect(row).toMatchObject({ sso_connection_id: connection.id });

    // A group the person is not in grants nothing.
    const { token: other } = await signIn(connection, 'staff@saml.example', {
      attributes: { email: 'staff@saml.example', groups: ['staff'] },
    });
    expect((await ctx.client.sso.authenticate({ sso_token: other })).member_session!.roles).toEqual(['stytch_member']);

    // The same member signing in by magic link holds no SSO role.
    const byLink = await loginByLink(ctx, organization.organization_id, 'lead@saml.example');
    expect(byLink.member_id).toBe(signedIn.member_id);
    expect(byLink.member_session!.roles).toEqual(['stytch_member']);
    expect(claimedRoles(byLink.session_jwt)).toEqual(['stytch_member']);
    await expect(
      ctx.client.sessions.authenticate({ session_token: byLink.session_token, authorization_check: deleteOrganization }),
    ).rejects.toMatchObject({ status_code: 403, error_type: 'session_authorization_error' });
    // … while the SSO session keeps its own.
    const again = await ctx.client.sessions.authenticate({ session_jwt: signedIn.session_jwt });
    expect(again.member_session.roles).toEqual(['stytch_member', 'stytch_admin']);
  });

  it('refuses IdP-initiated sign-ins when the connection disables them, and otherwise lands them on the default login URL', async () => {
    const organization = await newOrganization();
    const closed = await newConnection(organization.organization_id);
    const refused = await postResponse(
      closed,
      idp.signedResponse({ ...assertionFor(closed, 'i@saml.example', { requestId: '' }), inResponseTo: undefined }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error_type).toBe('saml_idp_initiated_auth_disabled');

    const open = await newConnection(organization.organization_id, { idpInitiatedAuthDisabled: false });
    const xml = idp.signedResponse({ ...assertionFor(open, 'i@saml.example', { requestId: '' }), inResponseTo: undefined });
    const accepted = await postResponse(open, xml, 'https://app.example.com/deep-link');
    expect(accepted.status).toBe(302);
    expect(`${accepted.location!.origin}${accepted.location!.pathname}`).toBe(TEST_REDIRECT_URLS[0]);
    const session = await ctx.client.sso.authenticate({ sso_token: accepted.location!.searchParams.get('token')! });
    expect(session.member.email_address).toBe('i@saml.example');

    // Without a flow to spend, only the assertion-id store stands between a captured response and a second session.
    const replayed = await postResponse(open, xml);
    expect(replayed.body.error_type).toBe('saml_assertion_replayed');
  });

  it('passes on the IdP’s own refusal (a non-Success status) as saml_idp_error', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const started = await startSignIn(connection);
    const refusal = idp
      .unsignedResponse(assertionFor(connection, 'n@saml.example', started))
      .replace(/<saml:Assertion [\s\S]*<\/saml:Assertion>/, '')
      .replace(
        '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>',
        '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:RequestDenied"/></samlp:StatusCode>',
      );
    const posted = await postResponse(connection, refusal, started.relayState);
    expect(posted.status).toBe(400);
    expect(posted.body.error_type).toBe('saml_idp_error');
    expect(posted.body.error_message).toContain('RequestDenied');
  });

  it('refuses to start a sign-in on a connection without an IdP certificate, opening no flow', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    await knex()('sso_certificates').where({ connection_id: connection.id }).delete();
    const response = await ctx.app.http(
      'GET',
      `/v1/public/sso/start?${new URLSearchParams({ public_token: publicToken, connection_id: connection.publicId })}`,
      { auth: null },
    );
    expect(response.status).toBe(400);
    expect(response.body.error_type).toBe('saml_connection_not_configured');
    expect(await knex()('sso_flows').where({ connection_id: connection.id })).toEqual([]);
  });

  it('answers clear 4xx errors for an unknown connection and a form without SAMLResponse', async () => {
    const unknown = await postResponse(
      { id: '', publicId: '', acsUrl: `${ctx.app.baseUrl}/v1/b2b/sso/callback/${formatId('saml-connection', 'test', uuidv7())}` },
      '<x/>',
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_type).toBe('sso_connection_not_found');

    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const empty = await fetch(connection.acsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'RelayState=abc',
    });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as any).error_type).toBe('invalid_saml_response');
    const garbage = await postResponse(connection, 'not xml at all');
    expect(garbage.status).toBe(400);
    expect(garbage.body.error_type).toBe('invalid_saml_response');
  });
});

describe('SAML sign-in that needs MFA first', () => {
  const claimedRoles = (jwt: string) =>
    JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString())['https://stytch.com/session'].roles;

  it('keeps the connection’s group roles through the intermediate session into the session TOTP completes', async () => {
    const organization = await newOrganization({ mfa_policy: 'REQUIRED_FOR_ALL' });
    const connection = await newConnection(organization.organization_id, {
      groupRoles: [{ group: 'engineering', role_id: 'stytch_admin' }],
    });
    const { token } = await signIn(connection, 'mfa@saml.example', { attributes: { email: 'mfa@saml.example', groups: ['engineering'] } });

    const first = await ctx.client.sso.authenticate({ sso_token: token });
    expect(first.member_authenticated).toBe(false);
    expect(first.mfa_required).toBeDefined();
    const pending = await knex()('intermediate_sessions')
      .where({ member_id: first.member_id.replace(/^member-test-/, '') })
      .first();
    expect(pending).toMatchObject({
      sso_connection_id: connection.id,
      sso_roles: [{ role_id: 'stytch_admin', connection_id: connection.publicId, group: 'engineering' }],
    });

    const totp = await ctx.client.totps.create({
      organization_id: organization.organization_id,
      member_id: first.member_id,
      intermediate_session_token: first.intermediate_session_token,
    });
    const code = TOTP.generate({ secret: Secret.fromBase32(totp.secret) });
    // Concurrent completions of one intermediate session: one session, holding the SSO roles.
    const attempts = await Promise.allSettled(
      [1, 2, 3].map(() =>
        ctx.client.totps.authenticate({
          organization_id: organization.organization_id,
          member_id: first.member_id,
          code,
          intermediate_session_token: first.intermediate_session_token,
        }),
      ),
    );
    const sessions = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    expect(sessions).toHaveLength(1);
    const [done] = sessions;
    expect(done.member_session!.roles).toEqual(['stytch_member', 'stytch_admin']);
    expect(claimedRoles(done.session_jwt)).toEqual(['stytch_member', 'stytch_admin']);
    const checked = await ctx.client.sessions.authenticate({
      session_token: done.session_token,
      authorization_check: { organization_id: organization.organization_id, resource_id: 'stytch.organization', action: 'delete' },
    });
    expect(checked.verdict).toEqual({ authorized: true, granting_roles: ['stytch_admin'] });
    const row = await knex()('member_sessions')
      .where({ id: done.member_session!.member_session_id.replace(/^member-session-test-/, '') })
      .first();
    expect(row).toMatchObject({ sso_connection_id: connection.id });
  });

  it('carries the SSO roles through discovery’s exchange into the connection’s organization only', async () => {
    const organization = await newOrganization({ mfa_policy: 'REQUIRED_FOR_ALL' });
    const connection = await newConnection(organization.organization_id, {
      groupRoles: [{ group: 'engineering', role_id: 'stytch_admin' }],
    });
    const other = await newOrganization();
    const elsewhere = await ctx.client.organizations.members.create({
      organization_id: other.organization_id,
      email_address: 'x@saml.example',
    });
    const ssoIntermediate = async () => {
      const { token } = await signIn(connection, 'x@saml.example', { attributes: { email: 'x@saml.example', groups: ['engineering'] } });
      const pending = await ctx.client.sso.authenticate({ sso_token: token });
      expect(pending.member_authenticated).toBe(false);
      return pending.intermediate_session_token;
    };

    // Into another organization the SSO factor does not travel, nor do its roles.
    const crossed = await ctx.client.discovery.intermediateSessions.exchange({
      intermediate_session_token: await ssoIntermediate(),
      organization_id: other.organization_id,
    });
    expect(crossed.member_authenticated).toBe(false);
    const crossedRow = await knex()('intermediate_sessions')
      .where({ member_id: elsewhere.member.member_id.replace(/^member-test-/, '') })
      .first();
    expect(crossedRow).toMatchObject({ sso_connection_id: null, sso_roles: [] });

    // Into its own organization (whose MFA requirement was lifted meanwhile), the session holds them.
    const token = await ssoIntermediate();
    await ctx.client.organizations.update({ organization_id: organization.organization_id, mfa_policy: 'OPTIONAL' });
    const entered = await ctx.client.discovery.intermediateSessions.exchange({
      intermediate_session_token: token,
      organization_id: organization.organization_id,
    });
    expect(entered.member_session!.roles).toEqual(['stytch_member', 'stytch_admin']);
    expect(claimedRoles(entered.session_jwt)).toEqual(['stytch_member', 'stytch_admin']);
  });

  it('gives no SSO role to the session completing an intermediate session that no SSO sign-in started', async () => {
    const organization = await newOrganization({ mfa_policy: 'REQUIRED_FOR_ALL' });
    await newConnection(organization.organization_id, { groupRoles: [{ group: 'engineering', role_id: 'stytch_admin' }] });
    await ctx.client.organizations.members.create({ organization_id: organization.organization_id, email_address: 'link@saml.example' });
    const byLink = await loginByLink(ctx, organization.organization_id, 'link@saml.example');
    expect(byLink.member_authenticated).toBe(false);
    const totp = await ctx.client.totps.create({
      organization_id: organization.organization_id,
      member_id: byLink.member_id,
      intermediate_session_token: byLink.intermediate_session_token,
    });
    const done = await ctx.client.totps.authenticate({
      organization_id: organization.organization_id,
      member_id: byLink.member_id,
      code: TOTP.generate({ secret: Secret.fromBase32(totp.secret) }),
      intermediate_session_token: byLink.intermediate_session_token,
    });
    expect(done.member_session!.roles).toEqual(['stytch_member']);
  });
});

describe('SAML keys given to Roster: signing_private_key and encrypted assertions', () => {
  /** An RSA key as Stytch takes it: PKCS#1 PEM. */
  const pkcs1Key = () =>
    generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
  /** A PEM's base64 body, to look for in answers that must not carry it. */
  const keyBody = (pem: string) => pem.split('\n').slice(1, -2).join('');
  const addEncryptionKey = (organizationId: string, connection: Connection, key: string) =>
    ctx.client.sso.saml.updateConnection({
      organization_id: organizationId,
      connection_id: connection.publicId,
      saml_encryption_private_key: key,
    });

  /** A whole SP-initiated sign-in whose assertion the IdP encrypts to `certificate`. */
  async function signInEncrypted(connection: Connection, email: string, certificate: string) {
    const started = await startSignIn(connection);
    const xml = await idp.encryptedResponse(assertionFor(connection, email, started), certificate);
    expect(xml).toContain('EncryptedAssertion');
    expect(xml).not.toContain(email);
    return postResponse(connection, xml, started.relayState);
  }

  it('accepts an assertion encrypted to the connection’s encryption key, and never shows the key', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const key = pkcs1Key();
    const updated = await addEncryptionKey(organization.organization_id, connection, key);
    const [shown] = updated.connection!.encryption_private_keys;
    expect(shown.private_key).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const listed = await ctx.client.sso.getConnections({ organization_id: organization.organization_id });
    for (const answer of [updated, listed]) expect(JSON.stringify(answer)).not.toContain(keyBody(key).slice(0, 64));

    const posted = await signInEncrypted(connection, 'secret@saml.example', shown.private_key);
    expect(posted.status).toBe(302);
    const session = await ctx.client.sso.authenticate({ sso_token: posted.location!.searchParams.get('token')! });
    expect(session.member.email_address).toBe('secret@saml.example');
    expect(session.member_authenticated).toBe(true);
  });

  it('decrypts with an older key during a rotation, and refuses an assertion encrypted to a key it does not hold', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    // Without any key, an encrypted assertion cannot be read.
    const outsider = await generateSigningKeys('Someone else');
    const unreadable = await signInEncrypted(connection, 'r@saml.example', outsider.certificatePem);
    expect(unreadable.status).toBe(400);
    expect(unreadable.body.error_type).toBe('invalid_saml_response');

    const older = (await addEncryptionKey(organization.organization_id, connection, pkcs1Key())).connection!.encryption_private_keys;
    const both = (await addEncryptionKey(organization.organization_id, connection, pkcs1Key())).connection!.encryption_private_keys;
    expect(both).toHaveLength(2);
    const posted = await signInEncrypted(connection, 'r@saml.example', older[0].private_key);
    expect(posted.status).toBe(302);

    const refused = await signInEncrypted(connection, 'r@saml.example', outsider.certificatePem);
    expect(refused.status).toBe(400);
    expect(refused.body.error_type).toBe('invalid_saml_response');
    expect(await tokenCount(connection)).toBe(1);
  });

  it('adds every key of concurrent updates, each answer a 200', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const keys = [pkcs1Key(), pkcs1Key(), pkcs1Key()];
    const answers = await Promise.all(keys.map((key) => addEncryptionKey(organization.organization_id, connection, key)));
    for (const answer of answers) expect(answer.status_code).toBe(200);
    const stored = await knex()('sso_certificates').where({ connection_id: connection.id, purpose: 'encryption' }).pluck('private_key');
    expect(stored).toHaveLength(3);
    const { saml_connections } = await ctx.client.sso.getConnections({ organization_id: organization.organization_id });
    expect(saml_connections[0].encryption_private_keys).toHaveLength(3);
  });

  it('signs AuthnRequests with a signing_private_key given, replacing Roster’s own signing certificate', async () => {
    const organization = await newOrganization();
    const created = await ctx.client.sso.saml.createConnection({ organization_id: organization.organization_id, display_name: 'Own key' });
    const connectionId = created.connection!.connection_id;
    const key = pkcs1Key();
    const updated = await ctx.client.sso.saml.updateConnection({
      organization_id: organization.organization_id,
      connection_id: connectionId,
      idp_entity_id: idp.entityId,
      idp_sso_url: IDP_SSO_URL,
      x509_certificate: idp.keys.certificatePem,
      signing_private_key: key,
    });
    const signing = updated.connection!.signing_certificates;
    expect(signing).toHaveLength(1);
    expect(signing[0].certificate_id).not.toBe(created.connection!.signing_certificates[0].certificate_id);
    expect(JSON.stringify(updated)).not.toContain(keyBody(key).slice(0, 64));

    const connection = {
      id: connectionId.replace(/^saml-connection-test-/, ''),
      publicId: connectionId,
      acsUrl: updated.connection!.acs_url,
    };
    const { location } = await startSignIn(connection);
    const [signedPart, signature] = location.search.slice(1).split('&Signature=');
    const verify = (certificate: string) =>
      createVerify('RSA-SHA256').update(signedPart).verify(certificate, decodeURIComponent(signature), 'base64');
    expect(verify(signing[0].certificate)).toBe(true);
    expect(verify(created.connection!.signing_certificates[0].certificate)).toBe(false);
  });

  it('refuses a key that is not an RSA private key, changing nothing', async () => {
    const organization = await newOrganization();
    const connection = await newConnection(organization.organization_id);
    const ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    for (const [field, value] of [
      ['saml_encryption_private_key', 'not a key'],
      ['saml_encryption_private_key', ec.privateKey],
      ['signing_private_key', idp.keys.certificatePem],
    ]) {
      await expect(
        ctx.client.sso.saml.updateConnection({
          organization_id: organization.organization_id,
          connection_id: connection.publicId,
          display_name: 'changed',
          [field]: value,
        }),
      ).rejects.toMatchObject({ status_code: 400, error_type: 'invalid_private_key' });
    }
    const row = await knex()('sso_connections').where({ id: connection.id }).first();
    expect(row.display_name).toBe('Test SAML IdP');
    expect(await knex()('sso_certificates').where({ connection_id: connection.id }).pluck('purpose')).toEqual(['verification']);
  });
});
