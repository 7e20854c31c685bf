import { randomUUID } from 'node:crypto';
import type { B2BClient } from 'stytch';
import { useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';
import { createMember, createOrganization, stytchError, unique } from '../helpers/factories';

type Member = Awaited<ReturnType<typeof createMember>>;
type UpdateRequest = Parameters<B2BClient['organizations']['members']['update']>[0];

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const email = (local = 'user', domain = 'acme.com') => `${unique(local)}@${domain}`;
const roleIds = (member: Member) => member.roles.map((r) => r.role_id).sort();
const roleOf = (member: Member, roleId: string) => member.roles.find((r) => r.role_id === roleId);

describe('organizations.members', () => {
  const ctx = useTestApp();

  const newOrg = (overrides: Record<string, unknown> = {}) => createOrganization(ctx.client, overrides);
  const getMember = (organization_id: string, member_id: string) =>
    ctx.client.organizations.members.get({ organization_id, member_id }).then((r) => r.member);
  const memberCount = (organization_id: string) => ctx.client.organizations.metrics({ organization_id }).then((r) => r.member_count);
  const update = (
    organization: { organization_id: string },
    member: Member,
    fields: Omit<UpdateRequest, 'organization_id' | 'member_id'>,
  ) => ctx.client.organizations.members.update({ organization_id: organization.organization_id, member_id: member.member_id, ...fields });

  describe('create', () => {
    it('round-trips every field given on create', async () => {
      const org = await newOrg();
      const address = email('ada');
      const fields = {
        name: 'Ada Lovelace',
        trusted_metadata: { tier: 'gold', seats: 3, nested: { a: [1, 2] } },
        untrusted_metadata: { theme: 'dark' },
        is_breakglass: true,
        mfa_phone_number: '+14155550123',
        mfa_enrolled: true,
        external_id: 'emp_42.x|y-z',
      };
      const { member, organization, member_id, status_code } = await ctx.client.organizations.members.create({
        organization_id: org.organization_id,
        email_address: address,
        roles: ['stytch_admin'],
        ...fields,
      });
      expect(status_code).toBe(200);
      expect(member_id).toBe(member.member_id);
      expect(organization.organization_id).toBe(org.organization_id);
      expect(member).toMatchObject({ organization_id: org.organization_id, email_address: address, ...fields, is_admin: true });
      expect(member.member_id).toMatch(/^member-test-[0-9a-f-]{36}$/);
      expect(roleIds(member)).toEqual(['stytch_admin', 'stytch_member']);
      expect(await getMember(org.organization_id, member.member_id)).toEqual(member);
    });

    it('makes a new member active, with empty registrations and RFC 3339 timestamps', async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id);
      expect(member.status).toBe('active');
      expect(member).toMatchObject({
        sso_registrations: [],
        oauth_registrations: [],
        retired_email_addresses: [],
        member_password_id: '',
        totp_registration_id: '',
        name: '',
        external_id: '',
        is_breakglass: false,
        mfa_enrolled: false,
        is_admin: false,
        trusted_metadata: {},
        untrusted_metadata: {},
      });
      expect(member.created_at).toMatch(RFC3339);
      expect(member.updated_at).toMatch(RFC3339);
      expect(Math.abs(Date.parse(member.created_at!) - Date.now())).toBeLessThan(60_000);
    });

    it('makes the member pending when create_member_as_pending is set', async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id, { create_member_as_pending: true });
      expect(member.status).toBe('pending');
      expect((await getMember(org.organization_id, member.member_id)).status).toBe('pending');
    });

    it('accepts the organization slug in place of its id', async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_slug);
      expect(member.organization_id).toBe(org.organization_id);
    });
  });

  describe('roles', () => {
    it('gives every member stytch_member and no admin rights by default', async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id);
      expect(roleIds(member)).toEqual(['stytch_member']);
      expect(member.is_admin).toBe(false);
    });

    it('marks an explicit stytch_admin as a direct assignment and makes the member an admin', async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id, { roles: ['stytch_admin'] });
      expect(member.is_admin).toBe(true);
      expect(roleOf(member, 'stytch_admin')!.sources).toEqual([{ type: 'direct_assignment', details: {} }]);
      expect(roleOf(member, 'stytch_member')).toBeDefined();
    });

    it("applies the organization's email-implicit roles with an email_assignment source", async () => {
      const org = await newOrg({ rbac_email_implicit_role_assignments: [{ domain: 'admins.example.com', role_id: 'stytch_admin' }] });
      const admin = await createMember(ctx.client, org.organization_id, { email_address: email('boss', 'Admins.Example.com') });
      const other = await createMember(ctx.client, org.organization_id, { email_address: email('dev', 'example.com') });
      expect(admin.is_admin).toBe(true);
      expect(roleOf(admin, 'stytch_admin')!.sources).toEqual([
        { type: 'email_assignment', details: expect.objectContaining({ email_domain: 'admins.example.com' }) },
      ]);
      expect(other.is_admin).toBe(false);
      expect(roleIds(other)).toEqual(['stytch_member']);
    });

    it("follows changes to the organization's email-implicit role rules", async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id, { email_address: email('ops', 'ops.example.com') });
      expect(member.is_admin).toBe(false);

      await ctx.client.organizations.update({
        organization_id: org.organization_id,
        rbac_email_implicit_role_assignments: [{ domain: 'ops.example.com', role_id: 'stytch_admin' }],
      });
      const promoted = await getMember(org.organization_id, member.member_id);
      expect(promoted.is_admin).toBe(true);
      expect(roleOf(promoted, 'stytch_admin')!.sources[0].type).toBe('email_assignment');

      await ctx.client.organizations.update({ organization_id: org.organization_id, rbac_email_implicit_role_assignments: [] });
      const demoted = await getMember(org.organization_id, member.member_id);
      expect(demoted.is_admin).toBe(false);
      expect(roleIds(demoted)).toEqual(['stytch_member']);
    });

    it('lists both sources when a role is assigned directly and by email rule', async () => {
      const org = await newOrg({ rbac_email_implicit_role_assignments: [{ domain: 'both.example.com', role_id: 'stytch_admin' }] });
      const member = await createMember(ctx.client, org.organization_id, {
        email_address: email('both', 'both.example.com'),
        roles: ['stytch_admin'],
      });
      expect(
        roleOf(member, 'stytch_admin')!
          .sources.map((s) => s.type)
          .sort(),
      ).toEqual(['direct_assignment', 'email_assignment']);
    });

    it.each([
      ['an unknown role', ['no_such_role'], 'invalid_rbac_role_id'],
      ['stytch_member explicitly', ['stytch_member'], 'cannot_assign_default_rbac_role_id'],
    ])('refuses to assign %s on create, creating nothing', async (_label, roles, errorType) => {
      const org = await newOrg();
      const address = email();
      const err = await stytchError(createMember(ctx.client, org.organization_id, { email_address: address, roles }));
      expectErrorEnvelope(err, 400, errorType);
      expectErrorEnvelope(
        await stytchError(ctx.client.organizations.members.get({ organization_id: org.organization_id, email_address: address })),
        404,
        'member_not_found',
      );
    });

    it('refuses an unknown role on update, leaving the roles as they were', async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id, { roles: ['stytch_admin'] });
      expectErrorEnvelope(await stytchError(update(org, member, { roles: ['stytch_admin', 'ghost'] })), 400, 'invalid_rbac_role_id');
      expect(await getMember(org.organization_id, member.member_id)).toEqual(member);
    });
  });

  describe('deduplication', () => {
    it.each([
      ['in another case', (e: string) => e.toUpperCase()],
      ['with surrounding spaces', (e: string) => `  ${e}\t`],
      ['in another case with spaces', (e: string) => ` ${e[0].toUpperCase()}${e.slice(1)} `],
    ])('refuses a second member with the same email %s, naming the existing member', async (_label, variant) => {
      const org = await newOrg();
      const existing = await createMember(ctx.client, org.organization_id, { email_address: email('dup') });
      const err = await stytchError(createMember(ctx.client, org.organization_id, { email_address: variant(existing.email_address) }));
      expectErrorEnvelope(err, 400, 'duplicate_member_email');
      expect(err.error_message).toContain(existing.member_id);
      expect(await memberCount(org.organization_id)).toBe(1);
    });

    it('makes the same email in another organization a separate member', async () => {
      const [orgA, orgB] = await Promise.all([newOrg(), newOrg()]);
      const address = email('shared');
      const a = await createMember(ctx.client, orgA.organization_id, { email_address: address });
      const b = await createMember(ctx.client, orgB.organization_id, { email_address: address.toUpperCase() });
      expect(b.member_id).not.toBe(a.member_id);
      expect(b.organization_id).toBe(orgB.organization_id);
      expect((await getMember(orgA.organization_id, a.member_id)).email_address).toBe(address);
    });

    it('stores the email trimmed with its case kept', async () => {
      const org = await newOrg();
      const address = `${unique('Grace')}@Acme.COM`;
      const member = await createMember(ctx.client, org.organization_id, { email_address: `  ${address} ` });
      expect(member.email_address).toBe(address);
    });
  });

  describe('get', () => {
    it('finds a member by member_id', async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id);
      const got = await ctx.client.organizations.members.get({ organization_id: org.organization_id, member_id: member.member_id });
      expect(got.member).toEqual(member);
      expect(got.member_id).toBe(member.member_id);
      expect(got.organization.organization_id).toBe(org.organization_id);
    });

    it('finds a member by its external_id given as member_id', async () => {
      const org = await newOrg();
      const externalId = unique('ext');
      const member = await createMember(ctx.client, org.organization_id, { external_id: externalId });
      expect((await getMember(org.organization_id, externalId)).member_id).toBe(member.member_id);
    });

    it('finds a member by email address case-insensitively', async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id, { email_address: `${unique('Mixed')}@Acme.com` });
      const got = await ctx.client.organizations.members.get({
        organization_id: org.organization_slug,
        email_address: ` ${member.email_address.toUpperCase()} `,
      });
      expect(got.member.member_id).toBe(member.member_id);
    });

    it.each([
      ['an unknown member_id', () => ({ member_id: `member-test-${randomUUID()}` })],
      ['an unknown external_id', () => ({ member_id: unique('nobody') })],
      ['an unknown email address', () => ({ email_address: email('nobody') })],
    ])('answers 404 member_not_found for %s', async (_label, ref) => {
      const org = await newOrg();
      await createMember(ctx.client, org.organization_id);
      const err = await stytchError(ctx.client.organizations.members.get({ organization_id: org.organization_id, ...ref() }));
      expectErrorEnvelope(err, 404, 'member_not_found');
    });

    it("does not find a member through another organization's id", async () => {
      const [orgA, orgB] = await Promise.all([newOrg(), newOrg()]);
      const member = await createMember(ctx.client, orgA.organization_id);
      expectErrorEnvelope(await stytchError(getMember(orgB.organization_id, member.member_id)), 404, 'member_not_found');
    });

    it('answers 404 organization_not_found for an unknown organization', async () => {
      const err = await stytchError(getMember(`organization-test-${randomUUID()}`, `member-test-${randomUUID()}`));
      expectErrorEnvelope(err, 404, 'organization_not_found');
    });

    it("hides another project's member as if absent", async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id);
      const other = await ctx.app.newProject();
      const err = await stytchError(
        other.client.organizations.members.get({ organization_id: org.organization_id, member_id: member.member_id }),
      );
      expect(err.status_code).toBe(404);
    });
  });

  describe('update', () => {
    it.each<[string, Omit<UpdateRequest, 'organization_id' | 'member_id'>, Record<string, unknown>]>([
      ['name', { name: 'Grace Hopper' }, { name: 'Grace Hopper' }],
      ['is_breakglass', { is_breakglass: true }, { is_breakglass: true }],
      ['mfa_phone_number', { mfa_phone_number: '+447700900123' }, { mfa_phone_number: '+447700900123' }],
      ['mfa_enrolled', { mfa_enrolled: true }, { mfa_enrolled: true }],
      ['default_mfa_method', { default_mfa_method: 'totp' }, { default_mfa_method: 'totp' }],
      ['external_id', { external_id: 'new-ext_1' }, { external_id: 'new-ext_1' }],
      ['roles', { roles: ['stytch_admin'] }, { is_admin: true }],
      ['trusted_metadata', { trusted_metadata: { plan: 'pro' } }, { trusted_metadata: { plan: 'pro' } }],
      ['untrusted_metadata', { untrusted_metadata: { locale: 'fr' } }, { untrusted_metadata: { locale: 'fr' } }],
    ])('updates %s and keeps the other fields', async (_field, fields, expected) => {
      const org = await newOrg();
      const before = await createMember(ctx.client, org.organization_id, { name: 'Before' });
      const { member } = await update(org, before, fields);
      expect(member).toMatchObject(expected);
      expect(member.email_address).toBe(before.email_address);
      if (!('name' in fields)) expect(member.name).toBe('Before');
      expect(member.created_at).toBe(before.created_at);
      expect(member.updated_at).toMatch(RFC3339);
      expect(await getMember(org.organization_id, before.member_id)).toEqual(member);
    });

    it.each(['trusted_metadata', 'untrusted_metadata'] as const)(
      'merges %s: given keys replace, null removes, others are kept',
      async (field) => {
        const org = await newOrg();
        const before = await createMember(ctx.client, org.organization_id, { [field]: { keep: 1, replace: { deep: true }, drop: 'x' } });
        const { member } = await update(org, before, { [field]: { replace: { other: 2 }, drop: null, added: [1] } });
        expect(member[field]).toEqual({ keep: 1, replace: { other: 2 }, added: [1] });
        expect((await getMember(org.organization_id, before.member_id))[field]).toEqual(member[field]);
      },
    );

    it('replaces the explicit roles rather than adding to them', async () => {
      const org = await newOrg();
      const admin = await createMember(ctx.client, org.organization_id, { roles: ['stytch_admin'] });
      const { member } = await update(org, admin, { roles: [] });
      expect(member.is_admin).toBe(false);
      expect(roleIds(member)).toEqual(['stytch_member']);
    });

    it('retires the old email when the email changes, so no other member can take it', async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id);
      const newEmail = email('renamed');
      const { member: updated } = await update(org, member, { email_address: newEmail });
      expect(updated.email_address).toBe(newEmail);
      expect(updated.retired_email_addresses).toEqual([{ email_id: expect.any(String), email_address: member.email_address }]);

      const createErr = await stytchError(
        createMember(ctx.client, org.organization_id, { email_address: member.email_address.toUpperCase() }),
      );
      expect(createErr.status_code).toBe(400);
      expect(createErr.error_type).toBe('retired_member_email');
      expect(await memberCount(org.organization_id)).toBe(1);

      const other = await createMember(ctx.client, org.organization_id);
      const updateErr = await stytchError(update(org, other, { email_address: member.email_address }));
      expectErrorEnvelope(updateErr, 400, 'retired_member_email');
      expect(await getMember(org.organization_id, other.member_id)).toEqual(other);
    });

    it('frees a retired email once the member that retired it is deleted', async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id);
      await update(org, member, { email_address: email('moved') });
      await ctx.client.organizations.members.delete({ organization_id: org.organization_id, member_id: member.member_id });
      const taker = await createMember(ctx.client, org.organization_id, { email_address: member.email_address });
      expect(taker.email_address).toBe(member.email_address);
    });

    it("refuses to change a member's email to another member's email", async () => {
      const org = await newOrg();
      const [a, b] = [await createMember(ctx.client, org.organization_id), await createMember(ctx.client, org.organization_id)];
      const err = await stytchError(update(org, b, { email_address: ` ${a.email_address.toUpperCase()} ` }));
      expectErrorEnvelope(err, 400, 'duplicate_member_email');
      expect(err.error_message).toContain(a.member_id);
      expect(await getMember(org.organization_id, b.member_id)).toEqual(b);
    });

    it('refuses an external_id another member of the organization holds', async () => {
      const org = await newOrg();
      const externalId = unique('ext');
      await createMember(ctx.client, org.organization_id, { external_id: externalId });
      const other = await createMember(ctx.client, org.organization_id);
      expectErrorEnvelope(await stytchError(update(org, other, { external_id: externalId })), 400, 'duplicate_member_external_id');
      expect(await getMember(org.organization_id, other.member_id)).toEqual(other);
      expectErrorEnvelope(
        await stytchError(createMember(ctx.client, org.organization_id, { external_id: externalId })),
        400,
        'duplicate_member_external_id',
      );
      expect(await memberCount(org.organization_id)).toBe(2);
    });

    it('allows the same external_id in another organization', async () => {
      const [orgA, orgB] = await Promise.all([newOrg(), newOrg()]);
      const externalId = unique('ext');
      await createMember(ctx.client, orgA.organization_id, { external_id: externalId });
      const b = await createMember(ctx.client, orgB.organization_id, { external_id: externalId });
      expect(b.external_id).toBe(externalId);
    });

    it('answers 404 when updating a deleted member', async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id);
      await ctx.client.organizations.members.delete({ organization_id: org.organization_id, member_id: member.member_id });
      expectErrorEnvelope(await stytchError(update(org, member, { name: 'Ghost' })), 404, 'member_not_found');
    });
  });

  describe('delete and reactivate', () => {
    async function createAndDelete(orgId: string, overrides: Record<string, unknown> = {}) {
      const member = await createMember(ctx.client, orgId, overrides);
      const response = await ctx.client.organizations.members.delete({ organization_id: orgId, member_id: member.member_id });
      expect(response).toMatchObject({ status_code: 200, member_id: member.member_id });
      return member;
    }

    it('soft-deletes: get answers 404 but dangerouslyGet with include_deleted finds it deleted', async () => {
      const org = await newOrg();
      const member = await createAndDelete(org.organization_id);
      expectErrorEnvelope(await stytchError(getMember(org.organization_id, member.member_id)), 404, 'member_not_found');
      expectErrorEnvelope(
        await stytchError(
          ctx.client.organizations.members.get({ organization_id: org.organization_id, email_address: member.email_address }),
        ),
        404,
        'member_not_found',
      );
      expectErrorEnvelope(
        await stytchError(ctx.client.organizations.members.dangerouslyGet({ member_id: member.member_id })),
        404,
        'member_not_found',
      );
      const found = await ctx.client.organizations.members.dangerouslyGet({ member_id: member.member_id, include_deleted: true });
      expect(found.member).toMatchObject({ member_id: member.member_id, status: 'deleted', email_address: member.email_address });
      expect(await memberCount(org.organization_id)).toBe(0);
    });

    it('answers 404 when deleting a member twice', async () => {
      const org = await newOrg();
      const member = await createAndDelete(org.organization_id);
      const err = await stytchError(
        ctx.client.organizations.members.delete({ organization_id: org.organization_id, member_id: member.member_id }),
      );
      expectErrorEnvelope(err, 404, 'member_not_found');
    });

    it("lets a new member take a deleted member's email", async () => {
      const org = await newOrg();
      const deleted = await createAndDelete(org.organization_id);
      const fresh = await createMember(ctx.client, org.organization_id, { email_address: deleted.email_address });
      expect(fresh.member_id).not.toBe(deleted.member_id);
      expect(fresh.status).toBe('active');
    });

    it('reactivates a deleted member', async () => {
      const org = await newOrg();
      const member = await createAndDelete(org.organization_id, { name: 'Back Again' });
      const response = await ctx.client.organizations.members.reactivate({
        organization_id: org.organization_id,
        member_id: member.member_id,
      });
      expect(response.member).toMatchObject({ member_id: member.member_id, status: 'active', name: 'Back Again' });
      expect((await getMember(org.organization_id, member.member_id)).status).toBe('active');
      expect(await memberCount(org.organization_id)).toBe(1);
    });

    it('refuses to reactivate a member that is not deleted', async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id);
      const err = await stytchError(
        ctx.client.organizations.members.reactivate({ organization_id: org.organization_id, member_id: member.member_id }),
      );
      expectErrorEnvelope(err, 400, 'no_deleted_member_found_for_reactivation');
      expect(await getMember(org.organization_id, member.member_id)).toEqual(member);
    });

    it('refuses to reactivate a member whose email another member now holds', async () => {
      const org = await newOrg();
      const deleted = await createAndDelete(org.organization_id);
      const holder = await createMember(ctx.client, org.organization_id, { email_address: deleted.email_address.toUpperCase() });
      const err = await stytchError(
        ctx.client.organizations.members.reactivate({ organization_id: org.organization_id, member_id: deleted.member_id }),
      );
      expectErrorEnvelope(err, 400, 'reactivation_email_belongs_to_another_member');
      const still = await ctx.client.organizations.members.dangerouslyGet({ member_id: deleted.member_id, include_deleted: true });
      expect(still.member.status).toBe('deleted');
      expect((await getMember(org.organization_id, holder.member_id)).status).toBe('active');
    });
  });

  describe('deleteExternalId', () => {
    it('clears the external_id so it no longer finds the member and may be reused', async () => {
      const org = await newOrg();
      const externalId = unique('ext');
      const member = await createMember(ctx.client, org.organization_id, { external_id: externalId });
      const response = await ctx.client.organizations.members.deleteExternalId({
        organization_id: org.organization_id,
        member_id: member.member_id,
      });
      expect(response.member).toMatchObject({ member_id: member.member_id, external_id: '' });
      expectErrorEnvelope(await stytchError(getMember(org.organization_id, externalId)), 404, 'member_not_found');
      const reuser = await createMember(ctx.client, org.organization_id, { external_id: externalId });
      expect(reuser.external_id).toBe(externalId);
    });

    it('answers 404 for an unknown member', async () => {
      const org = await newOrg();
      const err = await stytchError(
        ctx.client.organizations.members.deleteExternalId({
          organization_id: org.organization_id,
          member_id: `member-test-${randomUUID()}`,
        }),
      );
      expectErrorEnvelope(err, 404, 'member_not_found');
    });
  });

  describe('dangerouslyGet', () => {
    it('finds members by member_id alone, across organizations', async () => {
      const [orgA, orgB] = await Promise.all([newOrg(), newOrg()]);
      const a = await createMember(ctx.client, orgA.organization_id);
      const b = await createMember(ctx.client, orgB.organization_id);
      for (const [member, org] of [
        [a, orgA],
        [b, orgB],
      ] as const) {
        const got = await ctx.client.organizations.members.dangerouslyGet({ member_id: member.member_id });
        expect(got.member).toEqual(member);
        expect(got.organization.organization_id).toBe(org.organization_id);
      }
    });

    it("answers 404 for another project's member", async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id);
      const other = await ctx.app.newProject();
      const err = await stytchError(other.client.organizations.members.dangerouslyGet({ member_id: member.member_id }));
      expectErrorEnvelope(err, 404, 'member_not_found');
    });
  });

  describe('bad input', () => {
    const badFields: [string, Record<string, unknown>, string][] = [
      ['an invalid email', { email_address: 'not-an-email' }, 'invalid_email'],
      ['an email with inner spaces', { email_address: 'a b@acme.com' }, 'invalid_email'],
      ['a phone number not in E.164', { mfa_phone_number: '415-555-0123' }, 'invalid_phone_number'],
      ['a phone number without +', { mfa_phone_number: '14155550123' }, 'invalid_phone_number'],
      ['an external_id with forbidden characters', { external_id: 'has space/slash' }, 'invalid_external_id'],
      ['an external_id longer than 128 characters', { external_id: 'x'.repeat(129) }, 'invalid_external_id'],
    ];
    const wrongTypes: [string, Record<string, unknown>][] = [
      ['trusted_metadata as a string', { trusted_metadata: 'gold' }],
      ['untrusted_metadata as an array', { untrusted_metadata: [1, 2] }],
      ['trusted_metadata as a number', { trusted_metadata: 7 }],
    ];

    it.each(badFields)('refuses to create a member with %s, creating nothing', async (_label, fields, errorType) => {
      const org = await newOrg();
      expectErrorEnvelope(await stytchError(createMember(ctx.client, org.organization_id, fields)), 400, errorType);
      expect(await memberCount(org.organization_id)).toBe(0);
    });

    it.each(badFields)('refuses to update a member with %s, changing nothing', async (_label, fields, errorType) => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id, { external_id: unique('ext'), mfa_phone_number: '+14155550100' });
      expectErrorEnvelope(await stytchError(update(org, member, { name: 'Changed', ...fields })), 400, errorType);
      expect(await getMember(org.organization_id, member.member_id)).toEqual(member);
    });

    it.each(wrongTypes)('refuses to create a member with %s, creating nothing', async (_label, fields) => {
      const org = await newOrg();
      const res = await ctx.app.http('POST', `/v1/b2b/organizations/${org.organization_id}/members`, {
        body: { email_address: email(), ...fields },
      });
      expect(res.status).toBe(400);
      expectErrorEnvelope(res.body, 400, 'metadata_invalid_format');
      expect(await memberCount(org.organization_id)).toBe(0);
    });

    it.each(wrongTypes)('refuses to update a member with %s, changing nothing', async (_label, fields) => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id, { trusted_metadata: { a: 1 }, untrusted_metadata: { b: 2 } });
      const res = await ctx.app.http('PUT', `/v1/b2b/organizations/${org.organization_id}/members/${member.member_id}`, {
        body: { name: 'Changed', ...fields },
      });
      expectErrorEnvelope(res.body, 400, 'metadata_invalid_format');
      expect(await getMember(org.organization_id, member.member_id)).toEqual(member);
    });

    it('refuses a create without email_address, naming the field', async () => {
      const org = await newOrg();
      const res = await ctx.app.http('POST', `/v1/b2b/organizations/${org.organization_id}/members`, { body: { name: 'No Email' } });
      expect(res.status).toBe(400);
      expect(res.body.error_message).toContain('email_address');
      expect(await memberCount(org.organization_id)).toBe(0);
    });

    it('refuses malformed JSON with a clean 400', async () => {
      const org = await newOrg();
      const res = await ctx.app.http('POST', `/v1/b2b/organizations/${org.organization_id}/members`, { body: '{"email_address": ' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        status_code: 400,
        error_type: expect.any(String),
        request_id: expect.stringMatching(/^request-id-/),
      });
      expect(await memberCount(org.organization_id)).toBe(0);
    });

    it('refuses a member create without credentials', async () => {
      const org = await newOrg();
      const res = await ctx.app.http('POST', `/v1/b2b/organizations/${org.organization_id}/members`, {
        body: { email_address: email() },
        auth: null,
      });
      expect(res.status).toBe(401);
      expect(await memberCount(org.organization_id)).toBe(0);
    });
  });
});
