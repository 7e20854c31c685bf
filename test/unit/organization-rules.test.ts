import type { OrganizationSettings } from '../../src/models/organization.model';
import {
  checkLogoUrl,
  checkMetadataSize,
  checkOrganizationSettings,
  isCommonEmailDomain,
  mergeMetadata,
  METADATA_MAX_BYTES,
  normalizeDomains,
} from '../../src/services/organization-rules';
import { DEFAULT_SETTINGS } from '../../src/services/organization.service';
import { appError } from '../helpers/assertions';

/** A valid organization with Stytch's defaults (as organizations are created), changed by `overrides`. */
const settings = (overrides: Partial<OrganizationSettings> = {}): OrganizationSettings => ({
  ...DEFAULT_SETTINGS,
  name: 'Acme',
  slug: 'acme',
  ...overrides,
});

describe('isCommonEmailDomain', () => {
  it.each(['gmail.com', 'yahoo.co.uk', 'outlook.fr', 'icloud.com', 'gmx.de'])('treats %s as a consumer provider', (domain) => {
    expect(isCommonEmailDomain(domain)).toBe(true);
  });

  it.each(['acme.com', 'gmailer.com', 'stytch.com'])('treats %s as an organization domain', (domain) => {
    expect(isCommonEmailDomain(domain)).toBe(false);
  });

  it.each(['mail.acme.com', 'live.bigbank.co.uk', 'me.example.org'])(
    'does not mistake the company subdomain %s for a consumer provider',
    (domain) => {
      expect(isCommonEmailDomain(domain)).toBe(false);
    },
  );
});

describe('normalizeDomains', () => {
  it('trims, lower-cases and deduplicates', () => {
    expect(normalizeDomains('email_allowed_domains', [' Acme.com', 'acme.COM ', 'beta.io'])).toEqual(['acme.com', 'beta.io']);
  });

  it('refuses common consumer domains as allowed domains, naming them', () => {
    const error = appError(() => normalizeDomains('email_allowed_domains', ['acme.com', 'Gmail.com']));
    expect([error.statusCode, error.errorType]).toEqual([400, 'organization_settings_domain_too_common']);
    expect(error.message).toContain('gmail.com');
  });

  it('refuses common consumer domains as claimed domains with their own error type', () => {
    const error = appError(() => normalizeDomains('claimed_email_domains', ['yahoo.com']));
    expect(error.errorType).toBe('organization_settings_claimed_domain_too_common');
  });

  it('accepts common domains when allowed', () => {
    expect(normalizeDomains('x', ['gmail.com'], true)).toEqual(['gmail.com']);
  });
});

describe('mergeMetadata', () => {
  it('replaces given keys, removes null ones and keeps the rest', () => {
    const current = { a: 1, b: { nested: true }, c: 'keep' };
    expect(mergeMetadata(current, { a: 2, b: null, d: [1] })).toEqual({ a: 2, c: 'keep', d: [1] });
  });

  it('replaces nested objects whole (a top-level merge)', () => {
    expect(mergeMetadata({ b: { x: 1, y: 2 } }, { b: { x: 3 } })).toEqual({ b: { x: 3 } });
  });

  it('leaves the stored metadata untouched', () => {
    const current = { a: 1 };
    mergeMetadata(current, { a: null });
    expect(current).toEqual({ a: 1 });
  });
});

describe('checkMetadataSize', () => {
  const ofBytes = (bytes: number) => ({ k: 'x'.repeat(bytes - JSON.stringify({ k: '' }).length) });

  it('accepts metadata of exactly the limit', () => {
    expect(() => checkMetadataSize('trusted_metadata', ofBytes(METADATA_MAX_BYTES))).not.toThrow();
  });

  it('refuses metadata one byte over the limit, naming the field', () => {
    const error = appError(() => checkMetadataSize('untrusted_metadata', ofBytes(METADATA_MAX_BYTES + 1)));
    expect(error.errorType).toBe('metadata_too_large');
    expect(error.message).toContain('untrusted_metadata');
  });

  it('counts bytes, not characters', () => {
    const error = appError(() => checkMetadataSize('trusted_metadata', { k: 'é'.repeat(METADATA_MAX_BYTES / 2) }));
    expect(error.errorType).toBe('metadata_too_large');
  });
});

