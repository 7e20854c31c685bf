import { createHash } from 'node:crypto';
import { useTestApp, TEST_REDIRECT_URLS } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { createMember, createOrganization, stytchError, unique } from '../helpers/factories';
import { allowAnotherEmail } from '../helpers/login';

const WEEK_MINUTES = 10_080;

describe('magic links end to end', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });

  const client = () => ctx.app.project.client;
  const knex = () => ctx.app.container.knex;
  const address = (domain = 'acme.com') => `${unique('person')}@${domain}`;
  const newOrg = (overrides: Record<string, unknown> = {}) => createOrganization(client(), overrides);

  const nthMessageTo = (to: string, count: number) => ctx.smtp.nthMessageTo(to, count);
  const hashOf = (token: string) => createHash('sha256').update(token).digest();
  const tokenRow = (token: string) =>
    knex()('magic_link_tokens')
      .where({ token_hash: hashOf(token) })
      .first();
  const emailRows = (to: string) => knex()('emails').where({ to_normalized: to.toLowerCase() }).orderBy('created_at');
  const allowAnotherSend = (to: string) => allowAnotherEmail(ctx, to);
  const expectMinutesFromNow = (at: Date | string, minutes: number) =>
    expect(Math.abs(new Date(at).getTime() - (Date.now() + minutes * 60_000))).toBeLessThan(60_000);
  const findMember = (organization_id: string, email_address: string) =>
    client()
      .organizations.members.get({ organization_id, email_address })
      .then((r) => r.member);
  /** Nothing was created or queued for `to` in the organization. */
  async function expectNoMemberNorEmail(organization_id: string, to: string) {
    await expectStytchError(findMember(organization_id, to), 404, 'member_not_found');
    expect(await emailRows(to)).toHaveLength(0);
  }
  const invite = (organization_id: string, email_address: string, extra: Record<string, unknown> = {}) =>
    client().magicLinks.email.invite({ organization_id, email_address, ...extra });
  const loginOrSignup = (organization_id: string, email_address: string, extra: Record<string, unknown> = {}) =>
    client().magicLinks.email.loginOrSignup({ organization_id, email_address, ...extra });

  it('invites a member, who clicks the link and holds a session the SDK authenticates remotely and locally', async () => {
    const { client } = ctx.app.project;
    const organization = await createOrganization(client);
    const invited = await client.magicLinks.email.invite({
      organization_id: organization.organization_id,
      email_address: 'ada@acme.com',
      name: 'Ada',
    });
    expect(invited.member.status).toBe('invited');

    const email = await ctx.smtp.messageTo('ada@acme.com');
    expect(email.link.startsWith(`${TEST_REDIRECT_URLS[0]}?stytch_token_type=multi_tenant_magic_links&token=`)).toBe(true);

    const auth = await client.magicLinks.authenticate({ magic_links_token: email.token, session_duration_minutes: 60 });
    expect(auth.member_authenticated).toBe(true);
    expect(auth.member.status).toBe('active');
    expect(auth.member.email_address_verified).toBe(true);

    const remote = await client.sessions.authenticate({ session_token: auth.session_token });
    expect(remote.member_session.member_session_id).toBe(auth.member_session!.member_session_id);
    const local = await client.sessions.authenticateJwtLocal({ session_jwt: auth.session_jwt });
    expect(local.member_id).toBe(auth.member_id);
    expect(local.organization_id).toBe(organization.organization_id);

    const again = await client.magicLinks.authenticate({ magic_links_token: email.token }).catch((e) => e);
    expect(again.error_type).toBe('unable_to_auth_magic_link');
  });

  describe('invite', () => {
    const inviteFields = {
      name: 'Grace Hopper',
      roles: ['stytch_admin'],
      trusted_metadata: { plan: 'pro' },
      untrusted_metadata: { theme: 'dark' },
    };

    it('creates a new member as invited with the name, roles and metadata of the invite', async () => {
      const org = await newOrg();
      const to = address();
      const { member } = await invite(org.organization_id, to, inviteFields);
      expect(member).toMatchObject({
        status: 'invited',
        email_address: to,
        name: 'Grace Hopper',
        trusted_metadata: { plan: 'pro' },
        untrusted_metadata: { theme: 'dark' },
      });
      expect(member.roles.map((r) => r.role_id).sort()).toEqual(['stytch_admin', 'stytch_member']);
      expect(await findMember(org.organization_id, to)).toEqual(member);
      expect((await nthMessageTo(to, 1)).raw).toContain('invited');
    });

    it.each([
      ['pending', { create_member_as_pending: true }],
      ['invited', {}],
    ])('moves an existing %s member to invited and gives it the fields of the invite', async (status, memberFields) => {
      const org = await newOrg();
      const to = address();
      if (status === 'invited') {
        await invite(org.organization_id, to, { name: 'Before' });
        await nthMessageTo(to, 1);
        await allowAnotherSend(to);
      } else {
        await createMember(client(), org.organization_id, { email_address: to, name: 'Before', ...memberFields });
      }
      const before = await findMember(org.organization_id, to);
      expect(before.status).toBe(status);

      const { member } = await invite(org.organization_id, to, inviteFields);
      expect(member).toMatchObject({
        member_id: before.member_id,
        status: 'invited',
        name: 'Grace Hopper',
        trusted_metadata: { plan: 'pro' },
        untrusted_metadata: { theme: 'dark' },
      });
      expect(member.roles.map((r) => r.role_id).sort()).toEqual(['stytch_admin', 'stytch_member']);
      const email = await nthMessageTo(to, status === 'invited' ? 2 : 1);
      expect((await tokenRow(email.token)).kind).toBe('invite');
    });

    it('refuses to invite an active member, sending nothing and changing nothing', async () => {
      const org = await newOrg();
      const to = address();
      const active = await createMember(client(), org.organization_id, { email_address: to, name: 'Active' });
      await expectStytchError(invite(org.organization_id, to, inviteFields), 400, 'member_already_active');
      expect(await findMember(org.organization_id, to)).toEqual(active);
      expect(await emailRows(to)).toHaveLength(0);
    });

    it('refuses invites when the organization does not allow email invites', async () => {
      const org = await newOrg({ email_invites: 'NOT_ALLOWED' });
      const to = address();
      await expectStytchError(invite(org.organization_id, to), 400, 'invalid_email_for_invites');
      await expectNoMemberNorEmail(org.organization_id, to);
    });

    it('refuses an invite to a domain outside email_allowed_domains when invites are RESTRICTED', async () => {
      const org = await newOrg({ email_invites: 'RESTRICTED', email_allowed_domains: ['acme.com'] });
      const to = address('elsewhere.org');
      await expectStytchError(invite(org.organization_id, to), 400, 'invalid_email_for_invites');
      await expectNoMemberNorEmail(org.organization_id, to);
    });

    it('invites an address of an allowed domain when invites are RESTRICTED', async () => {
      const org = await newOrg({ email_invites: 'RESTRICTED', email_allowed_domains: ['acme.com'] });
      const to = address('ACME.com');
      const { member } = await invite(org.organization_id, to);
      expect(member.status).toBe('invited');
      await nthMessageTo(to, 1);
    });

    it('refuses an invite_redirect_url that is not on the allowlist', async () => {
      const org = await newOrg();
      const to = address();
      await expectStytchError(
        invite(org.organization_id, to, { invite_redirect_url: 'https://evil.example.net/authenticate' }),
        400,
        'invalid_invite_redirect_url',
      );
      await expectNoMemberNorEmail(org.organization_id, to);
    });

    it('links to the invite_redirect_url given when it is on the allowlist', async () => {
      const org = await newOrg();
      const to = address();
      await invite(org.organization_id, to, { invite_redirect_url: TEST_REDIRECT_URLS[1] });
      const email = await nthMessageTo(to, 1);
      expect(email.link).toBe(`${TEST_REDIRECT_URLS[1]}?stytch_token_type=multi_tenant_magic_links&token=${email.token}`);
    });

    it.each([
      ['the invite_expiration_minutes given', 30, 30],
      ['one week by default', undefined, WEEK_MINUTES],
    ])('makes the invite expire after %s', async (_label, minutes, expected) => {
      const org = await newOrg();
      const to = address();
      await invite(org.organization_id, to, minutes === undefined ? {} : { invite_expiration_minutes: minutes });
      const row = await tokenRow((await nthMessageTo(to, 1)).token);
      expectMinutesFromNow(row.expires_at, expected);
    });

    it('refuses an expired invite and leaves the member invited', async () => {
      const org = await newOrg();
      const to = address();
      await invite(org.organization_id, to);
      const { token } = await nthMessageTo(to, 1);
      await knex()('magic_link_tokens')
        .where({ token_hash: hashOf(token) })
        .update({ expires_at: knex().raw("now() - interval '1 minute'") });
      await expectStytchError(client().magicLinks.authenticate({ magic_links_token: token }), 401, 'unable_to_auth_magic_link');
      expect((await findMember(org.organization_id, to)).status).toBe('invited');
    });

    it('refuses roles the organization does not define, creating nothing', async () => {
      const org = await newOrg();
      const to = address();
      await expectStytchError(invite(org.organization_id, to, { roles: ['no_such_role'] }), 400, /role/);
      await expectNoMemberNorEmail(org.organization_id, to);
    });

    it("voids a deleted member's outstanding invite", async () => {
      const org = await newOrg();
      const to = address();
      const { member } = await invite(org.organization_id, to);
      const { token } = await nthMessageTo(to, 1);
      await client().organizations.members.delete({ organization_id: org.organization_id, member_id: member.member_id });
      await expectStytchError(client().magicLinks.authenticate({ magic_links_token: token }), 401, 'unable_to_auth_magic_link');
      expect(
        await knex()('member_sessions').whereIn('member_id', knex()('members').select('id').where({ email_normalized: to })),
      ).toHaveLength(0);
    });
  });

  describe('login_or_signup', () => {
    it.each([
      ['the login_redirect_url given', TEST_REDIRECT_URLS[1]],
      ['the first allowed redirect URL by default', undefined],
    ])('sends an active member a login link to %s, valid for 60 minutes', async (_label, loginRedirectUrl) => {
      const org = await newOrg();
      const member = await createMember(client(), org.organization_id);
      const sent = await loginOrSignup(
        org.organization_id,
        member.email_address,
        loginRedirectUrl ? { login_redirect_url: loginRedirectUrl } : {},
      );
      expect(sent).toMatchObject({ member_id: member.member_id, member_created: false });
      const email = await nthMessageTo(member.email_address, 1);
      expect(email.link).toBe(
        `${loginRedirectUrl ?? TEST_REDIRECT_URLS[0]}?stytch_token_type=multi_tenant_magic_links&token=${email.token}`,
      );
      const row = await tokenRow(email.token);
      expect(row.kind).toBe('login');
      expectMinutesFromNow(row.expires_at, 60);
    });

    it('sends an invited member their invite again', async () => {
      const org = await newOrg();
      const to = address();
      await invite(org.organization_id, to, { name: 'Invitee' });
      await nthMessageTo(to, 1);
      await allowAnotherSend(to);

      const sent = await loginOrSignup(org.organization_id, to);
      expect(sent).toMatchObject({ member_created: false, member: { status: 'invited', name: 'Invitee' } });
      const row = await tokenRow((await nthMessageTo(to, 2)).token);
      expect(row.kind).toBe('invite');
      expectMinutesFromNow(row.expires_at, WEEK_MINUTES);
    });

    it('signs up a stranger from an allowed domain just in time, with the email-implicit roles', async () => {
      const org = await newOrg({
        email_jit_provisioning: 'RESTRICTED',
        email_allowed_domains: ['acme.com'],
        rbac_email_implicit_role_assignments: [{ domain: 'acme.com', role_id: 'stytch_admin' }],
      });
      const to = address();
      const sent = await loginOrSignup(org.organization_id, to);
      expect(sent.member_created).toBe(true);
      expect(sent.member.status).toBe('pending');
      expect((await findMember(org.organization_id, to)).status).toBe('pending');

      const email = await nthMessageTo(to, 1);
      expect((await tokenRow(email.token)).kind).toBe('signup');
      const auth = await client().magicLinks.authenticate({ magic_links_token: email.token });
      expect(auth.member).toMatchObject({ member_id: sent.member_id, status: 'active' });
      expect(auth.member.roles.find((r) => r.role_id === 'stytch_admin')?.sources).toEqual([
        { type: 'email_assignment', details: { email_domain: 'acme.com' } },
      ]);
      expect(auth.member_session?.roles).toContain('stytch_admin');
    });

    it.each([
      ['email_jit_provisioning is NOT_ALLOWED', { email_jit_provisioning: 'NOT_ALLOWED', email_allowed_domains: ['acme.com'] }, 'acme.com'],
      ['the domain is not allowed', { email_jit_provisioning: 'RESTRICTED', email_allowed_domains: ['acme.com'] }, 'elsewhere.org'],
    ])('refuses to sign up a stranger when %s, creating no member', async (_label, settings, domain) => {
      const org = await newOrg(settings);
      const to = address(domain);
      await expectStytchError(loginOrSignup(org.organization_id, to), 400, 'invalid_email_for_jit_provisioning');
      await expectNoMemberNorEmail(org.organization_id, to);
    });

    it('names the login_redirect_url when a member’s login link would go off the allowlist, sending nothing', async () => {
      const org = await newOrg();
      const member = await createMember(client(), org.organization_id);
      const extra = { login_redirect_url: 'https://evil.example.net/login', signup_redirect_url: TEST_REDIRECT_URLS[1] };
      await expectStytchError(loginOrSignup(org.organization_id, member.email_address, extra), 400, 'invalid_login_redirect_url');
      expect(await emailRows(member.email_address)).toHaveLength(0);
    });

    it('names the signup_redirect_url when a sign-up link would go off the allowlist, creating no member', async () => {
      const org = await newOrg({ email_jit_provisioning: 'RESTRICTED', email_allowed_domains: ['acme.com'] });
      const to = address();
      const extra = { login_redirect_url: TEST_REDIRECT_URLS[1], signup_redirect_url: 'https://evil.example.net/signup' };
      await expectStytchError(loginOrSignup(org.organization_id, to, extra), 400, 'invalid_signup_redirect_url');
      await expectNoMemberNorEmail(org.organization_id, to);
    });
  });

  it('refuses a second send to one address within a second with a 429, queueing nothing for it', async () => {
    const org = await newOrg();
    const member = await createMember(client(), org.organization_id);
    await loginOrSignup(org.organization_id, member.email_address);
    await expectStytchError(loginOrSignup(org.organization_id, member.email_address), 429, 'too_many_requests');
    expect(await emailRows(member.email_address)).toHaveLength(1);
  });

  it('stores tokens hashed: the raw token appears in no magic_link_tokens, emails or outbox row', async () => {
    const org = await newOrg();
    const to = address();
    await invite(org.organization_id, to);
    const { token } = await nthMessageTo(to, 1);
    const emails = await emailRows(to);
    const tokens = await knex()('magic_link_tokens').whereIn(
      'email_id',
      emails.map((e) => e.id),
    );
    expect(tokens).toHaveLength(1);
    expect(tokens[0].token_hash).toEqual(hashOf(token));
    const stored = JSON.stringify([tokens, emails, await knex()('outbox').select('payload')], (_k, v) =>
      v?.type === 'Buffer' ? Buffer.from(v.data).toString('utf8') : v,
    );
    expect(stored).not.toContain(token);
    expect(await stytchError(client().magicLinks.authenticate({ magic_links_token: hashOf(token).toString('base64url') }))).toMatchObject({
      status_code: 401,
    });
  });
});
