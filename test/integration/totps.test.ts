import { Secret, TOTP } from 'otpauth';
import { loginByLink } from '../helpers/login';
import { useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { createMember, createOrganization, unique } from '../helpers/factories';

type Member = Awaited<ReturnType<typeof createMember>>;

/** The code an authenticator app shows for `secret`, `steps` time steps (30 s) from now. */
const codeOf = (secret: string, steps = 0) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + steps * 30_000 });

/** A six-digit code that is none of the codes accepted now (the current step and the ones either side). */
function wrongCodeFor(secret: string): string {
  const accepted = new Set([-1, 0, 1].map((s) => codeOf(secret, s)));
  for (let steps = 40; ; steps++) if (!accepted.has(codeOf(secret, steps))) return codeOf(secret, steps);
}

const MFA_ORG = { mfa_policy: 'REQUIRED_FOR_ALL' };

describe('TOTP (authenticator apps)', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });

  const client = () => ctx.app.project.client;
  const knex = () => ctx.app.container.knex;
  const uuidOf = (publicId: string) => publicId.replace(/^[a-z-]+-(test|live)-/, '');
  const totpRows = (member: Member) =>
    knex()('member_totps')
      .where({ member_id: uuidOf(member.member_id) })
      .orderBy('created_at');
  const liveTotp = async (member: Member) => (await totpRows(member)).filter((r) => r.deleted_at === null);

  async function orgAndMember(orgSettings: Record<string, unknown> = {}, memberFields: Record<string, unknown> = {}) {
    const organization = await createOrganization(client(), orgSettings);
    const member = await createMember(client(), organization.organization_id, {
      email_address: `${unique('member')}@acme.com`,
      ...memberFields,
    });
    return { organization, member, organization_id: organization.organization_id, member_id: member.member_id };
  }

  /** Logs the member in by a magic link: a session, or an intermediate session when the organization asks for more. */
  const login = (organization_id: string, member: Member) =>
    loginByLink(ctx, organization_id, member.email_address, { session_duration_minutes: 60 });

  /** A member of an organization that does not require MFA, holding a session and a verified (migrated) TOTP. */
  async function memberWithSessionAndTotp(orgSettings: Record<string, unknown> = {}) {
    const target = await orgAndMember(orgSettings);
    const secret = new Secret({ size: 20 }).base32;
    const migrated = await client().totps.migrate({
      organization_id: target.organization_id,
      member_id: target.member_id,
      secret,
      recovery_codes: [],
    });
    const auth = await login(target.organization_id, target.member);
    expect(auth.member_authenticated).toBe(true);
    return { ...target, secret, registrationId: migrated.totp_registration_id, session_token: auth.session_token };
  }

  it('registers an app during an MFA login and completes the login with its code', async () => {
    const { organization_id, member_id, member } = await orgAndMember(MFA_ORG);
    const first = await login(organization_id, member);
    expect(first.member_authenticated).toBe(false);
    expect(first.mfa_required?.member_options?.totp_registration_id).toBe('');

    const created = await client().totps.create({
      organization_id,
      member_id,
      intermediate_session_token: first.intermediate_session_token,
    });
    expect(created.totp_registration_id).toMatch(/^member-totp-test-[0-9a-f-]{36}$/);
    expect(created.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(created.qr_code).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    expect(created.recovery_codes).toHaveLength(10);
    expect(new Set(created.recovery_codes).size).toBe(10);
    expect(created.member.member_id).toBe(member_id);
    const [pending] = await liveTotp(member);
    expect(pending.verified_at).toBeNull();

    const auth = await client().totps.authenticate({
      organization_id,
      member_id,
      code: codeOf(created.secret),
      intermediate_session_token: first.intermediate_session_token,
    });
    expect(auth.session_token).not.toBe('');
    expect(auth.member_session!.authentication_factors.map((f) => f.type)).toEqual(['magic_link', 'totp']);
    expect(auth.member_session!.authentication_factors[1]).toMatchObject({
      delivery_method: 'authenticator_app',
      authenticator_app_factor: { totp_id: created.totp_registration_id },
    });
    expect(auth.member.default_mfa_method).toBe('totp');
    expect((await client().sessions.authenticate({ session_token: auth.session_token })).member_session.member_id).toBe(member_id);

    const [verified] = await liveTotp(member);
    expect(verified.verified_at).not.toBeNull();
    // The intermediate session was spent by the session it became.
    await expectStytchError(
      client().totps.authenticate({
        organization_id,
        member_id,
        code: codeOf(created.secret, 1),
        intermediate_session_token: first.intermediate_session_token,
      }),
      404,
      'intermediate_session_not_found',
    );
    // The next login names the registration in mfa_required.
    const second = await login(organization_id, member);
    expect(second.mfa_required?.member_options?.totp_registration_id).toBe(created.totp_registration_id);
  });

  it('refuses a wrong code without spending the intermediate session, which the right code then completes', async () => {
    const { organization_id, member_id, member } = await orgAndMember(MFA_ORG);
    const first = await login(organization_id, member);
    const ist = first.intermediate_session_token;
    const { secret } = await client().totps.create({ organization_id, member_id, intermediate_session_token: ist });
    await expectStytchError(
      client().totps.authenticate({ organization_id, member_id, code: wrongCodeFor(secret), intermediate_session_token: ist }),
      401,
      'unable_to_authenticate_totp',
    );
    expect((await liveTotp(member))[0]).toMatchObject({ failed_attempts: 1, verified_at: null });
    const auth = await client().totps.authenticate({ organization_id, member_id, code: codeOf(secret), intermediate_session_token: ist });
    expect(auth.member_session!.authentication_factors.map((f) => f.type)).toEqual(['magic_link', 'totp']);
    expect((await liveTotp(member))[0].failed_attempts).toBe(0);
  });

  it('accepts a code once: replaying it (or an older one) is refused', async () => {
    const { organization_id, member_id, secret, session_token } = await memberWithSessionAndTotp();
    const code = codeOf(secret);
    await client().totps.authenticate({ organization_id, member_id, code, session_token });
    await expectStytchError(
      client().totps.authenticate({ organization_id, member_id, code, session_token }),
      401,
      'totp_code_already_authenticated',
    );
    const next = await client().totps.authenticate({ organization_id, member_id, code: codeOf(secret, 1), session_token });
    expect(next.member_session!.authentication_factors.map((f) => f.type)).toEqual(['magic_link', 'totp']);
    await expectStytchError(
      client().totps.authenticate({ organization_id, member_id, code, session_token }),
      401,
      'totp_code_already_authenticated',
    );
  });

  it('locks the registration after five wrong codes, even against the right one', async () => {
    const { organization_id, member_id, member, secret, session_token } = await memberWithSessionAndTotp();
    const wrong = wrongCodeFor(secret);
    for (let i = 0; i < 5; i++) {
      await expectStytchError(
        client().totps.authenticate({ organization_id, member_id, code: wrong, session_token }),
        401,
        'unable_to_authenticate_totp',
      );
    }
    await expectStytchError(
      client().totps.authenticate({ organization_id, member_id, code: codeOf(secret), session_token }),
      429,
      'too_many_requests',
    );
    const [row] = await liveTotp(member);
    expect(new Date(row.locked_until).getTime()).toBeGreaterThan(Date.now());
    expect(row.last_used_step).toBeNull();
  });

  it('counts concurrent wrong codes exactly: no more than five are checked before the lock', async () => {
    const { organization_id, member_id, member, secret, session_token } = await memberWithSessionAndTotp();
    const wrong = wrongCodeFor(secret);
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () => client().totps.authenticate({ organization_id, member_id, code: wrong, session_token })),
    );
    const statuses = results.map((r) => (r.status === 'rejected' ? (r.reason as { status_code: number }).status_code : 200));
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect(new Date((await liveTotp(member))[0].locked_until).getTime()).toBeGreaterThan(Date.now());
  });

  it('lets exactly one of ten concurrent requests with the same code succeed', async () => {
    const { organization_id, member_id, member, secret, session_token } = await memberWithSessionAndTotp();
    const code = codeOf(secret);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => client().totps.authenticate({ organization_id, member_id, code, session_token })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason.error_type).toBe('totp_code_already_authenticated');
    }
    expect((await liveTotp(member))[0].failed_attempts).toBe(0);
  });

  it('sets the member’s MFA enrollment and default method when asked', async () => {
    const { organization_id, member_id, member, secret, session_token } = await memberWithSessionAndTotp();
    await knex()('members')
      .where({ id: uuidOf(member_id) })
      .update({ default_mfa_method: 'sms_otp' });
    const auth = await client().totps.authenticate({
      organization_id,
      member_id,
      code: codeOf(secret),
      session_token,
      set_mfa_enrollment: 'enroll',
      set_default_mfa: true,
    });
    expect(auth.member).toMatchObject({ mfa_enrolled: true, default_mfa_method: 'totp' });
    // Enrolled: the next login asks for the second factor, naming the registration.
    const next = await login(organization_id, member);
    expect(next.member_authenticated).toBe(false);
    expect(next.mfa_required?.member_options?.totp_registration_id).toMatch(/^member-totp-test-/);
  });

  describe('create', () => {
    it('refuses a second registration once one is verified', async () => {
      const { organization_id, member_id, member } = await memberWithSessionAndTotp();
      await expectStytchError(client().totps.create({ organization_id, member_id }), 400, 'active_totp_exists');
      expect(await totpRows(member)).toHaveLength(1);
    });

    it('replaces a registration still pending; concurrent creates leave exactly one', async () => {
      const { organization_id, member_id, member } = await orgAndMember();
      const results = await Promise.all(Array.from({ length: 5 }, () => client().totps.create({ organization_id, member_id })));
      expect(new Set(results.map((r) => r.totp_registration_id)).size).toBe(5);
      const live = await liveTotp(member);
      expect(live).toHaveLength(1);
      expect(results.map((r) => uuidOf(r.totp_registration_id))).toContain(live[0].id);
      expect(await totpRows(member)).toHaveLength(5);
    });

    it('refuses an intermediate session of another member, creating nothing', async () => {
      const { organization_id, member_id, member } = await orgAndMember(MFA_ORG);
      const other = await createMember(client(), organization_id, { email_address: `${unique('other')}@acme.com` });
      const ist = (await login(organization_id, other)).intermediate_session_token;
      await expectStytchError(
        client().totps.create({ organization_id, member_id, intermediate_session_token: ist }),
        400,
        'intermediate_session_member_mismatch',
      );
      expect(await totpRows(member)).toHaveLength(0);
    });

    it('asks for the member’s intermediate session or session once they have another verified MFA factor', async () => {
      const { organization_id, member_id, member } = await orgAndMember(MFA_ORG, { mfa_phone_number: '+14155550123' });
      await knex()('members')
        .where({ id: uuidOf(member_id) })
        .update({ mfa_phone_number_verified: true });
      await expectStytchError(client().totps.create({ organization_id, member_id }), 400, 'no_session_arguments');
      expect(await totpRows(member)).toHaveLength(0);
      const { intermediate_session_token } = await login(organization_id, member);
      const created = await client().totps.create({ organization_id, member_id, intermediate_session_token });
      expect(created.totp_registration_id).toMatch(/^member-totp-test-/);
    });

    it('refuses members who are not active', async () => {
      const { organization_id, member_id, member } = await orgAndMember({}, { create_member_as_pending: true });
      await expectStytchError(client().totps.create({ organization_id, member_id }), 400, 'action_available_only_for_active_members');
      expect(await totpRows(member)).toHaveLength(0);
    });
  });

  describe('authenticate refuses, counting nothing,', () => {
    it('a code that is not six digits, or is a recovery code', async () => {
      const { organization_id, member_id, member, session_token } = await memberWithSessionAndTotp();
      await expectStytchError(
        client().totps.authenticate({ organization_id, member_id, code: '12345', session_token }),
        400,
        'invalid_totp_code',
      );
      await expectStytchError(
        client().totps.authenticate({ organization_id, member_id, code: 'abcd-efgh-2345', session_token }),
        400,
        'recovery_code_used_as_totp_code',
      );
      expect((await liveTotp(member))[0].failed_attempts).toBe(0);
    });

    it('a code without an intermediate session or session (TOTP is a second factor)', async () => {
      const { organization_id, member_id, member, secret } = await memberWithSessionAndTotp();
      await expectStytchError(
        client().totps.authenticate({ organization_id, member_id, code: codeOf(secret) }),
        400,
        'no_session_arguments',
      );
      expect((await liveTotp(member))[0]).toMatchObject({ failed_attempts: 0, last_used_step: null });
    });

    it('the intermediate session of another member', async () => {
      const { organization_id, member_id, member } = await orgAndMember(MFA_ORG);
      const secret = new Secret({ size: 20 }).base32;
      await client().totps.migrate({ organization_id, member_id, secret, recovery_codes: [] });
      const other = await createMember(client(), organization_id, { email_address: `${unique('other')}@acme.com` });
      const ist = (await login(organization_id, other)).intermediate_session_token;
      await expectStytchError(
        client().totps.authenticate({ organization_id, member_id, code: codeOf(secret), intermediate_session_token: ist }),
        400,
        'intermediate_session_member_mismatch',
      );
      expect((await liveTotp(member))[0]).toMatchObject({ failed_attempts: 0, last_used_step: null });
    });

    it('TOTP where the organization restricts MFA to SMS (breakglass members excepted)', async () => {
      const restricted = { mfa_methods: 'RESTRICTED', allowed_mfa_methods: ['sms_otp'] };
      const { organization_id, member_id, member } = await orgAndMember(restricted);
      await expectStytchError(
        client().totps.create({ organization_id, member_id }),
        403,
        'operation_restricted_by_organization_mfa_methods',
      );
      expect(await totpRows(member)).toHaveLength(0);
      const secret = new Secret({ size: 20 }).base32;
      await client().totps.migrate({ organization_id, member_id, secret, recovery_codes: [] });
      await expectStytchError(
        client().totps.authenticate({ organization_id, member_id, code: codeOf(secret) }),
        403,
        'operation_restricted_by_organization_mfa_methods',
      );
      const breakglass = await createMember(client(), organization_id, { email_address: `${unique('bg')}@acme.com`, is_breakglass: true });
      const created = await client().totps.create({ organization_id, member_id: breakglass.member_id });
      expect(created.totp_registration_id).toMatch(/^member-totp-test-/);
    });

    it("another organization's member and another project's organization: not found", async () => {
      const { organization_id, member_id, secret, session_token } = await memberWithSessionAndTotp();
      const elsewhere = await createOrganization(client());
      await expectStytchError(client().totps.create({ organization_id: elsewhere.organization_id, member_id }), 404, 'member_not_found');
      await expectStytchError(
        client().totps.authenticate({ organization_id: elsewhere.organization_id, member_id, code: codeOf(secret), session_token }),
        404,
        'member_not_found',
      );
      const other = await ctx.app.newProject();
      await expectStytchError(other.client.totps.create({ organization_id, member_id }), 404, 'organization_not_found');
      await expectStytchError(other.client.organizations.members.deleteTOTP({ organization_id, member_id }), 404, 'organization_not_found');
    });
  });

  describe('organizations.members.deleteTOTP', () => {
    it('deletes the registration and its recovery codes; its codes then fail and a new one can be created', async () => {
      const { organization_id, member_id, member, secret, session_token } = await memberWithSessionAndTotp();
      await knex()('members')
        .where({ id: uuidOf(member_id) })
        .update({ default_mfa_method: 'totp' });
      const { member: after } = await client().organizations.members.deleteTOTP({ organization_id, member_id });
      expect(after.default_mfa_method).toBe('');
      expect(await liveTotp(member)).toHaveLength(0);
      const [deleted] = await totpRows(member);
      expect(await knex()('totp_recovery_codes').where({ totp_id: deleted.id })).toHaveLength(0);
      await expectStytchError(
        client().totps.authenticate({ organization_id, member_id, code: codeOf(secret), session_token }),
        404,
        'totp_not_found',
      );
      expect((await client().totps.create({ organization_id, member_id })).totp_registration_id).toMatch(/^member-totp-test-/);
    });

    it('answers concurrent deletions alike, deleting once', async () => {
      const { organization_id, member_id, member } = await memberWithSessionAndTotp();
      const results = await Promise.all(
        Array.from({ length: 6 }, () => client().organizations.members.deleteTOTP({ organization_id, member_id })),
      );
      expect(results.every((r) => r.member_id === member_id)).toBe(true);
      const rows = await totpRows(member);
      expect(rows).toHaveLength(1);
      expect(rows[0].deleted_at).not.toBeNull();
      expect(
        (
          await knex()('members')
            .where({ id: uuidOf(member_id) })
            .first()
        ).totp_registration_id,
      ).toBeNull();
    });
  });

  describe('migrate', () => {
    it('imports a secret and recovery codes as a verified registration', async () => {
      const { organization_id, member_id, member } = await orgAndMember(MFA_ORG);
      const secret = new Secret({ size: 20 }).base32;
      const migrated = await client().totps.migrate({ organization_id, member_id, secret, recovery_codes: ['old-code-1', 'old-code-2'] });
      expect(migrated.recovery_codes).toEqual(['old-code-1', 'old-code-2']);
      expect(
        (
          await knex()('members')
            .where({ id: uuidOf(member_id) })
            .first()
        ).totp_registration_id,
      ).toBe(uuidOf(migrated.totp_registration_id));
      const first = await login(organization_id, member);
      expect(first.mfa_required?.member_options?.totp_registration_id).toBe(migrated.totp_registration_id);
      const auth = await client().totps.authenticate({
        organization_id,
        member_id,
        code: codeOf(secret),
        intermediate_session_token: first.intermediate_session_token,
      });
      expect(auth.member_session!.authentication_factors.map((f) => f.type)).toEqual(['magic_link', 'totp']);
    });

    it('mints ten recovery codes when none are given, and refuses a secret that is not base32', async () => {
      const { organization_id, member_id, member } = await orgAndMember();
      await expectStytchError(
        client().totps.migrate({ organization_id, member_id, secret: 'not base32 at all!', recovery_codes: [] }),
        400,
        'invalid_totp_secret',
      );
      expect(await totpRows(member)).toHaveLength(0);
      const migrated = await client().totps.migrate({ organization_id, member_id, secret: new Secret().base32, recovery_codes: [] });
      expect(migrated.recovery_codes).toHaveLength(10);
    });
  });
});
