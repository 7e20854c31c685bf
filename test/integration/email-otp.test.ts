import { parseId } from '../../src/ids';
import { OTP_MAX_ATTEMPTS } from '../../src/services/auth/otp-codes';
import { useTestApp } from '../helpers/app';
import { allowAnotherEmail } from '../helpers/login';
import { expectStytchError } from '../helpers/assertions';
import { eventuallyValue } from '../helpers/eventually';
import { createMember, createOrganization, stytchError, unique } from '../helpers/factories';

/**
 * Email one-time passcodes of an organization (issue 10): otps.email.login_or_signup
 * queues a code email (the worker mints the code as it sends it, over real
 * SMTP here), otps.email.authenticate redeems it through the authentication flow.
 */
describe('email OTP', () => {
  const ctx = useTestApp({ ROSTER_EMAIL_RETRY_MS: '500' }, { workers: true, smtp: true });

  const client = () => ctx.app.project.client;
  const knex = () => ctx.app.container.knex;
  const address = (domain = 'acme.com') => `${unique('person')}@${domain}`;
  const newOrg = (overrides: Record<string, unknown> = {}) => createOrganization(client(), overrides);
  const sendCode = (organization_id: string, email_address: string, extra: Record<string, unknown> = {}) =>
    client().otps.email.loginOrSignup({ organization_id, email_address, ...extra });
  const authenticate = (organization_id: string, email_address: string, code: string, extra: Record<string, unknown> = {}) =>
    client().otps.email.authenticate({ organization_id, email_address, code, ...extra });
  const emailRows = (to: string) => knex()('emails').where({ to_normalized: to.toLowerCase() }).orderBy('created_at');
  /** Parallel sends to one address: one email per second got through, each a second after the last; the rest were 429s. */
  const expectOneEmailPerSecond = async (results: PromiseSettledResult<unknown>[], sent: { created_at: Date }[]) => {
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won.length).toBeGreaterThanOrEqual(1);
    expect(sent).toHaveLength(won.length);
    for (let i = 1; i < sent.length; i++) {
      expect(sent[i].created_at.getTime() - sent[i - 1].created_at.getTime()).toBeGreaterThanOrEqual(1000);
    }
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(r.reason).toMatchObject({ status_code: 429, error_type: 'too_many_requests' });
    }
  };
  /** The emails to `to` once none is queued any more (the message can arrive before its row records it). */
  const handledRows = (to: string) =>
    eventuallyValue(
      () => emailRows(to),
      (rows) => rows.length > 0 && rows.every((r) => r.status !== 'queued'),
      { what: `the emails to ${to} handled`, timeoutMs: 10_000 },
    );
  const codeRows = (to: string) => knex()('otp_codes').where({ destination: to.toLowerCase() }).orderBy('created_at');
  const allowAnotherSend = (to: string) => allowAnotherEmail(ctx, to);
  const findMember = (organization_id: string, email_address: string) =>
    client()
      .organizations.members.get({ organization_id, email_address })
      .then((r) => r.member);
  const expectMinutesFromNow = (at: Date | string, minutes: number) =>
    expect(Math.abs(new Date(at).getTime() - (Date.now() + minutes * 60_000))).toBeLessThan(60_000);
  /** A code of six digits that is not `code`. */
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  /** Sends a code to an active member of a fresh organization; returns the code as it arrived. */
  async function activeMemberWithCode(orgSettings: Record<string, unknown> = {}) {
    const organization = await newOrg(orgSettings);
    const to = address();
    const member = await createMember(client(), organization.organization_id, { email_address: to });
    await sendCode(organization.organization_id, to);
    const { code } = await ctx.smtp.nthMessageTo(to, 1);
    return { organization, member, to, code };
  }

  describe('login_or_signup', () => {
    it('emails an active member a login code, which authenticates it into a session the SDK accepts', async () => {
      const organization = await newOrg({ organization_name: 'Code Corp' });
      const to = address();
      const created = await createMember(client(), organization.organization_id, { email_address: to });

      const sent = await sendCode(organization.organization_id, to);
      expect(sent).toMatchObject({ member_id: created.member_id, member_created: false, member: { status: 'active' } });
      const email = await ctx.smtp.nthMessageTo(to, 1);
      expect(email.code).toMatch(/^\d{6}$/);
      expect(email.raw).toMatch(/^Subject: Your login code for Code Corp/m);
      expect(email.link).toBe('');
      const [row] = await handledRows(to);
      expect(row).toMatchObject({ kind: 'otp_login', redirect_url: null, status: 'sent', code: null, link: null, attempts: 1 });
      const [codeRow] = await codeRows(to);
      expect(codeRow).toMatchObject({ channel: 'email', email_id: row.id, attempts: 0, used_at: null });
      // Stored hashed, salted with where it went: the code itself is nowhere in the row.
      expect(JSON.stringify(codeRow)).not.toContain(email.code);
      expectMinutesFromNow(codeRow.expires_at, 10);

      const auth = await authenticate(organization.organization_id, to, email.code, { session_duration_minutes: 60 });
      expect(auth).toMatchObject({ member_authenticated: true, member_id: created.member_id, intermediate_session_token: '' });
      expect(auth.method_id).toMatch(/^email-test-/);
      expect(auth.member.email_address_verified).toBe(true);
      expect(auth.member_session!.authentication_factors).toEqual([
        expect.objectContaining({ type: 'otp', delivery_method: 'email', email_factor: { email_id: auth.method_id, email_address: to } }),
      ]);
      const remote = await client().sessions.authenticate({ session_token: auth.session_token });
      expect(remote.member_session.member_session_id).toBe(auth.member_session!.member_session_id);
    });

    it('emails an invited member a sign-up code, and the code makes it active with a verified email', async () => {
      const organization = await newOrg();
      const to = address();
      await client().magicLinks.email.invite({ organization_id: organization.organization_id, email_address: to });
      await ctx.smtp.nthMessageTo(to, 1);
      await allowAnotherSend(to);

      const sent = await sendCode(organization.organization_id, to);
      expect(sent.member.status).toBe('invited');
      const { code, raw } = await ctx.smtp.nthMessageTo(to, 2);
      expect(raw).toMatch(/^Subject: Your code to finish signing up for/m);
      expect((await emailRows(to)).map((r) => r.kind)).toEqual(['invite', 'otp_signup']);

      const auth = await authenticate(organization.organization_id, to, code);
      expect(auth.member).toMatchObject({ status: 'active', email_address_verified: true });
      expect(await findMember(organization.organization_id, to)).toMatchObject({ status: 'active', email_address_verified: true });
    });

    it('signs up a stranger of a JIT-provisioned domain as a pending member, active once the code is used', async () => {
      const organization = await newOrg({ email_jit_provisioning: 'RESTRICTED', email_allowed_domains: ['jit.example.com'] });
      const to = address('jit.example.com');

      const sent = await sendCode(organization.organization_id, to, { signup_expiration_minutes: 5 });
      expect(sent).toMatchObject({ member_created: true, member: { status: 'pending', email_address: to } });
      const { code } = await ctx.smtp.nthMessageTo(to, 1);
      expect((await emailRows(to))[0].kind).toBe('otp_signup');
      expectMinutesFromNow((await codeRows(to))[0].expires_at, 5);

      const auth = await authenticate(organization.organization_id, to, code);
      expect(auth.member).toMatchObject({ member_id: sent.member_id, status: 'active', email_address_verified: true });
    });

    it('uses login_expiration_minutes for a login code', async () => {
      const organization = await newOrg();
      const to = address();
      await createMember(client(), organization.organization_id, { email_address: to });
      await sendCode(organization.organization_id, to, { login_expiration_minutes: 15, signup_expiration_minutes: 2 });
      await ctx.smtp.nthMessageTo(to, 1);
      expectMinutesFromNow((await codeRows(to))[0].expires_at, 15);
    });

    it('refuses a stranger the organization does not provision just in time, creating and sending nothing', async () => {
      const organization = await newOrg();
      const to = address();
      await expectStytchError(sendCode(organization.organization_id, to), 400, 'invalid_email_for_jit_provisioning');
      await expectStytchError(findMember(organization.organization_id, to), 404, 'member_not_found');
      expect(await emailRows(to)).toHaveLength(0);
    });

    it.each([
      ['a malformed email address', { email_address: 'not-an-email' }, 400, 'invalid_email'],
      [
        'an unknown organization',
        { organization_id: 'organization-test-00000000-0000-0000-0000-000000000000' },
        404,
        'organization_not_found',
      ],
      ['login_expiration_minutes under 2', { login_expiration_minutes: 1 }, 400, 'invalid_login_expiration_minutes'],
      ['signup_expiration_minutes over 15', { signup_expiration_minutes: 16 }, 400, 'invalid_signup_expiration_minutes'],
    ])('refuses %s, changing nothing', async (_label, override, status, errorType) => {
      const organization = await newOrg();
      const to = address();
      await createMember(client(), organization.organization_id, { email_address: to });
      await expectStytchError(
        client().otps.email.loginOrSignup({ organization_id: organization.organization_id, email_address: to, ...override }),
        status,
        errorType,
      );
      expect(await emailRows(to)).toHaveLength(0);
      expect(await emailRows('not-an-email')).toHaveLength(0);
    });

    it('answers parallel sends to one address with one email and 429s for the rest', async () => {
      const organization = await newOrg();
      const to = address();
      await createMember(client(), organization.organization_id, { email_address: to });

      const results = await Promise.allSettled(Array.from({ length: 8 }, () => sendCode(organization.organization_id, to)));

      // One email per address per second: on a loaded machine the eight may span more than a second.
      const sent = await emailRows(to);
      await expectOneEmailPerSecond(results, sent);
      await ctx.smtp.nthMessageTo(to, 1);
      expect(await codeRows(to)).toHaveLength(1);
    });

    it('signs up one member for parallel sends to a new JIT address: one email, 429s for the rest, no conflicts', async () => {
      const organization = await newOrg({ email_jit_provisioning: 'RESTRICTED', email_allowed_domains: ['jit.example.com'] });
      const to = address('jit.example.com');

      const results = await Promise.allSettled(Array.from({ length: 8 }, () => sendCode(organization.organization_id, to)));

      const won = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
      expect(won).toHaveLength(1);
      expect(won[0].member_created).toBe(true);
      for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
        expect(r.reason).toMatchObject({ status_code: 429, error_type: 'too_many_requests' });
      }
      expect((await findMember(organization.organization_id, to)).member_id).toBe(won[0].member_id);
      expect(await emailRows(to)).toHaveLength(1);
    });

    it('mints a new code when a send is retried: only the delivered code is live, and it works', async () => {
      const organization = await newOrg();
      const to = address();
      await createMember(client(), organization.organization_id, { email_address: to });
      ctx.smtp.rejectNext(451);

      await sendCode(organization.organization_id, to);
      const { code } = await ctx.smtp.nthMessageTo(to, 1, 20_000);

      const [row] = await handledRows(to);
      expect(row).toMatchObject({ status: 'sent', attempts: 2 });
      const codes = await codeRows(to);
      expect(codes).toHaveLength(2);
      expect(codes.map((c) => c.email_id)).toEqual([row.id, row.id]);
      expect(codes.filter((c) => c.used_at === null)).toHaveLength(1);
      expect((await authenticate(organization.organization_id, to, code)).member_authenticated).toBe(true);
    });
  });

  describe('authenticate', () => {
    it('refuses a wrong code (counting the guess), leaving the member as it was', async () => {
      const organization = await newOrg();
      const to = address();
      await client().magicLinks.email.invite({ organization_id: organization.organization_id, email_address: to });
      await ctx.smtp.nthMessageTo(to, 1);
      await allowAnotherSend(to);
      await sendCode(organization.organization_id, to);
      const { code } = await ctx.smtp.nthMessageTo(to, 2);

      await expectStytchError(authenticate(organization.organization_id, to, wrong(code)), 404, 'otp_code_not_found');

      expect((await findMember(organization.organization_id, to)).status).toBe('invited');
      expect((await codeRows(to))[0]).toMatchObject({ attempts: 1, used_at: null });
      expect(
        await knex()('member_sessions').where({ organization_id: parseId('organization', 'test', organization.organization_id)! }),
      ).toEqual([]);
    });

    it('refuses a malformed code without counting it as a guess', async () => {
      const { organization, to } = await activeMemberWithCode();
      for (const bad of ['12345', '1234567', 'abcdef', '']) {
        await expectStytchError(authenticate(organization.organization_id, to, bad), 400, 'invalid_code');
      }
      expect((await codeRows(to))[0].attempts).toBe(0);
    });

    it('refuses a used code', async () => {
      const { organization, to, code } = await activeMemberWithCode();
      await authenticate(organization.organization_id, to, code);
      await expectStytchError(authenticate(organization.organization_id, to, code), 404, 'otp_code_not_found');
    });

    it('refuses an expired code', async () => {
      const { organization, to, code } = await activeMemberWithCode();
      await knex()('otp_codes')
        .where({ destination: to })
        .update({ expires_at: knex().raw("now() - interval '1 second'") });
      await expectStytchError(authenticate(organization.organization_id, to, code), 404, 'otp_code_not_found');
    });

    it('refuses the code in another organization, and for another address', async () => {
      const { organization, to, code } = await activeMemberWithCode();
      const other = await newOrg();
      await createMember(client(), other.organization_id, { email_address: to });
      await expectStytchError(authenticate(other.organization_id, to, code), 404, 'otp_code_not_found');
      const neighbour = address();
      await createMember(client(), organization.organization_id, { email_address: neighbour });
      await expectStytchError(authenticate(organization.organization_id, neighbour, code), 404, 'otp_code_not_found');
      // Neither attempt was a guess at this code: it still works.
      expect((await authenticate(organization.organization_id, to.toUpperCase(), code)).member_authenticated).toBe(true);
    });

    it('refuses an unknown organization and a malformed address with 4xx', async () => {
      const { to, code } = await activeMemberWithCode();
      await expectStytchError(
        authenticate('organization-test-00000000-0000-0000-0000-000000000000', to, code),
        404,
        'organization_not_found',
      );
      const { organization } = await activeMemberWithCode();
      await expectStytchError(authenticate(organization.organization_id, 'nope', code), 400, 'invalid_email');
    });

    it('voids the earlier code when a newer one is sent', async () => {
      const { organization, to, code: first } = await activeMemberWithCode();
      await allowAnotherSend(to);
      await sendCode(organization.organization_id, to);
      const { code: second } = await ctx.smtp.nthMessageTo(to, 2);

      if (first !== second) await expectStytchError(authenticate(organization.organization_id, to, first), 404, 'otp_code_not_found');
      expect((await authenticate(organization.organization_id, to, second)).member_authenticated).toBe(true);
      expect((await codeRows(to)).map((c) => c.used_at !== null)).toEqual([true, true]);
    });

    it(`voids a code after ${OTP_MAX_ATTEMPTS} wrong guesses: the right one no longer works`, async () => {
      const { organization, to, code } = await activeMemberWithCode();
      for (let i = 0; i < OTP_MAX_ATTEMPTS; i++) {
        await expectStytchError(authenticate(organization.organization_id, to, wrong(code)), 404, 'otp_code_not_found');
      }
      await expectStytchError(authenticate(organization.organization_id, to, code), 404, 'otp_code_not_found');
      expect((await codeRows(to))[0].attempts).toBe(OTP_MAX_ATTEMPTS);
    });

    it(`still takes the right code after ${OTP_MAX_ATTEMPTS - 1} wrong guesses`, async () => {
      const { organization, to, code } = await activeMemberWithCode();
      for (let i = 0; i < OTP_MAX_ATTEMPTS - 1; i++) {
        await expectStytchError(authenticate(organization.organization_id, to, wrong(code)), 404, 'otp_code_not_found');
      }
      expect((await authenticate(organization.organization_id, to, code)).member_authenticated).toBe(true);
    });

    it('lets exactly one of 10 parallel redemptions of one code succeed', async () => {
      const { organization, member, to, code } = await activeMemberWithCode();

      const results = await Promise.allSettled(Array.from({ length: 10 }, () => authenticate(organization.organization_id, to, code)));

      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
        expect(r.reason).toMatchObject({ status_code: 404, error_type: 'otp_code_not_found' });
      }
      const sessions = await knex()('member_sessions').where({ member_id: parseId('member', 'test', member.member_id)! });
      expect(sessions).toHaveLength(1);
    });

    it('lets an organization that RESTRICTs its auth methods to email_otp grant a session for it, and not for a magic link', async () => {
      const { organization, to, code } = await activeMemberWithCode({ auth_methods: 'RESTRICTED', allowed_auth_methods: ['email_otp'] });

      const byCode = await authenticate(organization.organization_id, to, code);
      expect(byCode.member_authenticated).toBe(true);

      await allowAnotherSend(to);
      await client().magicLinks.email.loginOrSignup({ organization_id: organization.organization_id, email_address: to });
      const { token } = await ctx.smtp.nthMessageTo(to, 2);
      const byLink = await client().magicLinks.authenticate({ magic_links_token: token });
      expect(byLink).toMatchObject({
        member_authenticated: false,
        session_token: '',
        primary_required: { allowed_auth_methods: ['email_otp'] },
      });

      // The link's intermediate session and then a code: the code is what the organization accepts.
      await allowAnotherSend(to);
      await sendCode(organization.organization_id, to);
      const { code: next } = await ctx.smtp.nthMessageTo(to, 3);
      const completed = await authenticate(organization.organization_id, to, next, {
        intermediate_session_token: byLink.intermediate_session_token,
      });
      expect(completed.member_authenticated).toBe(true);
      expect(completed.member_session!.authentication_factors.map((f) => `${f.type}/${f.delivery_method}`).sort()).toEqual([
        'magic_link/email',
        'otp/email',
      ]);
    });

    it('asks for a primary method it allows when an organization RESTRICTs to magic links only', async () => {
      const { organization, to, code } = await activeMemberWithCode({ auth_methods: 'RESTRICTED', allowed_auth_methods: ['magic_link'] });
      const auth = await authenticate(organization.organization_id, to, code);
      expect(auth).toMatchObject({ member_authenticated: false, primary_required: { allowed_auth_methods: ['magic_link'] } });
      expect(auth).not.toHaveProperty('member_session');
    });

    it('answers an intermediate session with mfa_required when the organization requires MFA', async () => {
      const { organization, member, to, code } = await activeMemberWithCode({ mfa_policy: 'REQUIRED_FOR_ALL' });

      const auth = await authenticate(organization.organization_id, to, code, { session_duration_minutes: 60 });

      expect(auth).toMatchObject({ member_authenticated: false, session_token: '', session_jwt: '', mfa_required: expect.any(Object) });
      expect(auth).not.toHaveProperty('member_session');
      expect(auth).not.toHaveProperty('primary_required');
      expect(auth.intermediate_session_token).not.toBe('');
      expect(auth.intermediate_session_token_expires_at).toEqual(expect.any(String));
      // The member is active all the same: the code proved its address.
      expect(auth.member.status).toBe('active');
      const sessions = await knex()('member_sessions').where({ member_id: parseId('member', 'test', member.member_id)! });
      expect(sessions).toHaveLength(0);
    });

    it('refuses a bad intermediate session token with 404 and starts no session', async () => {
      const { organization, member, to, code } = await activeMemberWithCode();
      const error = await stytchError(authenticate(organization.organization_id, to, code, { intermediate_session_token: 'nope' }));
      expect(error).toMatchObject({ status_code: 404, error_type: 'intermediate_session_not_found' });
      const sessions = await knex()('member_sessions').where({ member_id: parseId('member', 'test', member.member_id)! });
      expect(sessions).toHaveLength(0);
    });
  });
});
