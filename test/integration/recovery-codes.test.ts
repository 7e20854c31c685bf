import { Secret, TOTP } from 'otpauth';
import { loginByLink } from '../helpers/login';
import { useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { createMember, createOrganization, unique } from '../helpers/factories';

type Member = Awaited<ReturnType<typeof createMember>>;

const codeOf = (secret: string) => TOTP.generate({ secret: Secret.fromBase32(secret) });
const MFA_ORG = { mfa_policy: 'REQUIRED_FOR_ALL' };
const ROSTER_CODE = /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/;

describe('recovery codes', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });

  const client = () => ctx.app.project.client;
  const knex = () => ctx.app.container.knex;
  const uuidOf = (publicId: string) => publicId.replace(/^[a-z-]+-(test|live)-/, '');
  const liveTotp = async (member: Member) =>
    knex()('member_totps')
      .where({ member_id: uuidOf(member.member_id) })
      .whereNull('deleted_at')
      .first();

  /** Logs the member in by a magic link: a session, or an intermediate session when the organization asks for more. */
  const login = (organization_id: string, member: Member) =>
    loginByLink(ctx, organization_id, member.email_address, { session_duration_minutes: 60 });

  /** A member with a verified TOTP registration (created, then verified by a code during an MFA login) and its recovery codes. */
  async function enrolledMember(orgSettings: Record<string, unknown> = MFA_ORG) {
    const organization = await createOrganization(client(), orgSettings);
    const organization_id = organization.organization_id;
    const member = await createMember(client(), organization_id, { email_address: `${unique('member')}@acme.com` });
    const member_id = member.member_id;
    const created = await client().totps.create({ organization_id, member_id });
    const first = await login(organization_id, member);
    // An MFA login completes with the code; otherwise the code joins the session the login gave.
    const prior = first.member_authenticated
      ? { session_token: first.session_token }
      : { intermediate_session_token: first.intermediate_session_token };
    const auth = await client().totps.authenticate({ organization_id, member_id, code: codeOf(created.secret), ...prior });
    return { organization_id, member_id, member, secret: created.secret, codes: created.recovery_codes, session_token: auth.session_token };
  }

  it('shows the codes of a verified registration, and none before it is verified', async () => {
    const organization = await createOrganization(client());
    const member = await createMember(client(), organization.organization_id, { email_address: `${unique('member')}@acme.com` });
    const ids = { organization_id: organization.organization_id, member_id: member.member_id };
    const created = await client().totps.create(ids);
    expect(created.recovery_codes.every((c) => ROSTER_CODE.test(c))).toBe(true);
    await expectStytchError(client().recoveryCodes.get(ids), 400, 'no_active_recovery_code_backed_factor');

    const { organization_id, member_id, codes } = await enrolledMember();
    const got = await client().recoveryCodes.get({ organization_id, member_id });
    expect(got.recovery_codes).toEqual(codes);
    expect(got.member.member_id).toBe(member_id);
    // Stored hashed and sealed, never in clear.
    const stored = await knex()('totp_recovery_codes').whereIn(
      'totp_id',
      knex()('member_totps')
        .select('id')
        .where({ member_id: uuidOf(member_id) }),
    );
    expect(stored).toHaveLength(10);
    const raw = JSON.stringify(stored.map((r) => [r.code_hash.toString('latin1'), r.code_sealed.toString('latin1')]));
    for (const code of codes) expect(raw).not.toContain(code);
  });

  it('completes an MFA login with a recovery code, which works once', async () => {
    const { organization_id, member_id, member, codes } = await enrolledMember();
    const { intermediate_session_token } = await login(organization_id, member);
    const recovered = await client().recoveryCodes.recover({
      organization_id,
      member_id,
      recovery_code: codes[3],
      intermediate_session_token,
    });
    expect(recovered.recovery_codes_remaining).toBe(9);
    expect(recovered.member_session!.authentication_factors.map((f) => f.type)).toEqual(['magic_link', 'recovery_codes']);
    expect(recovered.member_session!.authentication_factors[1]).toMatchObject({
      delivery_method: 'recovery_code',
      recovery_code_factor: { totp_recovery_code_id: expect.stringMatching(/^recovery-code-test-/) },
    });
    expect((await client().sessions.authenticate({ session_token: recovered.session_token })).member.member_id).toBe(member_id);

    const again = await login(organization_id, member);
    await expectStytchError(
      client().recoveryCodes.recover({
        organization_id,
        member_id,
        recovery_code: codes[3],
        intermediate_session_token: again.intermediate_session_token,
      }),
      401,
      'unable_to_authenticate_recovery_code',
    );
    expect((await client().recoveryCodes.get({ organization_id, member_id })).recovery_codes).toEqual(codes.filter((_, i) => i !== 3));
  });

  it('lets exactly one of ten concurrent recoveries with the same code succeed', async () => {
    const { organization_id, member_id, codes, session_token } = await enrolledMember();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        client().recoveryCodes.recover({ organization_id, member_id, recovery_code: codes[0], session_token }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect((won[0] as PromiseFulfilledResult<{ recovery_codes_remaining: number }>).value.recovery_codes_remaining).toBe(9);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason.error_type).toBe('unable_to_authenticate_recovery_code');
    }
    expect((await client().recoveryCodes.get({ organization_id, member_id })).recovery_codes).toHaveLength(9);
  });

  it('rotates: the old codes stop working and the new ones work', async () => {
    const { organization_id, member_id, codes, session_token } = await enrolledMember();
    const rotated = await client().recoveryCodes.rotate({ organization_id, member_id });
    expect(rotated.recovery_codes).toHaveLength(10);
    expect(rotated.recovery_codes.some((c) => codes.includes(c))).toBe(false);
    await expectStytchError(
      client().recoveryCodes.recover({ organization_id, member_id, recovery_code: codes[0], session_token }),
      401,
      'unable_to_authenticate_recovery_code',
    );
    const recovered = await client().recoveryCodes.recover({
      organization_id,
      member_id,
      recovery_code: rotated.recovery_codes[0],
      session_token,
    });
    expect(recovered.recovery_codes_remaining).toBe(9);
    expect((await client().recoveryCodes.get({ organization_id, member_id })).recovery_codes).toEqual(rotated.recovery_codes.slice(1));
  });

  it('leaves one set of ten after concurrent rotations: the set one of them returned', async () => {
    const { organization_id, member_id } = await enrolledMember();
    const results = await Promise.all(Array.from({ length: 6 }, () => client().recoveryCodes.rotate({ organization_id, member_id })));
    const { recovery_codes } = await client().recoveryCodes.get({ organization_id, member_id });
    expect(recovery_codes).toHaveLength(10);
    expect(results.filter((r) => JSON.stringify(r.recovery_codes) === JSON.stringify(recovery_codes))).toHaveLength(1);
  });

  it('counts wrong recovery codes with wrong TOTP codes: five lock both, even against a right one', async () => {
    const { organization_id, member_id, member, secret, codes, session_token } = await enrolledMember();
    for (let i = 0; i < 5; i++) {
      await expectStytchError(
        client().recoveryCodes.recover({ organization_id, member_id, recovery_code: `zzzz-zzzz-zzz${i + 2}`, session_token }),
        401,
        'unable_to_authenticate_recovery_code',
      );
    }
    await expectStytchError(
      client().recoveryCodes.recover({ organization_id, member_id, recovery_code: codes[0], session_token }),
      429,
      'too_many_requests',
    );
    await expectStytchError(
      client().totps.authenticate({ organization_id, member_id, code: codeOf(secret), session_token }),
      429,
      'too_many_requests',
    );
    expect(new Date((await liveTotp(member)).locked_until).getTime()).toBeGreaterThan(Date.now());
    expect((await client().recoveryCodes.get({ organization_id, member_id })).recovery_codes).toHaveLength(10);
  });

  describe('refuses, counting nothing,', () => {
    it('a TOTP code given as a recovery code, and a recovery without a prior authentication', async () => {
      const { organization_id, member_id, member, codes, session_token } = await enrolledMember();
      await expectStytchError(
        client().recoveryCodes.recover({ organization_id, member_id, recovery_code: '123456', session_token }),
        400,
        'totp_code_used_as_recovery_code',
      );
      await expectStytchError(
        client().recoveryCodes.recover({ organization_id, member_id, recovery_code: codes[0] }),
        400,
        'no_session_arguments',
      );
      expect((await liveTotp(member)).failed_attempts).toBe(0);
      expect((await client().recoveryCodes.get({ organization_id, member_id })).recovery_codes).toHaveLength(10);
    });

    it('recovery where the organization restricts MFA to SMS', async () => {
      const { organization_id, member_id, member, codes, session_token } = await enrolledMember({});
      await client().organizations.update({ organization_id, mfa_methods: 'RESTRICTED', allowed_mfa_methods: ['sms_otp'] });
      await expectStytchError(
        client().recoveryCodes.recover({ organization_id, member_id, recovery_code: codes[0], session_token }),
        403,
        'operation_restricted_by_organization_mfa_methods',
      );
      expect((await liveTotp(member)).failed_attempts).toBe(0);
    });

    it("another organization's member and another project's organization", async () => {
      const { organization_id, member_id, codes, session_token } = await enrolledMember();
      const elsewhere = await createOrganization(client());
      const there = { organization_id: elsewhere.organization_id, member_id };
      await expectStytchError(client().recoveryCodes.get(there), 404, 'member_not_found');
      await expectStytchError(client().recoveryCodes.rotate(there), 404, 'member_not_found');
      await expectStytchError(
        client().recoveryCodes.recover({ ...there, recovery_code: codes[0], session_token }),
        404,
        'member_not_found',
      );
      const other = await ctx.app.newProject();
      await expectStytchError(other.client.recoveryCodes.get({ organization_id, member_id }), 404, 'organization_not_found');
      await expectStytchError(other.client.recoveryCodes.rotate({ organization_id, member_id }), 404, 'organization_not_found');
      expect((await client().recoveryCodes.get({ organization_id, member_id })).recovery_codes).toEqual(codes);
    });
  });

  it('go with the registration when it is deleted', async () => {
    const { organization_id, member_id, codes, session_token } = await enrolledMember();
    await client().organizations.members.deleteTOTP({ organization_id, member_id });
    await expectStytchError(client().recoveryCodes.get({ organization_id, member_id }), 400, 'no_active_recovery_code_backed_factor');
    await expectStytchError(
      client().recoveryCodes.recover({ organization_id, member_id, recovery_code: codes[0], session_token }),
      400,
      'no_active_recovery_code_backed_factor',
    );
  });
});
