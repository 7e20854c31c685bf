import { useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { createOrganization, unique } from '../helpers/factories';
import { loginLinkToken } from '../helpers/login';

/**
 * What an authentication carries besides its factor (issue 10): a session of
 * the same member satisfies the organization's requirements, another
 * member's session counts for nothing, an intermediate session's factors
 * count and it is spent, and a bad prior changes nothing.
 */
describe('the authentication flow through magic_links.authenticate', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });
  const client = () => ctx.app.project.client;
  const knex = () => ctx.app.container.knex;

  const loginToken = (organizationId: string, email: string) => loginLinkToken(ctx, organizationId, email);
  const authenticate = (token: string, extra: Record<string, unknown> = {}) =>
    client().magicLinks.authenticate({ magic_links_token: token, ...extra });
  const person = () => `${unique('person')}@acme.com`;

  async function memberOf(organization: { organization_id: string }, email: string, fields: Record<string, unknown> = {}) {
    const { member } = await client().organizations.members.create({ organization_id: organization.organization_id, email_address: email });
    if (Object.keys(fields).length > 0) {
      await client().organizations.members.update({
        organization_id: organization.organization_id,
        member_id: member.member_id,
        ...fields,
      });
    }
    return member;
  }

  it('lets a valid session of the same member stand in for MFA, adding the magic link to that session', async () => {
    const organization = await createOrganization(client());
    const email = person();
    const member = await memberOf(organization, email);
    const first = await authenticate(await loginToken(organization.organization_id, email));
    expect(first.member_authenticated).toBe(true);
    await client().organizations.members.update({
      organization_id: organization.organization_id,
      member_id: member.member_id,
      mfa_enrolled: true,
    });

    // Without the session, the enrolled member is asked for MFA...
    const asked = await authenticate(await loginToken(organization.organization_id, email));
    expect(asked.member_authenticated).toBe(false);
    expect(asked.mfa_required).toBeDefined();
    expect(asked.intermediate_session_token).not.toBe('');
    // ...with the session, the link joins it (same session, extended), by token or by JWT.
    const byToken = await authenticate(await loginToken(organization.organization_id, email), { session_token: first.session_token });
    expect(byToken.member_authenticated).toBe(true);
    expect(byToken.member_session!.member_session_id).toBe(first.member_session!.member_session_id);
    expect(byToken.session_token).toBe(first.session_token);
    const byJwt = await authenticate(await loginToken(organization.organization_id, email), { session_jwt: first.session_jwt });
    expect(byJwt.member_session!.member_session_id).toBe(first.member_session!.member_session_id);
    expect(byJwt.member_session!.authentication_factors.map((f) => f.type)).toEqual(['magic_link']);
  });

  it("ignores another organization's session: it never satisfies this organization's MFA", async () => {
    const open = await createOrganization(client());
    const strict = await createOrganization(client(), { mfa_policy: 'REQUIRED_FOR_ALL' });
    const email = person();
    await memberOf(open, email);
    await memberOf(strict, email);
    const openSession = await authenticate(await loginToken(open.organization_id, email));
    expect(openSession.member_authenticated).toBe(true);

    const strictAuth = await authenticate(await loginToken(strict.organization_id, email), { session_token: openSession.session_token });
    expect(strictAuth.member_authenticated).toBe(false);
    expect(strictAuth.mfa_required).toBeDefined();
    expect(strictAuth.session_token).toBe('');
    expect(strictAuth.organization_id).toBe(strict.organization_id);
    // The other organization's session is untouched: still one factor, still its organization.
    const still = await client().sessions.authenticate({ session_token: openSession.session_token });
    expect(still.member_session.organization_id).toBe(open.organization_id);
    expect(still.member_session.authentication_factors).toHaveLength(1);
  });

  it('counts an intermediate session’s factors and spends it: a second use is refused', async () => {
    const ssoOnly = await createOrganization(client(), { auth_methods: 'RESTRICTED', allowed_auth_methods: ['sso'] });
    const email = person();
    await memberOf(ssoOnly, email);
    const first = await authenticate(await loginToken(ssoOnly.organization_id, email));
    expect(first.member_authenticated).toBe(false);
    expect(first.primary_required).toEqual({ allowed_auth_methods: ['sso'] });

    const second = await authenticate(await loginToken(ssoOnly.organization_id, email), {
      intermediate_session_token: first.intermediate_session_token,
    });
    expect(second.primary_required).toEqual({ allowed_auth_methods: ['sso'] });
    expect(second.intermediate_session_token).not.toBe(first.intermediate_session_token);

    const token = await loginToken(ssoOnly.organization_id, email);
    await expectStytchError(
      authenticate(token, { intermediate_session_token: first.intermediate_session_token }),
      404,
      'intermediate_session_not_found',
    );
    // The refused request changed nothing: its link still works.
    expect((await authenticate(token)).primary_required).toBeDefined();
  });

  it("refuses another member's intermediate session and leaves the link unspent", async () => {
    const strict = await createOrganization(client(), { mfa_policy: 'REQUIRED_FOR_ALL' });
    const ada = person();
    const grace = person();
    await memberOf(strict, ada);
    await memberOf(strict, grace);
    const adas = await authenticate(await loginToken(strict.organization_id, ada));

    const gracesToken = await loginToken(strict.organization_id, grace);
    await expectStytchError(
      authenticate(gracesToken, { intermediate_session_token: adas.intermediate_session_token }),
      400,
      'intermediate_session_member_mismatch',
    );
    expect((await authenticate(gracesToken)).member.email_address).toBe(grace);
    // Ada's intermediate session survives the refused attempt.
    const again = await authenticate(await loginToken(strict.organization_id, ada), {
      intermediate_session_token: adas.intermediate_session_token,
    });
    expect(again.mfa_required).toBeDefined();
  });

  it('refuses two priors at once, and a session that does not exist', async () => {
    const organization = await createOrganization(client());
    const email = person();
    await memberOf(organization, email);
    const session = await authenticate(await loginToken(organization.organization_id, email));
    const token = await loginToken(organization.organization_id, email);
    await expectStytchError(
      authenticate(token, { session_token: session.session_token, intermediate_session_token: 'x'.repeat(43) }),
      400,
      'too_many_session_arguments',
    );
    await expectStytchError(authenticate(token, { session_token: 'y'.repeat(43) }), 404, 'session_not_found');
    await expectStytchError(authenticate(token, { intermediate_session_token: 'z'.repeat(43) }), 404, 'intermediate_session_not_found');
    expect((await authenticate(token)).member_authenticated).toBe(true);
  });

  it('spends an intermediate session once when several authentications present it at once', async () => {
    const strict = await createOrganization(client(), { mfa_policy: 'REQUIRED_FOR_ALL' });
    const email = person();
    await memberOf(strict, email);
    const first = await authenticate(await loginToken(strict.organization_id, email));
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) tokens.push(await loginToken(strict.organization_id, email));
    // Each send replaced nothing: every link was minted for its own email.
    const results = await Promise.allSettled(
      tokens.map((token) => authenticate(token, { intermediate_session_token: first.intermediate_session_token })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason.error_type).toBe('intermediate_session_not_found');
    const spent = await knex()('intermediate_sessions').whereNotNull('used_at').where({ email_normalized: email });
    expect(spent).toHaveLength(1);
  });
});
