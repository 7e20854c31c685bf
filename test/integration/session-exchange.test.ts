import { parseId } from '../../src/ids';
import { hashSecret } from '../../src/secrets';
import { MemberModel } from '../../src/models/member.model';
import { OrganizationModel } from '../../src/models/organization.model';
import { factors } from '../../src/services/auth/factors';
import { useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { discoveryProofs } from '../helpers/discovery';
import { createMember, createOrganization, unique } from '../helpers/factories';

describe('entering organizations: intermediate-session exchange and sessions.exchange', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });
  const client = () => ctx.app.project.client;
  const knex = () => ctx.app.container.knex;
  const { proveByLink, proveByCode } = discoveryProofs(ctx);

  const newDomain = () => `${unique('corp')}.com`;
  const membersWith = (email: string) => knex()('members').where({ email_normalized: email.toLowerCase() });
  const exchangeIst = (intermediate_session_token: string, organization_id: string, extra: Record<string, unknown> = {}) =>
    client().discovery.intermediateSessions.exchange({ intermediate_session_token, organization_id, ...extra });

  /** Three organizations and a person who is a member of each (active). */
  async function person() {
    const email = `${unique('ada')}@${newDomain()}`;
    const open = await createOrganization(client(), { organization_name: 'Open' });
    const mfa = await createOrganization(client(), { organization_name: 'MFA', mfa_policy: 'REQUIRED_FOR_ALL' });
    const sso = await createOrganization(client(), { organization_name: 'SSO', auth_methods: 'RESTRICTED', allowed_auth_methods: ['sso'] });
    for (const org of [open, mfa, sso]) await createMember(client(), org.organization_id, { email_address: email });
    return { email, open, mfa, sso };
  }

  /** A live session of the person in `organizationId`, through discovery. */
  async function sessionIn(email: string, organizationId: string) {
    const { intermediate_session_token } = await proveByLink(email);
    const entered = await exchangeIst(intermediate_session_token, organizationId);
    expect(entered.member_authenticated).toBe(true);
    return entered;
  }

  /** Ten exchanges of one new intermediate session of `email` at once: exactly one enters. Answers the member's sessions there then. */
  async function raceOneIntermediateSession(email: string, organizationId: string) {
    const { intermediate_session_token } = await proveByLink(email);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => exchangeIst(intermediate_session_token, organizationId)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason.error_type).toBe('intermediate_session_not_found');
    }
    const [member] = await membersWith(email).where({ organization_id: parseId('organization', 'test', organizationId) });
    return knex()('member_sessions').where({ member_id: member.id });
  }

  /** A colleague with a verified address on `domain` in the organization (so it may provision the domain). */
  async function verifiedColleague(organizationId: string, domain: string) {
    const email = `${unique('colleague')}@${domain}`;
    await createMember(client(), organizationId, { email_address: email });
    await sessionIn(email, organizationId);
  }

  describe('an intermediate session from discovery', () => {
    it('enters an open organization with a session the SDK authenticates', async () => {
      const { email, open } = await person();
      const { intermediate_session_token } = await proveByLink(email);
      const entered = await exchangeIst(intermediate_session_token, open.organization_id, {
        session_duration_minutes: 120,
        session_custom_claims: { team: 'blue' },
      });
      expect(entered.member_authenticated).toBe(true);
      expect(entered.member).toMatchObject({ email_address: email, status: 'active', email_address_verified: true });
      expect(entered.organization.organization_id).toBe(open.organization_id);
      expect(entered.member_session).toMatchObject({ organization_id: open.organization_id, custom_claims: { team: 'blue' } });
      expect(entered.member_session!.authentication_factors.map((f) => f.type)).toEqual(['magic_link']);
      expect(entered.intermediate_session_token).toBe('');
      expect(entered.mfa_required).toBeUndefined();
      const authenticated = await client().sessions.authenticate({ session_jwt: entered.session_jwt });
      expect(authenticated.member.member_id).toBe(entered.member_id);
      // The organization can be named by its slug too.
      const { intermediate_session_token: again } = await proveByCode(email);
      expect((await exchangeIst(again, open.organization_slug)).organization.organization_id).toBe(open.organization_id);
    });

    it('asks for MFA in an organization that requires it, with a new intermediate session', async () => {
      const { email, mfa } = await person();
      const { intermediate_session_token } = await proveByLink(email);
      const entered = await exchangeIst(intermediate_session_token, mfa.organization_id);
      expect(entered.member_authenticated).toBe(false);
      expect(entered.session_token).toBe('');
      expect(entered.session_jwt).toBe('');
      expect(entered.member_session).toBeUndefined();
      expect(entered.mfa_required).toBeDefined();
      expect(entered.primary_required).toBeUndefined();
      expect(entered.intermediate_session_token).not.toBe('');
      expect(entered.intermediate_session_token).not.toBe(intermediate_session_token);
      expect(entered.intermediate_session_token_expires_at).toEqual(expect.any(String));
      // The new intermediate session belongs to this member, carrying the magic link.
      const [row] = await knex()('intermediate_sessions').where({ member_id: parseId('member', 'test', entered.member_id) });
      expect(row.authentication_factors.map((f: { type: string }) => f.type)).toEqual(['magic_link']);
    });

    it('asks for another primary factor in an SSO-only organization', async () => {
      const { email, sso } = await person();
      const { intermediate_session_token } = await proveByLink(email);
      const entered = await exchangeIst(intermediate_session_token, sso.organization_id);
      expect(entered.member_authenticated).toBe(false);
      expect(entered.primary_required).toEqual({ allowed_auth_methods: ['sso'] });
      expect(entered.intermediate_session_token).not.toBe('');
    });

    it('accepts an invite and completes a pending sign-up', async () => {
      const email = `${unique('invitee')}@${newDomain()}`;
      const inviting = await createOrganization(client());
      await client().magicLinks.email.invite({ organization_id: inviting.organization_id, email_address: email });
      const pending = await createOrganization(client());
      await createMember(client(), pending.organization_id, { email_address: email, create_member_as_pending: true });

      for (const org of [inviting, pending]) {
        const { intermediate_session_token } = await proveByLink(email);
        const entered = await exchangeIst(intermediate_session_token, org.organization_id);
        expect(entered.member_authenticated).toBe(true);
        expect(entered.member).toMatchObject({ status: 'active', email_address_verified: true });
      }
    });

    it('provisions a member by email domain just in time, only where the organization allows it', async () => {
      const domain = newDomain();
      const email = `${unique('newcomer')}@${domain}`;
      const open = await createOrganization(client(), { email_jit_provisioning: 'RESTRICTED', email_allowed_domains: [domain] });
      const closed = await createOrganization(client(), { email_jit_provisioning: 'NOT_ALLOWED' });
      const otherDomain = await createOrganization(client(), {
        email_jit_provisioning: 'RESTRICTED',
        email_allowed_domains: [newDomain()],
      });

      const { intermediate_session_token } = await proveByLink(email);
      // No verified member on the domain yet: joining it would let anyone phish the organization's people.
      await expectStytchError(exchangeIst(intermediate_session_token, open.organization_id), 400, 'invalid_email_for_jit_provisioning');
      await expectStytchError(exchangeIst(intermediate_session_token, closed.organization_id), 400, 'email_jit_provisioning_not_allowed');
      await expectStytchError(
        exchangeIst(intermediate_session_token, otherDomain.organization_id),
        400,
        'invalid_email_for_jit_provisioning',
      );
      expect(await membersWith(email)).toHaveLength(0);

      await verifiedColleague(open.organization_id, domain);
      // The refusals spent nothing: the same intermediate session now joins.
      const joined = await exchangeIst(intermediate_session_token, open.organization_id);
      expect(joined.member_authenticated).toBe(true);
      expect(joined.member).toMatchObject({ email_address: email, status: 'active', email_address_verified: true, is_admin: false });
      expect(await membersWith(email)).toHaveLength(1);
    });

    it('is spent by its exchange, and unknown to another project', async () => {
      const { email, open } = await person();
      const { intermediate_session_token } = await proveByLink(email);
      await exchangeIst(intermediate_session_token, open.organization_id);
      await expectStytchError(exchangeIst(intermediate_session_token, open.organization_id), 404, 'intermediate_session_not_found');

      const other = await ctx.app.newProject();
      const theirOrg = await createOrganization(other.client);
      const { intermediate_session_token: fresh } = await proveByLink(email);
      await expectStytchError(
        other.client.discovery.intermediateSessions.exchange({
          intermediate_session_token: fresh,
          organization_id: theirOrg.organization_id,
        }),
        404,
        'intermediate_session_not_found',
      );
      // Nor can it name this project's organization from there.
      await expectStytchError(
        other.client.discovery.intermediateSessions.exchange({ intermediate_session_token: fresh, organization_id: open.organization_id }),
        404,
        'intermediate_session_not_found',
      );
      expect((await exchangeIst(fresh, open.organization_id)).member_authenticated).toBe(true);
    });

    it("cannot authenticate another address's member", async () => {
      const organization = await createOrganization(client());
      const alice = `${unique('alice')}@acme.com`;
      const bob = await createMember(client(), organization.organization_id, { email_address: `${unique('bob')}@acme.com` });
      const { intermediate_session_token } = await proveByLink(alice);
      await client().magicLinks.email.loginOrSignup({ organization_id: organization.organization_id, email_address: bob.email_address });
      const link = await ctx.smtp.messageTo(bob.email_address);
      await expectStytchError(
        client().magicLinks.authenticate({ magic_links_token: link.token, intermediate_session_token }),
        400,
        'intermediate_session_member_mismatch',
      );
      const [bobRow] = await membersWith(bob.email_address);
      expect(bobRow.email_address_verified).toBe(false);
      // Alice's intermediate session was not spent by the refusal.
      expect((await client().discovery.organizations.list({ intermediate_session_token })).email_address).toBe(alice);
    });

    it('enters exactly once when ten requests race with one intermediate session', async () => {
      const { email, open } = await person();
      expect(await raceOneIntermediateSession(email, open.organization_id)).toHaveLength(1);
    });

    it('provisions one member when two people with the same address join at once', async () => {
      const domain = newDomain();
      const organization = await createOrganization(client(), { email_jit_provisioning: 'RESTRICTED', email_allowed_domains: [domain] });
      await verifiedColleague(organization.organization_id, domain);
      const email = `${unique('twin')}@${domain}`;
      const tokens: string[] = [];
      for (let i = 0; i < 3; i++) tokens.push((await proveByLink(email)).intermediate_session_token);
      const entered = await Promise.all(tokens.map((t) => exchangeIst(t, organization.organization_id)));
      expect(new Set(entered.map((e) => e.member_id)).size).toBe(1);
      expect(await membersWith(email)).toHaveLength(1);
    });

    it('refuses bad input and changes nothing', async () => {
      const { email, open } = await person();
      const { intermediate_session_token } = await proveByLink(email);
      await expectStytchError(
        exchangeIst(intermediate_session_token, 'organization-test-00000000-0000-0000-0000-000000000000'),
        404,
        'organization_not_found',
      );
      await expectStytchError(
        exchangeIst(intermediate_session_token, open.organization_id, { session_duration_minutes: 0 }),
        400,
        'invalid_session_duration',
      );
      await expectStytchError(
        exchangeIst(intermediate_session_token, open.organization_id, { session_custom_claims: { sub: 'me' } }),
        400,
        'reserved_claims_in_custom_claims',
      );
      expect((await exchangeIst(intermediate_session_token, open.organization_id)).member_authenticated).toBe(true);
    });
  });

  describe('sessions.exchange', () => {
    it("moves a session to another of the address's organizations, carrying only the factors that travel", async () => {
      const { email, open, mfa } = await person();
      const other = await createOrganization(client());
      await createMember(client(), other.organization_id, { email_address: email });
      const start = await sessionIn(email, open.organization_id);

      const moved = await client().sessions.exchange({ organization_id: other.organization_id, session_token: start.session_token });
      expect(moved.member_authenticated).toBe(true);
      expect(moved.member_session).toMatchObject({ organization_id: other.organization_id });
      expect(moved.member_session!.authentication_factors.map((f) => f.type)).toEqual(['magic_link']);
      expect(moved.session_token).not.toBe(start.session_token);
      // Each session is bound to its organization; the original one is untouched.
      expect((await client().sessions.authenticate({ session_token: moved.session_token })).organization.organization_id).toBe(
        other.organization_id,
      );
      expect((await client().sessions.authenticate({ session_token: start.session_token })).organization.organization_id).toBe(
        open.organization_id,
      );

      // By JWT, into an organization requiring MFA: an intermediate session for the member there.
      const intoMfa = await client().sessions.exchange({ organization_id: mfa.organization_id, session_jwt: start.session_jwt });
      expect(intoMfa.member_authenticated).toBe(false);
      expect(intoMfa.mfa_required).toBeDefined();
      expect(intoMfa.intermediate_session_token).not.toBe('');
    });

    it('leaves MFA factors behind: a second factor proved in one organization does not satisfy another', async () => {
      const { email, open, mfa } = await person();
      const openRow = await OrganizationModel.query(knex()).findById(parseId('organization', 'test', open.organization_id)!);
      const member = await MemberModel.query(knex()).where({ organization_id: openRow!.id, email_normalized: email.toLowerCase() }).first();
      const project = await ctx.app.container.projects.authenticate(ctx.app.project.projectId, ctx.app.project.secret);
      const sessions = ctx.app.container.sessions;
      const started = await sessions.start(knex(), project, member!, openRow!, [
        factors.magicLink('email-test-x', email),
        factors.totp('member-totp-test-x'),
      ]);
      const intoMfa = await client().sessions.exchange({ organization_id: mfa.organization_id, session_token: started.token });
      expect(intoMfa.member_authenticated).toBe(false);
      expect(intoMfa.mfa_required).toBeDefined();
      const [row] = await knex()('intermediate_sessions').where({ member_id: parseId('member', 'test', intoMfa.member_id) });
      expect(row.authentication_factors.map((f: { type: string }) => f.type)).toEqual(['magic_link']);
    });

    it('accepts an invite, but never provisions a member by domain', async () => {
      const domain = newDomain();
      const email = `${unique('mover')}@${domain}`;
      const home = await createOrganization(client());
      await createMember(client(), home.organization_id, { email_address: email });
      const inviting = await createOrganization(client());
      await client().magicLinks.email.invite({ organization_id: inviting.organization_id, email_address: email });
      const jit = await createOrganization(client(), { email_jit_provisioning: 'RESTRICTED', email_allowed_domains: [domain] });
      await verifiedColleague(jit.organization_id, domain);
      const start = await sessionIn(email, home.organization_id);

      const accepted = await client().sessions.exchange({ organization_id: inviting.organization_id, session_token: start.session_token });
      expect(accepted.member_authenticated).toBe(true);
      expect(accepted.member).toMatchObject({ status: 'active', email_address_verified: true });

      const before = (await membersWith(email)).length;
      await expectStytchError(
        client().sessions.exchange({ organization_id: jit.organization_id, session_token: start.session_token }),
        404,
        'member_not_found',
      );
      expect(await membersWith(email)).toHaveLength(before);
    });

    it('refuses another project’s session, a missing session, and two at once', async () => {
      const { email, open } = await person();
      const start = await sessionIn(email, open.organization_id);
      const other = await ctx.app.newProject();
      const theirOrg = await createOrganization(other.client);
      await createMember(other.client, theirOrg.organization_id, { email_address: email });
      await expectStytchError(
        other.client.sessions.exchange({ organization_id: theirOrg.organization_id, session_token: start.session_token }),
        404,
        'session_not_found',
      );
      await expectStytchError(
        other.client.sessions.exchange({ organization_id: theirOrg.organization_id, session_jwt: start.session_jwt }),
        401,
        'invalid_session_jwt',
      );
      await expectStytchError(client().sessions.exchange({ organization_id: open.organization_id }), 400, 'no_session_arguments');
      await expectStytchError(
        client().sessions.exchange({
          organization_id: open.organization_id,
          session_token: start.session_token,
          session_jwt: start.session_jwt,
        }),
        400,
        'too_many_session_arguments',
      );
      expect(
        await membersWith(email).where({ project_id: (await ctx.app.container.projects.authenticate(other.projectId, other.secret)).id }),
      ).toHaveLength(1);
    });

    it('gives ten racing exchanges of one session ten sessions and one accepted membership', async () => {
      const email = `${unique('many')}@${newDomain()}`;
      const home = await createOrganization(client());
      await createMember(client(), home.organization_id, { email_address: email });
      const inviting = await createOrganization(client());
      await client().magicLinks.email.invite({ organization_id: inviting.organization_id, email_address: email });
      const start = await sessionIn(email, home.organization_id);

      const moved = await Promise.all(
        Array.from({ length: 10 }, () =>
          client().sessions.exchange({ organization_id: inviting.organization_id, session_token: start.session_token }),
        ),
      );
      expect(new Set(moved.map((m) => m.member_id)).size).toBe(1);
      expect(new Set(moved.map((m) => m.session_token)).size).toBe(10);
      const rows = await membersWith(email).where({ organization_id: parseId('organization', 'test', inviting.organization_id) });
      expect(rows).toHaveLength(1);
      expect(rows[0].status).toBe('active');
    });
  });

  /**
   * Someone who entered an organization before (active, address verified)
   * enters again: the statement that reads the prior grants the session
   * itself (GRANTS_CROSSING). Same answers, same rules as the full flow.
   */
  describe('the common case, decided in one statement', () => {
    /** The person's second visit to `open`: its first verified the address there. */
    async function returning() {
      const people = await person();
      const first = await sessionIn(people.email, people.open.organization_id);
      return { ...people, first };
    }

    it('is taken for a returning member, and never where the full flow would refuse or cannot see', async () => {
      const { email, mfa, first } = await returning();
      const project = await ctx.app.container.projects.authenticate(ctx.app.project.projectId, ctx.app.project.secret);
      const sessions = ctx.app.container.sessions;
      const key = await sessions.identify(project, { session_token: first.session_token });
      const enter = async (organizationId: string) =>
        sessions.findEntering(project, key, parseId('organization', 'test', organizationId)!, sessions.prepareGrant({})!.grant);
      /** An organization where the address's member is active and verified: what the statement may grant. */
      const entered = async (c = client()) => {
        const organization = await createOrganization(c);
        const member = await createMember(c, organization.organization_id, { email_address: email });
        await knex()('members')
          .where({ id: parseId('member', 'test', member.member_id) })
          .update({ email_address_verified: true });
        return { organization, member };
      };
      const sessionCount = async () => (await knex()('member_sessions').count({ n: '*' }).first())!.n;

      const other = await entered();
      const again = await enter(other.organization.organization_id);
      expect(again?.granted).toMatchObject({ member_id: again!.entered.member!.id, sso_connection_id: null, sso_roles: [] });
      expect(again?.granted?.authentication_factors.map((f) => f.type)).toEqual(['magic_link']);

      const before = await sessionCount();
      // The same member verified in an organization requiring MFA: read, nothing written, the full flow decides.
      await knex()('members')
        .where({ organization_id: parseId('organization', 'test', mfa.organization_id), email_normalized: email.toLowerCase() })
        .update({ email_address_verified: true });
      const intoMfa = await enter(mfa.organization_id);
      expect(intoMfa?.entered.member).toMatchObject({ email, status: 'active', email_address_verified: true });
      expect(intoMfa?.granted).toBeUndefined();
      // Another project's organization, with the same address verified there: not even found.
      const theirs = await entered((await ctx.app.newProject()).client);
      const intoTheirs = await enter(theirs.organization.organization_id);
      expect(intoTheirs?.entered.organization).toBeUndefined();
      expect(intoTheirs?.granted).toBeUndefined();
      // A deleted organization, a deleted member.
      const gone = await entered();
      await client().organizations.delete({ organization_id: gone.organization.organization_id });
      expect((await enter(gone.organization.organization_id))?.granted).toBeUndefined();
      const left = await entered();
      await client().organizations.members.delete({ organization_id: left.organization.organization_id, member_id: left.member.member_id });
      const intoLeft = await enter(left.organization.organization_id);
      expect(intoLeft?.entered.member).toBeUndefined();
      expect(intoLeft?.granted).toBeUndefined();
      expect(await sessionCount()).toEqual(before);
    });

    it('grants the duration and custom claims asked for, and spends the intermediate session', async () => {
      const { email, open } = await returning();
      const { intermediate_session_token } = await proveByLink(email);
      const entered = await exchangeIst(intermediate_session_token, open.organization_id, {
        session_duration_minutes: 120,
        session_custom_claims: { team: 'green' },
      });
      expect(entered.member_authenticated).toBe(true);
      expect(entered.member_session).toMatchObject({ organization_id: open.organization_id, custom_claims: { team: 'green' } });
      expect(entered.member_session!.authentication_factors.map((f) => f.type)).toEqual(['magic_link']);
      const minutes = (Date.parse(entered.member_session!.expires_at) - Date.now()) / 60_000;
      expect(minutes).toBeGreaterThan(118);
      expect(minutes).toBeLessThanOrEqual(120);
      expect(entered.member.member_id).toBe(entered.member_id);
      const authenticated = await client().sessions.authenticate({ session_jwt: entered.session_jwt });
      expect(authenticated.member_session.custom_claims).toEqual({ team: 'green' });
      await expectStytchError(exchangeIst(intermediate_session_token, open.organization_id), 404, 'intermediate_session_not_found');
      // Spent by the statement, which deletes it (the full flow would have marked it used).
      expect(await knex()('intermediate_sessions').where({ token_hash: hashSecret(intermediate_session_token) })).toEqual([]);
      // Custom claims the project may not set are refused as the full flow refuses them.
      const { intermediate_session_token: next } = await proveByLink(email);
      await expectStytchError(
        exchangeIst(next, open.organization_id, { session_custom_claims: { 'https://stytch.com/session': {} } }),
        400,
        'stytch_claims_in_custom_claims',
      );
    });

    it('enters exactly once when ten requests race with one intermediate session', async () => {
      const { email, open } = await returning();
      // The first visit's session and this one.
      expect(await raceOneIntermediateSession(email, open.organization_id)).toHaveLength(2);
    });

    it('moves a session on by JWT, carrying only the factors that travel, one session per racer', async () => {
      const { email, open, first } = await returning();
      const other = await createOrganization(client());
      await createMember(client(), other.organization_id, { email_address: email });
      await client().sessions.exchange({ organization_id: other.organization_id, session_token: first.session_token });
      // A session in `open` holding a magic link and a TOTP: only the magic link travels.
      const project = await ctx.app.container.projects.authenticate(ctx.app.project.projectId, ctx.app.project.secret);
      const openRow = await OrganizationModel.query(knex()).findById(parseId('organization', 'test', open.organization_id)!);
      const member = await MemberModel.query(knex()).findById(parseId('member', 'test', first.member_id)!);
      const sessions = ctx.app.container.sessions;
      const { jwt } = await sessions.issue(
        project,
        await sessions.start(knex(), project, member!, openRow!, [factors.magicLink('email-x', email), factors.totp('member-totp-x')]),
      );
      const findEntering = jest.spyOn(sessions, 'findEntering');
      const moved = await Promise.all(
        Array.from({ length: 5 }, () => client().sessions.exchange({ organization_id: other.organization_id, session_jwt: jwt })),
      );
      // Each answered by the one statement.
      const reads = await Promise.all(findEntering.mock.results.map((r) => r.value));
      findEntering.mockRestore();
      expect(reads.map((read) => read?.granted !== undefined)).toEqual([true, true, true, true, true]);
      expect(new Set(moved.map((m) => m.session_token)).size).toBe(5);
      for (const m of moved) {
        expect(m.member_authenticated).toBe(true);
        expect(m.organization.organization_id).toBe(other.organization_id);
        expect(m.member_session!.authentication_factors.map((f) => f.type)).toEqual(['magic_link']);
      }
    });
  });
});
