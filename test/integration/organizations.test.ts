import type { B2BClient } from 'stytch';
import { useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { createMember, createOrganization, unique } from '../helpers/factories';

type CreateRequest = Parameters<B2BClient['organizations']['create']>[0];
type UpdateRequest = Parameters<B2BClient['organizations']['update']>[0];
type Organization = Awaited<ReturnType<typeof createOrganization>>;

const ORGANIZATION_ID = /^organization-test-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('organizations endpoints', () => {
  const ctx = useTestApp();

  const get = async (ref: string) => (await ctx.client.organizations.get({ organization_id: ref })).organization;

  /** The organization reads back exactly as it was. */
  async function expectUnchanged(organization: Organization) {
    expect(await get(organization.organization_id)).toEqual(organization);
  }

  /** No organization of the project has this name (a refused create left nothing behind). */
  async function expectNoOrganizationNamed(name: string) {
    const { results_metadata } = await ctx.client.organizations.search({
      query: { operator: 'AND', operands: [{ filter_name: 'organization_name_fuzzy', filter_value: name }] },
    });
    expect(results_metadata.total).toBe(0);
  }

  describe('create', () => {
    it('fills every field of the Organization object with Stytch defaults', async () => {
      const slug = unique('defaults');
      const { organization, status_code, request_id } = await ctx.client.organizations.create({
        organization_name: 'Defaults Inc',
        organization_slug: slug,
      });
      expect(status_code).toBe(200);
      expect(request_id).toMatch(/^request-id-/);
      expect(organization).toEqual({
        organization_id: expect.stringMatching(ORGANIZATION_ID),
        organization_name: 'Defaults Inc',
        organization_logo_url: '',
        organization_slug: slug,
        organization_external_id: '',
        trusted_metadata: {},
        sso_jit_provisioning: 'ALL_ALLOWED',
        sso_jit_provisioning_allowed_connections: [],
        sso_active_connections: [],
        email_allowed_domains: [],
        email_jit_provisioning: 'NOT_ALLOWED',
        email_invites: 'ALL_ALLOWED',
        auth_methods: 'ALL_ALLOWED',
        allowed_auth_methods: [],
        mfa_policy: 'OPTIONAL',
        mfa_methods: 'ALL_ALLOWED',
        allowed_mfa_methods: [],
        rbac_email_implicit_role_assignments: [],
        oauth_tenant_jit_provisioning: 'NOT_ALLOWED',
        allowed_oauth_tenants: {},
        claimed_email_domains: [],
        first_party_connected_apps_allowed_type: 'ALL_ALLOWED',
        allowed_first_party_connected_apps: [],
        third_party_connected_apps_allowed_type: 'ALL_ALLOWED',
        allowed_third_party_connected_apps: [],
        custom_roles: [],
        created_at: expect.stringMatching(TIMESTAMP),
        updated_at: expect.stringMatching(TIMESTAMP),
      });
      expect(Math.abs(Date.parse(organization.created_at!) - Date.now())).toBeLessThan(60_000);
    });

    it('stores every settable field and returns it unchanged on get', async () => {
      const input = {
        organization_name: 'Full Settings Ltd',
        organization_slug: unique('full'),
        organization_logo_url: 'https://cdn.example.com/logo.png',
        organization_external_id: unique('ext'),
        trusted_metadata: { plan: 'enterprise', seats: 40, billing: { currency: 'EUR' } },
        sso_jit_provisioning: 'NOT_ALLOWED',
        email_allowed_domains: ['fullsettings.com', 'fullsettings.io'],
        email_jit_provisioning: 'RESTRICTED',
        email_invites: 'RESTRICTED',
        auth_methods: 'RESTRICTED',
        allowed_auth_methods: ['magic_link', 'sso', 'password'],
        mfa_policy: 'REQUIRED_FOR_ALL',
        mfa_methods: 'RESTRICTED',
        allowed_mfa_methods: ['totp'],
        rbac_email_implicit_role_assignments: [{ domain: 'fullsettings.com', role_id: 'stytch_admin' }],
        oauth_tenant_jit_provisioning: 'RESTRICTED',
        allowed_oauth_tenants: { slack: ['T0123ABCD'], github: ['full-settings'] },
        claimed_email_domains: ['fullsettings.com'],
        first_party_connected_apps_allowed_type: 'RESTRICTED',
        allowed_first_party_connected_apps: ['connected-app-test-1'],
        third_party_connected_apps_allowed_type: 'NOT_ALLOWED',
        allowed_third_party_connected_apps: [],
      } satisfies CreateRequest;
      const { organization } = await ctx.client.organizations.create(input);
      expect(organization).toMatchObject(input);
      expect(await get(organization.organization_id)).toEqual(organization);
    });

    it('generates a valid slug from the name when none is given', async () => {
      const name = `Globex Widgets ${unique('co')}`;
      const organization = await createOrganization(ctx.client, { organization_name: name, organization_slug: undefined });
      expect(organization.organization_slug).toMatch(/^[A-Za-z0-9._~-]{2,128}$/);
      expect(organization.organization_slug.toLowerCase()).toContain('globex-widgets');
      expect((await get(organization.organization_slug)).organization_id).toBe(organization.organization_id);
    });

    it('generates distinct slugs for two organizations created with the same name and no slug', async () => {
      const name = `Initech ${unique('co')}`;
      const first = await createOrganization(ctx.client, { organization_name: name, organization_slug: undefined });
      const second = await createOrganization(ctx.client, { organization_name: name, organization_slug: undefined });
      expect(second.organization_slug).not.toBe(first.organization_slug);
      expect(second.organization_slug.toLowerCase()).not.toBe(first.organization_slug.toLowerCase());
    });

    it.each([
      ['the reserved characters', 'a-b.c_d~e'],
      ['the minimum length of 2', 'a1'],
      ['the maximum length of 128', 'x'.repeat(128)],
      ['upper-case letters', 'MixedCase-Org'],
    ])('accepts a slug with %s', async (_label, slug) => {
      const organization = await createOrganization(ctx.client, { organization_slug: slug });
      expect(organization.organization_slug).toBe(slug);
    });

    it.each([
      ['is one character long', 'a'],
      ['is empty', ''],
      ['is 129 characters long', 'y'.repeat(129)],
      ['contains a space', 'acme corp'],
      ['contains a slash', 'acme/corp'],
      ['contains a non-ASCII letter', 'acmé-corp'],
      ['contains a reserved character outside the set', 'acme!corp'],
      ['has no alphanumeric character', '-._~'],
    ])('refuses a slug that %s with invalid_organization_slug and creates nothing', async (_label, slug) => {
      const name = unique('badslug');
      await expectStytchError(
        ctx.client.organizations.create({ organization_name: name, organization_slug: slug }),
        400,
        'invalid_organization_slug',
      );
      await expectNoOrganizationNamed(name);
    });

    it.each([
      ['the same case', (slug: string) => slug],
      ['another letter case', (slug: string) => slug.toUpperCase()],
    ])('refuses a slug already used by another organization, in %s', async (_label, variant) => {
      const existing = await createOrganization(ctx.client);
      const name = unique('dupslug');
      await expectStytchError(
        ctx.client.organizations.create({ organization_name: name, organization_slug: variant(existing.organization_slug) }),
        400,
        'organization_slug_already_used',
      );
      await expectNoOrganizationNamed(name);
      await expectUnchanged(existing);
    });

    it("reuses a deleted organization's slug for a new organization", async () => {
      const deleted = await createOrganization(ctx.client);
      await ctx.client.organizations.delete({ organization_id: deleted.organization_id });
      const reborn = await createOrganization(ctx.client, { organization_slug: deleted.organization_slug });
      expect(reborn.organization_id).not.toBe(deleted.organization_id);
      expect((await get(deleted.organization_slug)).organization_id).toBe(reborn.organization_id);
    });

    it.each([
      ['an empty name', { organization_name: '' }, 'invalid_organization_name'],
      ['a name longer than 128 characters', { organization_name: 'n'.repeat(129) }, 'invalid_organization_name'],
    ])('refuses %s', async (_label, overrides, errorType) => {
      const slug = unique('badname');
      await expectStytchError(ctx.client.organizations.create({ organization_slug: slug, ...overrides }), 400, errorType);
      await expectStytchError(get(slug), 404, 'organization_not_found');
    });

    it('refuses an organization_external_id already used by another organization', async () => {
      const externalId = unique('ext');
      const existing = await createOrganization(ctx.client, { organization_external_id: externalId });
      const name = unique('dupext');
      await expectStytchError(
        ctx.client.organizations.create({
          organization_name: name,
          organization_slug: unique('dupext'),
          organization_external_id: externalId,
        }),
        400,
        /external_id/,
      );
      await expectNoOrganizationNamed(name);
      expect((await get(externalId)).organization_id).toBe(existing.organization_id);
    });

    it.each([
      ['no auth settings are given', {}, 'ALL_ALLOWED'],
      ['only sso_jit_provisioning is given', { sso_jit_provisioning: 'ALL_ALLOWED' }, 'NOT_ALLOWED'],
      [
        'only email_jit_provisioning is given',
        { email_jit_provisioning: 'RESTRICTED', email_allowed_domains: ['jitonly.com'] },
        'NOT_ALLOWED',
      ],
      [
        'sso_jit_provisioning and email_invites are both given',
        { sso_jit_provisioning: 'ALL_ALLOWED', email_invites: 'ALL_ALLOWED' },
        'ALL_ALLOWED',
      ],
    ])('defaults email_invites when %s', async (_label, overrides, expected) => {
      const organization = await createOrganization(ctx.client, overrides);
      expect(organization.email_invites).toBe(expected);
    });
  });

  describe('get', () => {
    it.each([
      ['its organization_id', (o: Organization) => o.organization_id],
      ['its slug', (o: Organization) => o.organization_slug],
      ['its organization_external_id', (o: Organization) => o.organization_external_id!],
    ])('finds an organization by %s', async (_label, ref) => {
      const organization = await createOrganization(ctx.client, { organization_external_id: unique('ext') });
      const response = await ctx.client.organizations.get({ organization_id: ref(organization) });
      expect(response.status_code).toBe(200);
      expect(response.organization).toEqual(organization);
    });

    it('answers 404 organization_not_found for an unknown organization id', async () => {
      await expectStytchError(get('organization-test-00000000-0000-7000-8000-000000000000'), 404, 'organization_not_found');
    });

    it("answers 404 for another project's organization, by id and by slug", async () => {
      const other = await ctx.app.newProject();
      const foreign = await createOrganization(other.client);
      await expectStytchError(get(foreign.organization_id), 404, 'organization_not_found');
      await expectStytchError(get(foreign.organization_slug), 404, 'organization_not_found');
    });
  });

  describe('update', () => {
    const update = async (organization: Organization, fields: Omit<UpdateRequest, 'organization_id'>) =>
      (await ctx.client.organizations.update({ organization_id: organization.organization_id, ...fields })).organization;

    it.each<[string, Omit<UpdateRequest, 'organization_id'>]>([
      ['organization_name', { organization_name: 'Renamed Corp' }],
      ['organization_slug', { organization_slug: unique('renamed') }],
      ['organization_logo_url', { organization_logo_url: 'https://cdn.example.com/new-logo.svg' }],
      ['organization_external_id', { organization_external_id: unique('ext') }],
      ['sso_jit_provisioning', { sso_jit_provisioning: 'NOT_ALLOWED' }],
      ['email_allowed_domains', { email_allowed_domains: ['renamed.com', 'renamed.dev'] }],
      ['email_jit_provisioning', { email_jit_provisioning: 'RESTRICTED', email_allowed_domains: ['renamed.com'] }],
      ['email_invites', { email_invites: 'RESTRICTED', email_allowed_domains: ['renamed.com'] }],
      ['auth_methods', { auth_methods: 'RESTRICTED', allowed_auth_methods: ['email_otp', 'google_oauth'] }],
      ['allowed_auth_methods', { allowed_auth_methods: ['microsoft_oauth'] }],
      ['mfa_policy', { mfa_policy: 'REQUIRED_FOR_ALL' }],
      ['mfa_methods', { mfa_methods: 'RESTRICTED', allowed_mfa_methods: ['sms_otp'] }],
      ['allowed_mfa_methods', { allowed_mfa_methods: ['sms_otp', 'totp'] }],
      [
        'rbac_email_implicit_role_assignments',
        { rbac_email_implicit_role_assignments: [{ domain: 'renamed.com', role_id: 'stytch_admin' }] },
      ],
      ['oauth_tenant_jit_provisioning', { oauth_tenant_jit_provisioning: 'RESTRICTED', allowed_oauth_tenants: { hubspot: ['12345'] } }],
      ['claimed_email_domains', { claimed_email_domains: ['renamed.com'] }],
      ['first_party_connected_apps_allowed_type', { first_party_connected_apps_allowed_type: 'NOT_ALLOWED' }],
      [
        'allowed_third_party_connected_apps',
        { third_party_connected_apps_allowed_type: 'RESTRICTED', allowed_third_party_connected_apps: ['app-1'] },
      ],
    ])('changes %s and keeps every other field', async (_label, fields) => {
      const organization = await createOrganization(ctx.client);
      const updated = await update(organization, fields);
      expect(updated).toEqual({ ...organization, ...fields, updated_at: expect.stringMatching(TIMESTAMP) });
      expect(Date.parse(updated.updated_at!)).toBeGreaterThanOrEqual(Date.parse(organization.updated_at!));
      expect(await get(organization.organization_id)).toEqual(updated);
    });

    it('merges trusted_metadata by top-level key and removes keys set to null', async () => {
      const organization = await createOrganization(ctx.client, {
        trusted_metadata: { plan: 'free', limits: { seats: 5, sso: false }, region: 'eu', keep: 'me' },
      });
      const updated = await update(organization, {
        trusted_metadata: { plan: 'pro', limits: { seats: 50 }, region: null, added: [1, 2] },
      });
      const expected = { plan: 'pro', limits: { seats: 50 }, keep: 'me', added: [1, 2] };
      expect(updated.trusted_metadata).toEqual(expected);
      expect((await get(organization.organization_id)).trusted_metadata).toEqual(expected);
    });

    it('updates an organization addressed by its slug', async () => {
      const organization = await createOrganization(ctx.client);
      const updated = (
        await ctx.client.organizations.update({ organization_id: organization.organization_slug, organization_name: 'By Slug' })
      ).organization;
      expect(updated.organization_id).toBe(organization.organization_id);
      expect((await get(organization.organization_id)).organization_name).toBe('By Slug');
    });

    it.each([
      ['the same case', (slug: string) => slug],
      ['another letter case', (slug: string) => slug.toUpperCase()],
    ])("refuses to take another organization's slug, in %s", async (_label, variant) => {
      const taken = await createOrganization(ctx.client);
      const organization = await createOrganization(ctx.client);
      await expectStytchError(
        update(organization, { organization_slug: variant(taken.organization_slug) }),
        400,
        'organization_slug_already_used',
      );
      await expectUnchanged(organization);
    });

    it("refuses to take another organization's organization_external_id", async () => {
      const taken = await createOrganization(ctx.client, { organization_external_id: unique('ext') });
      const organization = await createOrganization(ctx.client);
      await expectStytchError(update(organization, { organization_external_id: taken.organization_external_id }), 400, /external_id/);
      await expectUnchanged(organization);
    });

    it.each<[string, Record<string, unknown>, Omit<UpdateRequest, 'organization_id'>, string]>([
      [
        'refuses an invalid slug and leaves the organization unchanged',
        {},
        { organization_slug: 'no spaces allowed' },
        'invalid_organization_slug',
      ],
      [
        'refuses to empty allowed_auth_methods while auth_methods is RESTRICTED',
        { auth_methods: 'RESTRICTED', allowed_auth_methods: ['sso'] },
        { allowed_auth_methods: [] },
        'allowed_auth_methods_required_for_restricted',
      ],
      [
        'refuses to empty allowed_mfa_methods while mfa_methods is RESTRICTED',
        { mfa_methods: 'RESTRICTED', allowed_mfa_methods: ['totp'] },
        { allowed_mfa_methods: [] },
        'allowed_mfa_methods_required_for_restricted',
      ],
      [
        'refuses to empty email_allowed_domains while email_invites is RESTRICTED',
        { email_invites: 'RESTRICTED', email_allowed_domains: ['kept.com'] },
        { email_allowed_domains: [] },
        'invalid_restricted_email_setting',
      ],
    ])('%s', async (_title, created, fields, errorType) => {
      const organization = await createOrganization(ctx.client, created);
      await expectStytchError(update(organization, fields), 400, errorType);
      await expectUnchanged(organization);
    });

    it('answers 404 organization_not_found for an unknown organization', async () => {
      await expectStytchError(
        ctx.client.organizations.update({
          organization_id: 'organization-test-00000000-0000-7000-8000-000000000000',
          organization_name: 'Nope',
        }),
        404,
        'organization_not_found',
      );
    });
  });

  /** Settings refused by Stytch's rules, whether given on create or on update. */
  const refusedSettings: [string, Record<string, unknown>, string][] = [
    [
      'auth_methods RESTRICTED with an empty allowed_auth_methods',
      { auth_methods: 'RESTRICTED', allowed_auth_methods: [] },
      'allowed_auth_methods_required_for_restricted',
    ],
    [
      'auth_methods RESTRICTED without allowed_auth_methods',
      { auth_methods: 'RESTRICTED' },
      'allowed_auth_methods_required_for_restricted',
    ],
    [
      'mfa_methods RESTRICTED with an empty allowed_mfa_methods',
      { mfa_methods: 'RESTRICTED', allowed_mfa_methods: [] },
      'allowed_mfa_methods_required_for_restricted',
    ],
    ['mfa_methods RESTRICTED without allowed_mfa_methods', { mfa_methods: 'RESTRICTED' }, 'allowed_mfa_methods_required_for_restricted'],
    ['gmail.com as an allowed domain', { email_allowed_domains: ['acme.com', 'gmail.com'] }, 'organization_settings_domain_too_common'],
    ['yahoo.co.uk as an allowed domain', { email_allowed_domains: ['yahoo.co.uk'] }, 'organization_settings_domain_too_common'],
    [
      'a common domain in upper case as an allowed domain',
      { email_allowed_domains: ['Outlook.COM'] },
      'organization_settings_domain_too_common',
    ],
    ['email_invites RESTRICTED without allowed domains', { email_invites: 'RESTRICTED' }, 'invalid_restricted_email_setting'],
    [
      'email_jit_provisioning RESTRICTED without allowed domains',
      { email_jit_provisioning: 'RESTRICTED' },
      'invalid_restricted_email_setting',
    ],
    [
      'sso_jit_provisioning, email_jit_provisioning and email_invites all NOT_ALLOWED',
      { sso_jit_provisioning: 'NOT_ALLOWED', email_jit_provisioning: 'NOT_ALLOWED', email_invites: 'NOT_ALLOWED' },
      'invalid_organization_auth_method_settings',
    ],
    ['an unknown auth_methods value', { auth_methods: 'SOMETIMES' }, 'invalid_organization_auth_method_settings'],
    ['an unknown allowed_auth_methods entry', { allowed_auth_methods: ['carrier_pigeon'] }, 'invalid_organization_allowed_auth_methods'],
    ['an unknown mfa_policy value', { mfa_policy: 'NEVER' }, 'invalid_organization_mfa_policy'],
    ['an unknown mfa_methods value', { mfa_methods: 'NONE' }, 'invalid_organization_mfa_factor_setting'],
    ['an unknown allowed_mfa_methods entry', { allowed_mfa_methods: ['email_otp'] }, 'invalid_organization_allowed_mfa_methods'],
    ['an unknown sso_jit_provisioning value', { sso_jit_provisioning: 'MAYBE' }, 'invalid_organization_sso_jit_provisioning'],
    ['ALL_ALLOWED for email_jit_provisioning', { email_jit_provisioning: 'ALL_ALLOWED' }, 'invalid_organization_email_jit_provisioning'],
    ['an unknown email_invites value', { email_invites: 'EVERYONE' }, 'invalid_organization_email_invites'],
    [
      'an unknown role in rbac_email_implicit_role_assignments',
      { rbac_email_implicit_role_assignments: [{ domain: 'acme.com', role_id: 'galactic_overlord' }] },
      'invalid_rbac_role_id',
    ],
  ];

  describe('cross-field and enum rules', () => {
    it('accepts a company domain that merely starts with a consumer provider label', async () => {
      const organization = await createOrganization(ctx.client, { email_allowed_domains: ['mail.acme-corp.com', 'live.acme-corp.com'] });
      expect(organization.email_allowed_domains).toEqual(['mail.acme-corp.com', 'live.acme-corp.com']);
    });

    it.each(refusedSettings)('refuses %s on create and creates nothing', async (_label, settings, errorType) => {
      const name = unique('refused');
      const slug = unique('refused');
      await expectStytchError(
        ctx.client.organizations.create({ organization_name: name, organization_slug: slug, ...settings } as CreateRequest),
        400,
        errorType,
      );
      await expectNoOrganizationNamed(name);
      await expectStytchError(get(slug), 404, 'organization_not_found');
    });

    it.each(refusedSettings)('refuses %s on update and leaves the organization unchanged', async (_label, settings, errorType) => {
      const organization = await createOrganization(ctx.client);
      await expectStytchError(
        ctx.client.organizations.update({ organization_id: organization.organization_id, ...settings } as UpdateRequest),
        400,
        errorType,
      );
      await expectUnchanged(organization);
    });
  });

  describe('delete', () => {
    it('deletes an organization, after which get answers 404 organization_not_found', async () => {
      const organization = await createOrganization(ctx.client);
      const response = await ctx.client.organizations.delete({ organization_id: organization.organization_id });
      expect(response).toMatchObject({ status_code: 200, organization_id: organization.organization_id });
      expect(response.request_id).toMatch(/^request-id-/);
      await expectStytchError(get(organization.organization_id), 404, 'organization_not_found');
      await expectStytchError(get(organization.organization_slug), 404, 'organization_not_found');
    });

    it('answers 404 when deleting an organization a second time', async () => {
      const organization = await createOrganization(ctx.client);
      await ctx.client.organizations.delete({ organization_id: organization.organization_id });
      await expectStytchError(
        ctx.client.organizations.delete({ organization_id: organization.organization_id }),
        404,
        'organization_not_found',
      );
    });

    it('refuses to update or count members of a deleted organization', async () => {
      const organization = await createOrganization(ctx.client);
      await ctx.client.organizations.delete({ organization_id: organization.organization_id });
      await expectStytchError(
        ctx.client.organizations.update({ organization_id: organization.organization_id, organization_name: 'Ghost' }),
        404,
        'organization_not_found',
      );
      await expectStytchError(
        ctx.client.organizations.metrics({ organization_id: organization.organization_id }),
        404,
        'organization_not_found',
      );
    });

    it("does not delete another project's organization", async () => {
      const other = await ctx.app.newProject();
      const foreign = await createOrganization(other.client);
      await expectStytchError(ctx.client.organizations.delete({ organization_id: foreign.organization_id }), 404, 'organization_not_found');
      expect((await other.client.organizations.get({ organization_id: foreign.organization_id })).organization).toEqual(foreign);
    });
  });

  describe('deleteExternalId', () => {
    it('clears organization_external_id and keeps every other field', async () => {
      const externalId = unique('ext');
      const organization = await createOrganization(ctx.client, { organization_external_id: externalId });
      const { organization: cleared, status_code } = await ctx.client.organizations.deleteExternalId({
        organization_id: organization.organization_id,
      });
      expect(status_code).toBe(200);
      expect(cleared).toEqual({ ...organization, organization_external_id: '', updated_at: expect.stringMatching(TIMESTAMP) });
      expect(await get(organization.organization_id)).toEqual(cleared);
      await expectStytchError(get(externalId), 404, 'organization_not_found');
    });

    it('frees the external id for another organization', async () => {
      const externalId = unique('ext');
      const first = await createOrganization(ctx.client, { organization_external_id: externalId });
      await ctx.client.organizations.deleteExternalId({ organization_id: first.organization_id });
      const second = await createOrganization(ctx.client, { organization_external_id: externalId });
      expect((await get(externalId)).organization_id).toBe(second.organization_id);
    });

    it('answers 404 organization_not_found for an unknown organization', async () => {
      await expectStytchError(
        ctx.client.organizations.deleteExternalId({ organization_id: 'organization-test-00000000-0000-7000-8000-000000000000' }),
        404,
        'organization_not_found',
      );
    });
  });

  describe('metrics', () => {
    it('counts zero members for a new organization', async () => {
      const organization = await createOrganization(ctx.client);
      const response = await ctx.client.organizations.metrics({ organization_id: organization.organization_id });
      expect(response).toMatchObject({ status_code: 200, member_count: 0 });
    });

    it('counts the members of the organization, excluding deleted ones and other organizations', async () => {
      const organization = await createOrganization(ctx.client);
      const neighbour = await createOrganization(ctx.client);
      const members = await Promise.all([1, 2, 3].map(() => createMember(ctx.client, organization.organization_id)));
      await createMember(ctx.client, neighbour.organization_id);
      await ctx.client.organizations.members.delete({ organization_id: organization.organization_id, member_id: members[0].member_id });
      const { member_count } = await ctx.client.organizations.metrics({ organization_id: organization.organization_slug });
      expect(member_count).toBe(2);
    });

    it('answers 404 organization_not_found for an unknown organization', async () => {
      await expectStytchError(ctx.client.organizations.metrics({ organization_id: unique('no-such-slug') }), 404, 'organization_not_found');
    });
  });
});
