import * as OTPAuth from 'otpauth';
import { useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { createOrganization, unique } from '../helpers/factories';
import { allowAnotherEmail } from '../helpers/login';

/**
 * Issue 10's journey, end to end through the official SDK: one person,
 * members in four organizations (two open, one requiring MFA, one allowing
 * only SSO), logs in once by a discovery link, sees them all, enters one,
 * moves between the others by session exchange — each organization's own
 * rules holding — creates a fifth through discovery, and is refused what
 * its roles do not allow.
 */
describe('discovery, session exchange, MFA and RBAC: one person across organizations', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });
  const client = () => ctx.app.project.client;

  const domain = `${unique('journey')}.example`;
  const email = `ada@${domain}`;
  let open: { organization_id: string };
  let second: { organization_id: string };
  let strict: { organization_id: string };
  let ssoOnly: { organization_id: string };
  let strictMemberId: string;
  let totp: OTPAuth.TOTP;

  /** A discovery login: the link is sent through the outbox, workers and SMTP, and redeemed for an intermediate session. */
  async function discoveryLogin() {
    const before = ctx.smtp.messages.filter((m) => m.to.includes(email)).length;
    await allowAnotherEmail(ctx, email);
    await client().magicLinks.email.discovery.send({ email_address: email });
    const message = await ctx.smtp.nthMessageTo(email, before + 1);
    expect(message.link).toContain('stytch_token_type=discovery');
    return client().magicLinks.discovery.authenticate({ discovery_magic_links_token: message.token });
  }

  beforeAll(async () => {
    open = await createOrganization(client(), { organization_name: 'Open' });
    second = await createOrganization(client(), { organization_name: 'Second' });
    strict = await createOrganization(client(), { organization_name: 'Strict', mfa_policy: 'REQUIRED_FOR_ALL' });
    ssoOnly = await createOrganization(client(), {
      organization_name: 'SSO only',
      auth_methods: 'RESTRICTED',
      allowed_auth_methods: ['sso'],
    });
    for (const organization of [open, second, strict, ssoOnly]) {
      const { member } = await client().organizations.members.create({
        organization_id: organization.organization_id,
        email_address: email,
      });
      if (organization === strict) strictMemberId = member.member_id;
    }
    // The strict organization's member uses an authenticator app (its secret brought over from a former system).
    const secret = new OTPAuth.Secret();
    await client().totps.migrate({
      organization_id: strict.organization_id,
      member_id: strictMemberId,
      secret: secret.base32,
      recovery_codes: [],
    });
    totp = new OTPAuth.TOTP({ secret });
  });

  it('logs in once, moves between organizations under each one’s rules, and creates a new one', async () => {
    // Discovery: every organization the address belongs to, with what each still asks for.
    const discovered = await discoveryLogin();
    expect(discovered.email_address).toBe(email);
    const byId = new Map(discovered.discovered_organizations.map((d) => [d.organization!.organization_id, d]));
    expect([...byId.keys()].sort()).toEqual([open, second, strict, ssoOnly].map((o) => o.organization_id).sort());
    for (const d of byId.values()) expect(d.membership!.type).toBe('active_member');
    // member_authenticated: whether the factors proved so far meet that organization's requirements.
    expect(byId.get(open.organization_id)!.member_authenticated).toBe(true);
    expect(byId.get(strict.organization_id)!.member_authenticated).toBe(false);
    expect(byId.get(ssoOnly.organization_id)!.member_authenticated).toBe(false);
    expect(byId.get(strict.organization_id)!.mfa_required).toBeTruthy();
    expect(byId.get(ssoOnly.organization_id)!.primary_required).toEqual({ allowed_auth_methods: ['sso'] });

    // Enter the open organization with the discovery session.
    const entered = await client().discovery.intermediateSessions.exchange({
      intermediate_session_token: discovered.intermediate_session_token,
      organization_id: open.organization_id,
    });
    expect(entered.member_authenticated).toBe(true);
    expect(entered.member_session!.organization_id).toBe(open.organization_id);

    // Exchange into the second open organization: granted, a session bound to that organization only.
    const moved = await client().sessions.exchange({ organization_id: second.organization_id, session_token: entered.session_token });
    expect(moved.member_authenticated).toBe(true);
    expect(moved.member_session!.organization_id).toBe(second.organization_id);
    expect(moved.session_token).not.toBe(entered.session_token);
    expect(moved.member_session!.authentication_factors.map((f) => f.type)).toEqual(['magic_link']);

    // Into the MFA organization: the email factor travels, MFA is still asked for; TOTP completes it.
    const toStrict = await client().sessions.exchange({ organization_id: strict.organization_id, session_token: moved.session_token });
    expect(toStrict.member_authenticated).toBe(false);
    expect(toStrict.session_token).toBe('');
    expect(toStrict.mfa_required!.member_options!.totp_registration_id).not.toBe('');
    const completed = await client().totps.authenticate({
      organization_id: strict.organization_id,
      member_id: strictMemberId,
      code: totp.generate(),
      intermediate_session_token: toStrict.intermediate_session_token,
    });
    expect(completed.member_session!.organization_id).toBe(strict.organization_id);
    expect(completed.member_session!.authentication_factors.map((f) => f.type).sort()).toEqual(['magic_link', 'totp']);
    const strictSession = await client().sessions.authenticate({ session_token: completed.session_token });
    expect(strictSession.member.member_id).toBe(strictMemberId);

    // Into the SSO-only organization: an email factor is not one it accepts.
    const toSso = await client().sessions.exchange({ organization_id: ssoOnly.organization_id, session_token: moved.session_token });
    expect(toSso.member_authenticated).toBe(false);
    expect(toSso.primary_required).toEqual({ allowed_auth_methods: ['sso'] });
    expect(toSso.session_token).toBe('');

    // A fifth organization through discovery: the caller is its first member, an admin.
    const again = await discoveryLogin();
    const created = await client().discovery.organizations.create({ intermediate_session_token: again.intermediate_session_token });
    expect(created.member_authenticated).toBe(true);
    expect(created.organization!.organization_slug).toBeTruthy();
    expect(created.member.roles.map((r) => r.role_id)).toContain('stytch_admin');
    const listed = await client().discovery.organizations.list({ session_token: created.session_token });
    expect(listed.discovered_organizations).toHaveLength(5);
  });

  it('lets each session do only what its roles allow, and only in its own organization', async () => {
    const discovered = await discoveryLogin();
    const plain = await client().discovery.intermediateSessions.exchange({
      intermediate_session_token: discovered.intermediate_session_token,
      organization_id: open.organization_id,
    });
    // A plain member (stytch_member) may not rename its organization.
    await expectStytchError(
      client().organizations.update(
        { organization_id: open.organization_id, organization_name: 'Renamed' },
        { authorization: { session_token: plain.session_token } },
      ),
      403,
      'session_authorization_error',
    );
    expect((await client().organizations.get({ organization_id: open.organization_id })).organization.organization_name).toBe('Open');

    // The admin of an organization it created may, there — and nowhere else.
    const again = await discoveryLogin();
    const own = await client().discovery.organizations.create({
      intermediate_session_token: again.intermediate_session_token,
      organization_name: 'Ada Ltd',
    });
    const renamed = await client().organizations.update(
      { organization_id: own.organization!.organization_id, organization_name: 'Ada Limited' },
      { authorization: { session_jwt: own.session_jwt } },
    );
    expect(renamed.organization.organization_name).toBe('Ada Limited');
    await expectStytchError(
      client().organizations.update(
        { organization_id: open.organization_id, organization_name: 'Taken over' },
        { authorization: { session_jwt: own.session_jwt } },
      ),
      403,
      'session_authorization_tenancy_error',
    );
    // The session answers authorization checks the same way.
    const allowed = await client().sessions.authenticate({
      session_token: own.session_token,
      authorization_check: { organization_id: own.organization!.organization_id, resource_id: 'stytch.organization', action: 'delete' },
    });
    expect(allowed.verdict?.authorized).toBe(true);
    await expectStytchError(
      client().sessions.authenticate({
        session_token: plain.session_token,
        authorization_check: { organization_id: open.organization_id, resource_id: 'stytch.organization', action: 'delete' },
      }),
      403,
      'session_authorization_error',
    );
  });
});
