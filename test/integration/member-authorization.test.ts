import { useTestApp } from '../helpers/app';
import { expectErrorEnvelope, expectStytchError } from '../helpers/assertions';
import { createMember, createOrganization, unique } from '../helpers/factories';
import { signInNewMember, type SignedInMember } from '../helpers/member-sessions';

/**
 * Organization and member endpoints called with a member session (the SDK's
 * `{ authorization: { session_token | session_jwt } }`, sent as
 * X-Stytch-Member-Session / X-Stytch-Member-SessionJWT) run with that
 * member's RBAC permissions; without one, the project secret may do anything.
 */
describe('requests made with a member session', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });

  const client = () => ctx.client;
  const asMember = (member: SignedInMember) => ({ authorization: { session_token: member.token } });
  const asMemberJwt = (member: SignedInMember) => ({ authorization: { session_jwt: member.jwt } });
  const getOrganization = async (organization_id: string) => (await client().organizations.get({ organization_id })).organization;
  const getMember = async (organization_id: string, member_id: string) =>
    (await client().organizations.members.get({ organization_id, member_id })).member;

  /** An organization with an admin and a plain member, both signed in. */
  async function team() {
    const organization = await createOrganization(client());
    const organization_id = organization.organization_id;
    const [admin, member] = await Promise.all([
      signInNewMember(ctx, organization_id, { roles: ['stytch_admin'] }),
      signInNewMember(ctx, organization_id),
    ]);
    return { organization, organization_id, admin, member };
  }

  describe('organizations', () => {
    it('refuses organizations.update to a stytch_member session and changes nothing; a stytch_admin session may', async () => {
      const { organization, organization_id, admin, member } = await team();
      await expectStytchError(
        client().organizations.update({ organization_id, organization_name: 'Taken Over' }, asMember(member)),
        403,
        'session_authorization_error',
      );
      expect(await getOrganization(organization_id)).toEqual(organization);

      const { organization: renamed } = await client().organizations.update(
        { organization_id, organization_name: 'Renamed', mfa_policy: 'OPTIONAL' },
        asMemberJwt(admin),
      );
      expect(renamed.organization_name).toBe('Renamed');
    });

    it('refuses organizations.delete and deleteExternalId to a stytch_member session; an admin may delete', async () => {
      const { organization_id, admin, member } = await team();
      await expectStytchError(client().organizations.delete({ organization_id }, asMember(member)), 403, 'session_authorization_error');
      await expectStytchError(
        client().organizations.deleteExternalId({ organization_id }, asMember(member)),
        403,
        'session_authorization_error',
      );
      expect((await getOrganization(organization_id)).organization_id).toBe(organization_id);
      await client().organizations.delete({ organization_id }, asMember(admin));
      await expectStytchError(getOrganization(organization_id), 404, 'organization_not_found');
    });

    it("refuses a session of another organization, even an admin's (tenancy)", async () => {
      const a = await team();
      const b = await team();
      await expectStytchError(
        client().organizations.update({ organization_id: b.organization_id, organization_name: 'Not Yours' }, asMember(a.admin)),
        403,
        'session_authorization_tenancy_error',
      );
      await expectStytchError(
        client().organizations.members.delete({ organization_id: b.organization_id, member_id: b.member.memberId }, asMember(a.admin)),
        403,
        'session_authorization_tenancy_error',
      );
      expect(await getOrganization(b.organization_id)).toEqual(b.organization);
      expect((await getMember(b.organization_id, b.member.memberId)).status).toBe('active');
    });

    it('lets the organization be named by its slug, as every endpoint does', async () => {
      const { organization, admin } = await team();
      const { organization: updated } = await client().organizations.update(
        { organization_id: organization.organization_slug, organization_logo_url: 'https://acme.example/logo.png' },
        asMember(admin),
      );
      expect(updated.organization_logo_url).toBe('https://acme.example/logo.png');
    });

    it('lets a custom role grant exactly its action, per field', async () => {
      const organization = await createOrganization(client());
      const organization_id = organization.organization_id;
      await client().rbac.organizations.setOrgPolicy({
        organization_id,
        org_policy: {
          roles: [
            { role_id: 'renamer', description: '', permissions: [{ resource_id: 'stytch.organization', actions: ['update.info.name'] }] },
          ],
        },
      });
      const renamer = await signInNewMember(ctx, organization_id, { roles: ['renamer'] });

      const { organization: renamed } = await client().organizations.update(
        { organization_id, organization_name: 'Renamed By Role' },
        asMember(renamer),
      );
      expect(renamed.organization_name).toBe('Renamed By Role');
      await expectStytchError(
        client().organizations.update({ organization_id, organization_slug: unique('slug') }, asMember(renamer)),
        403,
        'session_authorization_error',
      );
      // One field it may set and one it may not: the whole request is refused.
      await expectStytchError(
        client().organizations.update({ organization_id, organization_name: 'Both', email_invites: 'NOT_ALLOWED' }, asMember(renamer)),
        403,
        'session_authorization_error',
      );
      await expectStytchError(client().organizations.delete({ organization_id }, asMember(renamer)), 403, 'session_authorization_error');
      expect(await getOrganization(organization_id)).toEqual(renamed);
    });

    it("refuses trusted_metadata to a member session, even an admin's", async () => {
      const { organization, organization_id, admin } = await team();
      await expectStytchError(
        client().organizations.update({ organization_id, trusted_metadata: { plan: 'free' } }, asMember(admin)),
        400,
        'member_session_cannot_set_trusted_metadata',
      );
      expect(await getOrganization(organization_id)).toEqual(organization);
    });
  });

  describe('members', () => {
    it('refuses members.delete of another member to a stytch_member session; a stytch_admin session may', async () => {
      const { organization_id, admin, member } = await team();
      const other = await createMember(client(), organization_id);
      await expectStytchError(
        client().organizations.members.delete({ organization_id, member_id: other.member_id }, asMember(member)),
        403,
        'session_authorization_error',
      );
      expect(await getMember(organization_id, other.member_id)).toEqual(other);
      await client().organizations.members.delete({ organization_id, member_id: other.member_id }, asMemberJwt(admin));
      await expectStytchError(getMember(organization_id, other.member_id), 404, 'member_not_found');
    });

    it('lets a member update its own name through stytch.self, but not another member’s, nor its own roles', async () => {
      const { organization_id, admin, member } = await team();
      const { member: renamed } = await client().organizations.members.update(
        { organization_id, member_id: member.memberId, name: 'My Own Name', untrusted_metadata: { theme: 'dark' } },
        asMember(member),
      );
      expect(renamed).toMatchObject({ name: 'My Own Name', untrusted_metadata: { theme: 'dark' } });

      const adminBefore = await getMember(organization_id, admin.memberId);
      await expectStytchError(
        client().organizations.members.update({ organization_id, member_id: admin.memberId, name: 'Not Mine' }, asMember(member)),
        403,
        'session_authorization_error',
      );
      await expectStytchError(
        client().organizations.members.update({ organization_id, member_id: member.memberId, roles: ['stytch_admin'] }, asMember(member)),
        403,
        'session_authorization_error',
      );
      expect(await getMember(organization_id, admin.memberId)).toEqual(adminBefore);
      expect(await getMember(organization_id, member.memberId)).toEqual(renamed);

      const { member: promoted } = await client().organizations.members.update(
        { organization_id, member_id: member.memberId, roles: ['stytch_admin'] },
        asMember(admin),
      );
      expect(promoted.roles.map((r) => r.role_id)).toEqual(['stytch_member', 'stytch_admin']);
    });

    it('refuses members.create with roles to a session that may create members but not assign roles', async () => {
      const organization = await createOrganization(client());
      const organization_id = organization.organization_id;
      await client().rbac.organizations.setOrgPolicy({
        organization_id,
        org_policy: {
          roles: [
            { role_id: 'recruiter', description: '', permissions: [{ resource_id: 'stytch.member', actions: ['create', 'search'] }] },
          ],
        },
      });
      const recruiter = await signInNewMember(ctx, organization_id, { roles: ['recruiter'] });
      const created = await client().organizations.members.create(
        { organization_id, email_address: `${unique('hire')}@acme.com` },
        asMember(recruiter),
      );
      expect(created.member.roles.map((r) => r.role_id)).toEqual(['stytch_member']);
      const email = `${unique('hire')}@acme.com`;
      await expectStytchError(
        client().organizations.members.create({ organization_id, email_address: email, roles: ['stytch_admin'] }, asMember(recruiter)),
        403,
        'session_authorization_error',
      );
      await expectStytchError(client().organizations.members.get({ organization_id, email_address: email }), 404, 'member_not_found');
    });

    /** Replaces a member's address (with the project secret), retiring the old one; answers the retired address. */
    async function retireEmailOf(organization_id: string, member_id: string): Promise<string> {
      const before = await getMember(organization_id, member_id);
      const { member } = await client().organizations.members.update({
        organization_id,
        member_id,
        email_address: `${unique('new')}@acme.com`,
      });
      expect(member.retired_email_addresses.map((r) => r.email_address)).toEqual([before.email_address]);
      return before.email_address;
    }

    it('lets a member unlink its own retired email through stytch.self, an admin another’s, but not a member another’s', async () => {
      const { organization_id, admin, member } = await team();
      const other = await createMember(client(), organization_id);
      const mine = await retireEmailOf(organization_id, member.memberId);
      const others = await retireEmailOf(organization_id, other.member_id);

      const own = await client().organizations.members.unlinkRetiredEmail(
        { organization_id, member_id: member.memberId, email_address: mine },
        asMember(member),
      );
      expect(own.member.retired_email_addresses).toEqual([]);

      const before = await getMember(organization_id, other.member_id);
      await expectStytchError(
        client().organizations.members.unlinkRetiredEmail(
          { organization_id, member_id: other.member_id, email_address: others },
          asMember(member),
        ),
        403,
        'session_authorization_error',
      );
      expect(await getMember(organization_id, other.member_id)).toEqual(before);

      const byAdmin = await client().organizations.members.unlinkRetiredEmail(
        { organization_id, member_id: other.member_id, email_address: others },
        asMemberJwt(admin),
      );
      expect(byAdmin.member.retired_email_addresses).toEqual([]);
    });

    it('lets a custom role be granted update.info.unlink.retired-email on stytch.member', async () => {
      const organization = await createOrganization(client());
      const organization_id = organization.organization_id;
      await client().rbac.organizations.setOrgPolicy({
        organization_id,
        org_policy: {
          roles: [
            {
              role_id: 'email-janitor',
              description: '',
              permissions: [{ resource_id: 'stytch.member', actions: ['update.info.unlink.retired-email'] }],
            },
          ],
        },
      });
      const janitor = await signInNewMember(ctx, organization_id, { roles: ['email-janitor'] });
      const other = await createMember(client(), organization_id);
      const retired = await retireEmailOf(organization_id, other.member_id);
      const answer = await client().organizations.members.unlinkRetiredEmail(
        { organization_id, member_id: other.member_id, email_address: retired },
        asMember(janitor),
      );
      expect(answer.member.retired_email_addresses).toEqual([]);
      // That action only: not a delete.
      await expectStytchError(
        client().organizations.members.delete({ organization_id, member_id: other.member_id }, asMember(janitor)),
        403,
        'session_authorization_error',
      );
    });

    it('scopes members.search with a session to its own organization', async () => {
      const a = await team();
      const b = await team();
      const { members } = await client().organizations.members.search({ organization_ids: [a.organization_id] }, asMember(a.admin));
      expect(members.map((m) => m.member_id).sort()).toEqual([a.admin.memberId, a.member.memberId].sort());
      await expectStytchError(
        client().organizations.members.search({ organization_ids: [a.organization_id, b.organization_id] }, asMember(a.admin)),
        403,
        'session_authorization_tenancy_error',
      );
      await expectStytchError(
        client().organizations.members.search({ organization_ids: [a.organization_id] }, asMember(a.member)),
        403,
        'session_authorization_error',
      );
    });

    it('keeps the project secret’s full access without a session header', async () => {
      const { organization_id, member } = await team();
      const { member: updated } = await client().organizations.members.update({
        organization_id,
        member_id: member.memberId,
        roles: ['stytch_admin'],
        trusted_metadata: { tier: 'gold' },
      });
      expect(updated.trusted_metadata).toEqual({ tier: 'gold' });
    });

    it('lets one of several concurrent deletes by an admin session succeed', async () => {
      const { organization_id, admin } = await team();
      const target = await createMember(client(), organization_id);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, () =>
          client().organizations.members.delete({ organization_id, member_id: target.member_id }, asMember(admin)),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
        expectErrorEnvelope(o.reason, 404, 'member_not_found');
      }
    });
  });

  describe('magic link invites', () => {
    const knex = () => ctx.app.container.knex;
    const emailsTo = (address: string) => knex()('emails').where({ to_normalized: address.toLowerCase() });

    it('refuses magicLinks.email.invite to a stytch_member session, creating and emailing nothing; an admin session may', async () => {
      const { organization_id, admin, member } = await team();
      const invitee = `${unique('invitee')}@acme.com`;
      await expectStytchError(
        client().magicLinks.email.invite({ organization_id, email_address: invitee }, asMember(member)),
        403,
        'session_authorization_error',
      );
      await expectStytchError(client().organizations.members.get({ organization_id, email_address: invitee }), 404, 'member_not_found');
      expect(await emailsTo(invitee)).toEqual([]);

      const invited = await client().magicLinks.email.invite({ organization_id, email_address: invitee }, asMemberJwt(admin));
      expect(invited.member).toMatchObject({ email_address: invitee, status: 'invited' });
      const message = await ctx.smtp.messageTo(invitee);
      expect(message.token).toBeTruthy();
    });

    it('refuses an invite with roles to a session that may create members but not assign roles', async () => {
      const organization = await createOrganization(client());
      const organization_id = organization.organization_id;
      await client().rbac.organizations.setOrgPolicy({
        organization_id,
        org_policy: {
          roles: [{ role_id: 'recruiter', description: '', permissions: [{ resource_id: 'stytch.member', actions: ['create'] }] }],
        },
      });
      const recruiter = await signInNewMember(ctx, organization_id, { roles: ['recruiter'] });
      const promoted = `${unique('invitee')}@acme.com`;
      await expectStytchError(
        client().magicLinks.email.invite({ organization_id, email_address: promoted, roles: ['stytch_admin'] }, asMember(recruiter)),
        403,
        'session_authorization_error',
      );
      await expectStytchError(client().organizations.members.get({ organization_id, email_address: promoted }), 404, 'member_not_found');
      expect(await emailsTo(promoted)).toEqual([]);

      const plain = `${unique('invitee')}@acme.com`;
      const invited = await client().magicLinks.email.invite({ organization_id, email_address: plain }, asMember(recruiter));
      expect(invited.member.roles.map((r) => r.role_id)).toEqual(['stytch_member']);
    });

    it("refuses an invite into another organization, even by an admin's session (tenancy)", async () => {
      const a = await team();
      const b = await team();
      const invitee = `${unique('invitee')}@acme.com`;
      await expectStytchError(
        client().magicLinks.email.invite({ organization_id: b.organization_id, email_address: invitee }, asMember(a.admin)),
        403,
        'session_authorization_tenancy_error',
      );
      await expectStytchError(
        client().organizations.members.get({ organization_id: b.organization_id, email_address: invitee }),
        404,
        'member_not_found',
      );
      expect(await emailsTo(invitee)).toEqual([]);
    });
  });

  describe('the session itself', () => {
    it('refuses a revoked session, an unknown token and a forged JWT, changing nothing', async () => {
      const { organization, organization_id, admin } = await team();
      const update = (authorization: { session_token?: string; session_jwt?: string }) =>
        client().organizations.update({ organization_id, organization_name: 'Nope' }, { authorization });
      await expectStytchError(update({ session_token: 'no-such-session' }), 404, 'session_not_found');
      await expectStytchError(update({ session_jwt: 'not.a.jwt' }), 401, 'invalid_session_jwt');
      await client().sessions.revoke({ session_token: admin.token });
      await expectStytchError(update({ session_token: admin.token }), 404, 'session_not_found');
      await expectStytchError(update({ session_jwt: admin.jwt }), 404, 'session_not_found');
      expect(await getOrganization(organization_id)).toEqual(organization);
    });

    it('refuses both headers at once', async () => {
      const { organization_id, admin } = await team();
      await expectStytchError(
        client().organizations.update(
          { organization_id, organization_name: 'Both' },
          { authorization: { session_token: admin.token, session_jwt: admin.jwt } },
        ),
        400,
        'too_many_session_arguments',
      );
    });
  });
});