describe('checkLogoUrl', () => {
  it.each(['', 'https://cdn.acme.com/logo.png', 'http://localhost:8080/logo.svg'])('accepts %p', (url) => {
    expect(() => checkLogoUrl(url)).not.toThrow();
  });

  it.each(['logo.png', 'javascript:alert(1)', 'ftp://cdn.acme.com/logo.png'])('refuses %p', (url) => {
    expect(appError(() => checkLogoUrl(url)).errorType).toBe('invalid_organization_logo_url');
  });
});

describe('checkOrganizationSettings', () => {
  it("accepts Stytch's defaults", () => {
    expect(() => checkOrganizationSettings(settings(), [])).not.toThrow();
  });

  it.each<[string, Partial<OrganizationSettings>, number, string]>([
    ['RESTRICTED auth methods with none allowed', { auth_methods: 'RESTRICTED' }, 400, 'allowed_auth_methods_required_for_restricted'],
    ['RESTRICTED mfa methods with none allowed', { mfa_methods: 'RESTRICTED' }, 400, 'allowed_mfa_methods_required_for_restricted'],
    ['RESTRICTED email invites with no allowed domain', { email_invites: 'RESTRICTED' }, 400, 'invalid_restricted_email_setting'],
    ['RESTRICTED email JIT with no allowed domain', { email_jit_provisioning: 'RESTRICTED' }, 400, 'invalid_restricted_email_setting'],
    [
      'every way of joining NOT_ALLOWED',
      { sso_jit_provisioning: 'NOT_ALLOWED', email_jit_provisioning: 'NOT_ALLOWED', email_invites: 'NOT_ALLOWED' },
      400,
      'invalid_organization_auth_method_settings',
    ],
    [
      'RESTRICTED OAuth tenant JIT with no tenant',
      { oauth_tenant_jit_provisioning: 'RESTRICTED', allowed_oauth_tenants: { slack: [] } },
      400,
      'invalid_restricted_oauth_tenants_setting',
    ],
    ['an unknown SSO default connection', { sso_default_connection_id: 'saml-connection-test-x' }, 404, 'sso_connection_not_found'],
    [
      'an unknown SSO JIT connection',
      { sso_jit_provisioning_allowed_connections: ['oidc-connection-test-x'] },
      404,
      'sso_connection_not_found',
    ],
    [
      'an implicit role assignment to an undefined role',
      { rbac_email_implicit_role_assignments: [{ domain: 'acme.com', role_id: 'billing' }] },
      400,
      'invalid_rbac_role_id',
    ],
    ['oversized trusted metadata', { trusted_metadata: { k: 'x'.repeat(METADATA_MAX_BYTES) } }, 400, 'metadata_too_large'],
    ['a logo URL that is not http(s)', { logo_url: 'data:image/png;base64,AAAA' }, 400, 'invalid_organization_logo_url'],
  ])('refuses %s', (_case, overrides, status, errorType) => {
    const error = appError(() => checkOrganizationSettings(settings(overrides), []));
    expect([error.statusCode, error.errorType]).toEqual([status, errorType]);
  });

  it.each<[string, Partial<OrganizationSettings>, string[]]>([
    ['RESTRICTED auth methods with a list', { auth_methods: 'RESTRICTED', allowed_auth_methods: ['sso'] }, []],
    ['RESTRICTED mfa methods with a list', { mfa_methods: 'RESTRICTED', allowed_mfa_methods: ['totp'] }, []],
    ['RESTRICTED invites with an allowed domain', { email_invites: 'RESTRICTED', email_allowed_domains: ['acme.com'] }, []],
    [
      'RESTRICTED OAuth tenant JIT with a tenant',
      { oauth_tenant_jit_provisioning: 'RESTRICTED', allowed_oauth_tenants: { slack: ['T123'] } },
      [],
    ],
    [
      'an implicit assignment to stytch_admin',
      { rbac_email_implicit_role_assignments: [{ domain: 'acme.com', role_id: 'stytch_admin' }] },
      [],
    ],
    [
      'an implicit assignment to a custom role',
      { rbac_email_implicit_role_assignments: [{ domain: 'acme.com', role_id: 'billing' }] },
      ['billing'],
    ],
  ])('accepts %s', (_case, overrides, customRoles) => {
    expect(() => checkOrganizationSettings(settings(overrides), customRoles)).not.toThrow();
  });
});
