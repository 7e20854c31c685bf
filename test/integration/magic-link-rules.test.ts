import { createHash, randomBytes } from 'node:crypto';
import { useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { createMember, createOrganization, unique } from '../helpers/factories';

type Member = Awaited<ReturnType<typeof createMember>>;

/** magic_links.authenticate: single use, PKCE, organization policy and the session it yields. */
describe('magic link authentication rules', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });

  const client = () => ctx.app.project.client;
  const knex = () => ctx.app.container.knex;
  const authenticate = (magic_links_token: string, extra: Record<string, unknown> = {}) =>
    client().magicLinks.authenticate({ magic_links_token, ...extra });

  const nthMessageTo = (to: string, count: number) => ctx.smtp.nthMessageTo(to, count);
  const memberIds = (member: Member) => knex()('members').select('id').where({ email_normalized: member.email_address.toLowerCase() });
  const sessionRows = (member: Member) => knex()('member_sessions').whereIn('member_id', memberIds(member));
  const intermediateRows = (member: Member) => knex()('intermediate_sessions').whereIn('member_id', memberIds(member));
  const expectMinutesFromNow = (at: Date | string, minutes: number) =>
    expect(Math.abs(new Date(at).getTime() - (Date.now() + minutes * 60_000))).toBeLessThan(60_000);

  /** An active member of a fresh organization, and the token of a login link sent to them. */
  async function memberWithLoginLink(
    orgSettings: Record<string, unknown> = {},
    memberFields: Record<string, unknown> = {},
    sendFields: Record<string, unknown> = {},
  ) {
    const organization = await createOrganization(client(), orgSettings);
    const member = await createMember(client(), organization.organization_id, {
      email_address: `${unique('member')}@acme.com`,
      ...memberFields,
    });
    const token = await sendLoginLink(organization.organization_id, member, 1, sendFields);
    return { organization, member, token };
  }
  /** Sends `member` their `nth` login link (moving earlier sends out of the rate-limit window) and returns its token. */
  async function sendLoginLink(organization_id: string, member: Member, nth: number, sendFields: Record<string, unknown> = {}) {
    await knex()('emails')
      .where({ to_normalized: member.email_address.toLowerCase() })
      .update({ created_at: knex().raw("created_at - interval '1 minute'") });
    await client().magicLinks.email.loginOrSignup({ organization_id, email_address: member.email_address, ...sendFields });
    return (await nthMessageTo(member.email_address, nth)).token;
  }

  describe('single use', () => {
    it('refuses a second redemption of a link', async () => {
      const { member, token } = await memberWithLoginLink();
      expect((await authenticate(token)).member_authenticated).toBe(true);
      await expectStytchError(authenticate(token), 401, 'unable_to_auth_magic_link');
      expect(await sessionRows(member)).toHaveLength(1);
    });

    it('lets exactly one of 20 concurrent redemptions of one link through, starting one session', async () => {
      const { member, token } = await memberWithLoginLink();
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => authenticate(token)));
      const succeeded = results.filter((r) => r.status === 'fulfilled');
      expect(succeeded).toHaveLength(1);
      for (const failed of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
        expect(failed.reason).toMatchObject({ status_code: 401, error_type: 'unable_to_auth_magic_link' });
      }
      expect(await sessionRows(member)).toHaveLength(1);
    });
  });

  describe('PKCE', () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');

    it.each([
      ['a wrong verifier', { pkce_code_verifier: randomBytes(32).toString('base64url') }, 'pkce_mismatch'],
      ['no verifier', {}, 'pkce_expected_code_verifier'],
    ])('refuses %s for a link sent with a challenge, and the link still works with the right one', async (_label, attempt, errorType) => {
      const { member, token } = await memberWithLoginLink({}, {}, { pkce_code_challenge: challenge });
      await expectStytchError(authenticate(token, attempt), 400, errorType);
      expect(await sessionRows(member)).toHaveLength(0);
      expect((await authenticate(token, { pkce_code_verifier: verifier })).member_authenticated).toBe(true);
    });

    it('refuses a verifier for a link sent without a challenge, and the link still works without one', async () => {
      const { member, token } = await memberWithLoginLink();
      await expectStytchError(authenticate(token, { pkce_code_verifier: verifier }), 400, 'pkce_did_not_expect_code_verifier');
      expect(await sessionRows(member)).toHaveLength(0);
      expect((await authenticate(token)).member_authenticated).toBe(true);
    });
  });

  it("verifies the member's email", async () => {
    const { organization, member, token } = await memberWithLoginLink();
    expect(member.email_address_verified).toBe(false);
    expect((await authenticate(token)).member.email_address_verified).toBe(true);
    const { member: stored } = await client().organizations.members.get({
      organization_id: organization.organization_id,
      member_id: member.member_id,
    });
    expect(stored.email_address_verified).toBe(true);
  });

  describe('organization policy', () => {
    const restricted = { auth_methods: 'RESTRICTED', allowed_auth_methods: ['password'], email_invites: 'ALL_ALLOWED' };

    it.each([
      [
        'auth_methods is RESTRICTED without magic_link',
        restricted,
        {},
        { primary_required: { allowed_auth_methods: ['password'] } },
        'mfa_required',
      ],
      ['mfa_policy is REQUIRED_FOR_ALL', { mfa_policy: 'REQUIRED_FOR_ALL' }, {}, { mfa_required: expect.any(Object) }, 'primary_required'],
      [
        'the member is mfa_enrolled',
        {},
        { mfa_enrolled: true, mfa_phone_number: '+14155550123' },
        { mfa_required: expect.any(Object) },
        'primary_required',
      ],
    ])('starts no session but an intermediate one when %s', async (_label, orgSettings, memberFields, requirement, absent) => {
      const { member, token } = await memberWithLoginLink(orgSettings, memberFields);
      const auth = await authenticate(token);
      expect(auth).toMatchObject({ member_authenticated: false, session_token: '', session_jwt: '', ...requirement });
      // Stytch leaves out what does not apply (optional in the SDK's types), rather than sending null.
      expect(auth).not.toHaveProperty('member_session');
      expect(auth).not.toHaveProperty(absent);
      expect(auth.intermediate_session_token).not.toBe('');
      expect(auth.intermediate_session_token_expires_at).toEqual(expect.any(String));
      expect(await sessionRows(member)).toHaveLength(0);
      expect(await intermediateRows(member)).toHaveLength(1);
    });

    it('gives a breakglass member a session even when auth_methods is RESTRICTED without magic_link', async () => {
      const { member, token } = await memberWithLoginLink(restricted, { is_breakglass: true });
      const auth = await authenticate(token);
      expect(auth).toMatchObject({ member_authenticated: true, intermediate_session_token: '' });
      for (const absent of ['primary_required', 'mfa_required', 'intermediate_session_token_expires_at'])
        expect(auth).not.toHaveProperty(absent);
      expect(await sessionRows(member)).toHaveLength(1);
    });
  });

  describe('the session', () => {
    it.each([
      ['the session_duration_minutes given', 240, 240],
      ['60 minutes by default', undefined, 60],
    ])('lasts %s', async (_label, minutes, expected) => {
      const { member, token } = await memberWithLoginLink();
      const auth = await authenticate(token, minutes === undefined ? {} : { session_duration_minutes: minutes });
      expectMinutesFromNow(auth.member_session!.expires_at, expected);
      const [row] = await sessionRows(member);
      expectMinutesFromNow(row.expires_at, expected);
    });

    it('carries session_custom_claims in the session and its JWT', async () => {
      const { token } = await memberWithLoginLink();
      const claims = { plan: 'pro', seats: 3 };
      const auth = await authenticate(token, { session_duration_minutes: 60, session_custom_claims: claims });
      expect(auth.member_session!.custom_claims).toEqual(claims);
      expect((await client().sessions.authenticateJwtLocal({ session_jwt: auth.session_jwt })).custom_claims).toEqual(claims);
      expect((await client().sessions.authenticate({ session_token: auth.session_token })).member_session.custom_claims).toEqual(claims);
    });

    it.each([
      ['sub', 'reserved_claims_in_custom_claims'],
      ['iss', 'reserved_claims_in_custom_claims'],
      ['exp', 'reserved_claims_in_custom_claims'],
      ['https://stytch.com/session', 'stytch_claims_in_custom_claims'],
    ])('refuses the reserved claim %s in session_custom_claims without spending the link', async (claim, errorType) => {
      const { member, token } = await memberWithLoginLink();
      await expectStytchError(
        authenticate(token, { session_duration_minutes: 60, session_custom_claims: { [claim]: 'x' } }),
        400,
        errorType,
      );
      expect(await sessionRows(member)).toHaveLength(0);
      expect((await authenticate(token)).member_authenticated).toBe(true);
    });

    it.each(['session_token', 'session_jwt'] as const)(
      'adds the factor to the existing session named by %s instead of starting another',
      async (field) => {
        const { organization, member, token } = await memberWithLoginLink();
        const first = await authenticate(token);
        const second = await authenticate(await sendLoginLink(organization.organization_id, member, 2), { [field]: first[field] });
        expect(second.member_authenticated).toBe(true);
        expect(second.member_session!.member_session_id).toBe(first.member_session!.member_session_id);
        expect(second.member_session!.authentication_factors).toEqual([
          expect.objectContaining({ type: 'magic_link', delivery_method: 'email' }),
        ]);
        expect(await sessionRows(member)).toHaveLength(1);
      },
    );

    it('refuses session_custom_claims over 4 KB as JSON without spending the link', async () => {
      const { member, token } = await memberWithLoginLink();
      const claims = { blob: 'x'.repeat(4100) };
      await expectStytchError(authenticate(token, { session_custom_claims: claims }), 400, 'custom_claims_too_large');
      expect(await sessionRows(member)).toHaveLength(0);
      expect((await authenticate(token)).member_authenticated).toBe(true);
    });

    it('merges session_custom_claims into the existing session it authenticates into', async () => {
      const { organization, member, token } = await memberWithLoginLink();
      const first = await authenticate(token, { session_custom_claims: { plan: 'free', team: 'red' } });
      const second = await authenticate(await sendLoginLink(organization.organization_id, member, 2), {
        session_token: first.session_token,
        session_custom_claims: { plan: 'pro' },
      });
      expect(second.member_session!.member_session_id).toBe(first.member_session!.member_session_id);
      expect(second.member_session!.custom_claims).toEqual({ plan: 'pro', team: 'red' });
      expect((await client().sessions.authenticateJwtLocal({ session_jwt: second.session_jwt })).custom_claims).toEqual({
        plan: 'pro',
        team: 'red',
      });
    });
  });
});
