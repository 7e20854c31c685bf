import { createHash } from 'node:crypto';
import type { B2BClient } from 'stytch';
import { discoveryQuery } from '../../src/repositories/discovery.repository';
import { useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { discoveryProofs } from '../helpers/discovery';
import { createMember, createOrganization, unique } from '../helpers/factories';

type Discovered = Awaited<ReturnType<B2BClient['discovery']['organizations']['list']>>['discovered_organizations'][number];

describe('discovery', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });
  const client = () => ctx.app.project.client;
  const knex = () => ctx.app.container.knex;
  const { discoveryLink, discoveryCode, expire, proveByLink, proveByCode } = discoveryProofs(ctx);

  /** A fresh domain per test, so organizations open to a domain never leak between tests. */
  const newDomain = () => `${unique('corp')}.com`;
  const byOrganization = (found: Discovered[]) => new Map(found.map((d) => [d.organization!.organization_id, d]));
  const orgCount = () =>
    knex()('organizations')
      .count<{ count: string }[]>('* as count')
      .then(([r]) => Number(r.count));

  /** A person with a member in three organizations: open (active), MFA required for all (pending), SSO only (invited). */
  async function personInThreeOrganizations() {
    const email = `${unique('ada')}@${newDomain()}`;
    const open = await createOrganization(client(), { organization_name: 'Open' });
    const mfa = await createOrganization(client(), { organization_name: 'MFA', mfa_policy: 'REQUIRED_FOR_ALL' });
    const sso = await createOrganization(client(), {
      organization_name: 'SSO only',
      auth_methods: 'RESTRICTED',
      allowed_auth_methods: ['sso'],
    });
    await createMember(client(), open.organization_id, { email_address: email });
    await createMember(client(), mfa.organization_id, { email_address: email, create_member_as_pending: true });
    await client().magicLinks.email.invite({ organization_id: sso.organization_id, email_address: email });
    return { email, open, mfa, sso };
  }

  /** An organization that provisions `domain` just in time. */
  const openToDomain = (domain: string, overrides: Record<string, unknown> = {}) =>
    createOrganization(client(), { email_jit_provisioning: 'RESTRICTED', email_allowed_domains: [domain], ...overrides });

  /** Makes a verified member on the organization: a colleague who proves their address and enters. */
  async function verifiedColleague(organizationId: string, domain: string) {
    const email = `${unique('colleague')}@${domain}`;
    await createMember(client(), organizationId, { email_address: email });
    const { intermediate_session_token } = await proveByLink(email);
    const entered = await client().discovery.intermediateSessions.exchange({ intermediate_session_token, organization_id: organizationId });
    expect(entered.member.email_address_verified).toBe(true);
    return email;
  }

  it('discovers every membership with its type and what the organization requires (magic link)', async () => {
    const { email, open, mfa, sso } = await personInThreeOrganizations();
    const found = await proveByLink(email);

    expect(found.email_address).toBe(email);
    expect(found.intermediate_session_token).toEqual(expect.any(String));
    expect(new Date(found.intermediate_session_token_expires_at!).getTime()).toBeGreaterThan(Date.now() + 9 * 60_000);
    expect(found.discovered_organizations).toHaveLength(3);
    const orgs = byOrganization(found.discovered_organizations);

    const inOpen = orgs.get(open.organization_id)!;
    expect(inOpen.membership).toEqual({
      type: 'active_member',
      member: expect.objectContaining({ email_address: email, status: 'active' }),
    });
    expect(inOpen.member_authenticated).toBe(true);
    expect(inOpen.mfa_required).toBeUndefined();
    expect(inOpen.primary_required).toBeUndefined();

    const inMfa = orgs.get(mfa.organization_id)!;
    expect(inMfa.membership!.type).toBe('pending_member');
    expect(inMfa.member_authenticated).toBe(false);
    expect(inMfa.mfa_required).toEqual({ member_options: { mfa_phone_number: '', totp_registration_id: '' } });
    expect(inMfa.primary_required).toBeUndefined();

    const inSso = orgs.get(sso.organization_id)!;
    expect(inSso.membership!.type).toBe('invited_member');
    expect(inSso.member_authenticated).toBe(false);
    expect(inSso.primary_required).toEqual({ allowed_auth_methods: ['sso'] });
  });

  it('discovers the same by an email passcode, which works once', async () => {
    const { email, open } = await personInThreeOrganizations();
    const code = await discoveryCode(email);
    const found = await client().otps.email.discovery.authenticate({ email_address: email, code });
    expect(found.email_address).toBe(email);
    expect(found.discovered_organizations.map((d) => d.membership!.type).sort()).toEqual([
      'active_member',
      'invited_member',
      'pending_member',
    ]);
    expect(byOrganization(found.discovered_organizations).get(open.organization_id)!.member_authenticated).toBe(true);

    await expectStytchError(client().otps.email.discovery.authenticate({ email_address: email, code }), 404, 'otp_code_not_found');
  });

  it('refuses a wrong or malformed passcode and counts the guess', async () => {
    const email = `${unique('bo')}@${newDomain()}`;
    const code = await discoveryCode(email);
    const wrong = code === '000000' ? '000001' : '000000';
    await expectStytchError(client().otps.email.discovery.authenticate({ email_address: email, code: wrong }), 404, 'otp_code_not_found');
    await expectStytchError(client().otps.email.discovery.authenticate({ email_address: email, code: 'abc' }), 400, 'invalid_code');
    const [row] = await knex()('otp_codes').where({ destination: email.toLowerCase() });
    expect(row.attempts).toBe(1);
    // The right code still works after one wrong guess.
    const found = await client().otps.email.discovery.authenticate({ email_address: email, code });
    expect(found.discovered_organizations).toEqual([]);
  });

  it('redeems one passcode exactly once when ten requests race', async () => {
    const email = `${unique('race')}@${newDomain()}`;
    const code = await discoveryCode(email);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => client().otps.email.discovery.authenticate({ email_address: email, code })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason.error_type).toBe('otp_code_not_found');
    expect(await knex()('intermediate_sessions').where({ email_normalized: email.toLowerCase() })).toHaveLength(1);
  });

  it('redeems one discovery link exactly once when ten requests race', async () => {
    const email = `${unique('race')}@${newDomain()}`;
    const token = await discoveryLink(email);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => client().magicLinks.discovery.authenticate({ discovery_magic_links_token: token })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason.error_type).toBe('unable_to_auth_magic_link');
    }
    expect(await knex()('intermediate_sessions').where({ email_normalized: email.toLowerCase() })).toHaveLength(1);
  });

  it('refuses expired, unknown and organization links, and checks PKCE', async () => {
    const email = `${unique('pk')}@${newDomain()}`;
    const expired = await discoveryLink(email);
    await expire(expired);
    await expectStytchError(
      client().magicLinks.discovery.authenticate({ discovery_magic_links_token: expired }),
      401,
      'unable_to_auth_magic_link',
    );
    await expectStytchError(
      client().magicLinks.discovery.authenticate({ discovery_magic_links_token: 'no-such-token' }),
      401,
      'unable_to_auth_magic_link',
    );

    const verifier = 'v'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const token = await discoveryLink(email, { pkceChallenge: challenge });
    await expectStytchError(
      client().magicLinks.discovery.authenticate({ discovery_magic_links_token: token }),
      400,
      'pkce_expected_code_verifier',
    );
    await expectStytchError(
      client().magicLinks.discovery.authenticate({ discovery_magic_links_token: token, pkce_code_verifier: 'w'.repeat(43) }),
      400,
      'pkce_mismatch',
    );
    // Refusals spend nothing: the right verifier still works.
    const found = await client().magicLinks.discovery.authenticate({ discovery_magic_links_token: token, pkce_code_verifier: verifier });
    expect(found.email_address).toBe(email);

    // An organization's login link is redeemed by magic_links.authenticate, not here.
    const organization = await createOrganization(client());
    const member = await createMember(client(), organization.organization_id);
    await client().magicLinks.email.loginOrSignup({ organization_id: organization.organization_id, email_address: member.email_address });
    const login = await ctx.smtp.messageTo(member.email_address);
    await expectStytchError(
      client().magicLinks.discovery.authenticate({ discovery_magic_links_token: login.token }),
      401,
      'unable_to_auth_magic_link',
    );
    // Refused without being spent: it still logs the member in where it belongs.
    expect((await client().magicLinks.authenticate({ magic_links_token: login.token })).member_authenticated).toBe(true);
  });

  it('never shows deleted members, deleted organizations, or another project', async () => {
    const email = `${unique('gone')}@${newDomain()}`;
    const kept = await createOrganization(client());
    await createMember(client(), kept.organization_id, { email_address: email });
    const memberGone = await createOrganization(client());
    const deletedMember = await createMember(client(), memberGone.organization_id, { email_address: email });
    await client().organizations.members.delete({ organization_id: memberGone.organization_id, member_id: deletedMember.member_id });
    const orgGone = await createOrganization(client());
    await createMember(client(), orgGone.organization_id, { email_address: email });
    await client().organizations.delete({ organization_id: orgGone.organization_id });
    const other = await ctx.app.newProject();
    const elsewhere = await createOrganization(other.client);
    await createMember(other.client, elsewhere.organization_id, { email_address: email });

    const found = await proveByLink(email);
    expect(found.discovered_organizations.map((d) => d.organization!.organization_id)).toEqual([kept.organization_id]);

    // The other project sees its own organization only, and this project's intermediate session is unknown there.
    const theirs = await discoveryProofs(ctx, () => other).proveByLink(email);
    expect(theirs.discovered_organizations.map((d) => d.organization!.organization_id)).toEqual([elsewhere.organization_id]);
    await expectStytchError(
      other.client.discovery.organizations.list({ intermediate_session_token: found.intermediate_session_token }),
      404,
      'intermediate_session_not_found',
    );
  });

  it('offers to join by email domain only beside a verified member on that domain', async () => {
    const domain = newDomain();
    const email = `${unique('newcomer')}@${domain}`;
    const open = await openToDomain(domain);
    await createOrganization(client(), { email_jit_provisioning: 'NOT_ALLOWED', email_allowed_domains: [domain] });
    await openToDomain(newDomain());
    // An unverified member on the domain is not enough (anyone can be added with any address).
    await createMember(client(), open.organization_id, { email_address: `${unique('unverified')}@${domain}` });

    expect((await proveByLink(email)).discovered_organizations).toEqual([]);

    await verifiedColleague(open.organization_id, domain);
    const found = await proveByLink(email);
    expect(found.discovered_organizations).toHaveLength(1);
    const [eligible] = found.discovered_organizations;
    expect(eligible.organization!.organization_id).toBe(open.organization_id);
    expect(eligible.membership).toEqual({ type: 'eligible_to_join_by_email_domain', details: { domain } });
    expect(eligible.member_authenticated).toBe(true);

    // A session lists memberships only: joining by domain takes an intermediate session.
    const colleague = await verifiedColleague(open.organization_id, domain);
    const { intermediate_session_token } = await proveByLink(colleague);
    const session = await client().discovery.intermediateSessions.exchange({
      intermediate_session_token,
      organization_id: open.organization_id,
    });
    const listed = await client().discovery.organizations.list({ session_token: session.session_token });
    expect(listed.discovered_organizations.map((d) => d.membership!.type)).toEqual(['active_member']);
  });

  it('lists from an intermediate session without spending it, and from a session by token or JWT', async () => {
    const { email, open, mfa } = await personInThreeOrganizations();
    const { intermediate_session_token } = await proveByCode(email);

    const first = await client().discovery.organizations.list({ intermediate_session_token });
    const again = await client().discovery.organizations.list({ intermediate_session_token });
    expect(again.discovered_organizations).toEqual(first.discovered_organizations);
    expect(first.email_address).toBe(email);
    expect(first.organization_id_hint).toBeUndefined();
    expect(first.discovered_organizations).toHaveLength(3);

    // Still usable: the listing spent nothing.
    const session = await client().discovery.intermediateSessions.exchange({
      intermediate_session_token,
      organization_id: open.organization_id,
    });
    for (const arg of [{ session_token: session.session_token }, { session_jwt: session.session_jwt }]) {
      const listed = await client().discovery.organizations.list(arg);
      expect(listed.email_address).toBe(email);
      expect(listed.organization_id_hint).toBeUndefined();
      const orgs = byOrganization(listed.discovered_organizations);
      expect(orgs.get(open.organization_id)!.member_authenticated).toBe(true);
      // The session's email factor travels; MFA is still due in the MFA organization.
      expect(orgs.get(mfa.organization_id)!.mfa_required).toEqual({ member_options: { mfa_phone_number: '', totp_registration_id: '' } });
    }

    // An intermediate session issued in one organization hints at it.
    const intoMfa = await client().discovery.intermediateSessions.exchange({
      intermediate_session_token: (await proveByLink(email)).intermediate_session_token,
      organization_id: mfa.organization_id,
    });
    const hinted = await client().discovery.organizations.list({ intermediate_session_token: intoMfa.intermediate_session_token });
    expect(hinted.organization_id_hint).toBe(mfa.organization_id);
  });

  it('lists from exactly one of intermediate_session_token, session_token and session_jwt', async () => {
    const { intermediate_session_token } = await proveByLink(`${unique('one')}@${newDomain()}`);
    await expectStytchError(client().discovery.organizations.list({}), 400, 'no_session_arguments');
    await expectStytchError(
      client().discovery.organizations.list({ intermediate_session_token, session_token: 'x' }),
      400,
      'too_many_session_arguments',
    );
    await expectStytchError(client().discovery.organizations.list({ session_token: 'no-such-session' }), 404, 'session_not_found');
    await expectStytchError(
      client().discovery.organizations.list({ intermediate_session_token: 'nope' }),
      404,
      'intermediate_session_not_found',
    );
  });

  describe('creating an organization', () => {
    it('makes the person its first member, stytch_admin, with a session; the slug comes from the email domain', async () => {
      const domain = newDomain();
      const email = `${unique('founder')}@${domain}`;
      const { intermediate_session_token } = await proveByLink(email);
      const created = await client().discovery.organizations.create({ intermediate_session_token, session_duration_minutes: 30 });

      const base = domain.slice(0, domain.lastIndexOf('.'));
      expect(created.organization.organization_slug).toBe(base);
      expect(created.organization.organization_name).toBe(base);
      expect(created.member_authenticated).toBe(true);
      expect(created.member).toMatchObject({ email_address: email, status: 'active', email_address_verified: true, is_admin: true });
      expect(created.member.roles.map((r) => r.role_id).sort()).toEqual(['stytch_admin', 'stytch_member']);
      expect(created.member_session!.authentication_factors.map((f) => f.type)).toEqual(['magic_link']);
      expect(created.intermediate_session_token).toBe('');
      const authenticated = await client().sessions.authenticate({ session_token: created.session_token });
      expect(authenticated.organization.organization_id).toBe(created.organization.organization_id);

      // The intermediate session is spent.
      await expectStytchError(
        client().discovery.organizations.create({ intermediate_session_token }),
        404,
        'intermediate_session_not_found',
      );

      // A colleague's organization gets the same base and a suffix.
      const second = await client().discovery.organizations.create({
        intermediate_session_token: (await proveByCode(`${unique('other')}@${domain}`)).intermediate_session_token,
      });
      expect(second.organization.organization_slug).toMatch(new RegExp(`^${base}-[0-9a-f]{8}$`));
    });

    it("names a consumer-mail founder's organization after the person, and takes the settings given", async () => {
      const local = unique('grace');
      const { intermediate_session_token } = await proveByLink(`${local}@gmail.com`);
      const created = await client().discovery.organizations.create({
        intermediate_session_token,
        organization_name: 'Grace Labs',
        mfa_policy: 'REQUIRED_FOR_ALL',
        email_invites: 'RESTRICTED',
        email_allowed_domains: ['gracelabs.com'],
      });
      expect(created.organization).toMatchObject({
        organization_name: 'Grace Labs',
        organization_slug: local,
        mfa_policy: 'REQUIRED_FOR_ALL',
        email_allowed_domains: ['gracelabs.com'],
      });
      // MFA is required of everyone, the founder included: an intermediate session, no session.
      expect(created.member_authenticated).toBe(false);
      expect(created.session_token).toBe('');
      expect(created.member_session).toBeUndefined();
      expect(created.mfa_required).toBeDefined();
      expect(created.intermediate_session_token).not.toBe(intermediate_session_token);
      expect(created.intermediate_session_token_expires_at).toEqual(expect.any(String));
    });

    it('refuses a taken slug and bad settings, creating nothing and keeping the intermediate session', async () => {
      const taken = await createOrganization(client());
      const { intermediate_session_token } = await proveByLink(`${unique('dup')}@${newDomain()}`);
      const before = await orgCount();
      await expectStytchError(
        client().discovery.organizations.create({ intermediate_session_token, organization_slug: taken.organization_slug }),
        400,
        'organization_slug_already_used',
      );
      await expectStytchError(
        client().discovery.organizations.create({ intermediate_session_token, auth_methods: 'RESTRICTED' }),
        400,
        'allowed_auth_methods_required_for_restricted',
      );
      await expectStytchError(
        client().discovery.organizations.create({ intermediate_session_token, session_duration_minutes: 1 }),
        400,
        'invalid_session_duration',
      );
      expect(await orgCount()).toBe(before);
      const created = await client().discovery.organizations.create({ intermediate_session_token });
      expect(created.member_authenticated).toBe(true);
    });

    it('creates one organization when five requests race with one intermediate session', async () => {
      const email = `${unique('racer')}@${newDomain()}`;
      const { intermediate_session_token } = await proveByLink(email);
      const before = await orgCount();
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) =>
          client().discovery.organizations.create({ intermediate_session_token, organization_name: `Race ${i}` }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((r) => r.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason.error_type).toBe('intermediate_session_not_found');
      }
      expect(await orgCount()).toBe(before + 1);
      expect(await knex()('members').where({ email_normalized: email.toLowerCase() })).toHaveLength(1);
    });

    it('gives two founders from one domain, racing, two distinct slugs', async () => {
      const domain = newDomain();
      const tokens: string[] = [];
      for (const i of [1, 2, 3]) tokens.push((await proveByLink(`founder${i}@${domain}`)).intermediate_session_token);
      const created = await Promise.all(tokens.map((t) => client().discovery.organizations.create({ intermediate_session_token: t })));
      const slugs = created.map((c) => c.organization.organization_slug);
      expect(new Set(slugs).size).toBe(3);
      expect(slugs).toContain(domain.slice(0, domain.lastIndexOf('.')));
    });
  });

  it('finds memberships and domain-open organizations through indexes, in a populated project', async () => {
    // A project of its own with 2,000 organizations (400 domains, half of them open to theirs) and 40,000 members.
    const other = await ctx.app.newProject();
    const { id: projectId } = await ctx.app.container.projects.authenticate(other.projectId, other.secret);
    await knex().raw(
      `INSERT INTO organizations (id, project_id, name, slug, email_jit_provisioning, email_allowed_domains)
       SELECT gen_random_uuid(), ?, 'Org ' || i, 'bulk-' || i, CASE WHEN i % 2 = 0 THEN 'RESTRICTED' ELSE 'NOT_ALLOWED' END,
              ARRAY['d' || (i % 400) || '.example.com']
         FROM generate_series(1, 2000) i`,
      [projectId],
    );
    await knex().raw(
      `INSERT INTO members (id, project_id, organization_id, email, email_normalized, status, email_address_verified)
       SELECT gen_random_uuid(), ?, o.id, e, e, 'active', j % 3 = 0
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM organizations WHERE project_id = ?) o,
              generate_series(1, 20) j,
              LATERAL (SELECT 'user' || (o.n * 20 + j) || '@d' || ((o.n * 20 + j) % 400) || '.example.com' AS e) x`,
      [projectId, projectId],
    );
    await knex().raw('ANALYZE organizations');
    await knex().raw('ANALYZE members');

    const { sql, bindings } = discoveryQuery(projectId, 'user4242@d242.example.com', 'd242.example.com');
    const { rows } = await knex().raw(`EXPLAIN ${sql}`, bindings);
    const plan = rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
    expect(plan).not.toContain('Seq Scan');
    expect(plan).toContain('members__project_id_email_normalized__index');
    expect(plan).toContain('organizations__email_allowed_domains__gin');
    expect(plan).toContain('members__organization_id_email_domain__verified');
  });
});
