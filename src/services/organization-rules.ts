import { badRequest, notFound } from '../errors';
import { looksLikeId } from '../ids';
import type { OrganizationSettings } from '../models/organization.model';
import { assignableRoleIds } from './roles';

/**
 * Consumer email providers Stytch refuses as allowed or claimed domains,
 * matched as <provider>.<tld> or <provider>.<sld>.<cc> so that every country
 * variant is covered (gmail.com, yahoo.co.uk) while a company's own
 * subdomains (mail.acme.com) are not.
 */
const COMMON_EMAIL_PROVIDERS = new Set([
  'gmail',
  'aol',
  'yahoo',
  'icloud',
  'hotmail',
  'msn',
  'comcast',
  'live',
  'outlook',
  'att',
  'earthlink',
  'me',
  'mac',
  'sbcglobal',
  'verizon',
  'ig',
  'mail',
  'hey',
  'laposte',
  'wanadoo',
  'googlemail',
  'orange',
  'rediffmail',
  'uol',
  'bol',
  'free',
  'gmx',
  'yandex',
  'ymail',
  'libero',
]);

export function isCommonEmailDomain(domain: string): boolean {
  const labels = domain.split('.');
  const countrySecondLevel = labels.length === 3 && labels[2].length === 2 && labels[1].length <= 3;
  return (labels.length === 2 || countrySecondLevel) && COMMON_EMAIL_PROVIDERS.has(labels[0]);
}

export const METADATA_MAX_BYTES = 16 * 1024;

export function checkMetadataSize(field: string, metadata: Record<string, unknown>): void {
  if (Buffer.byteLength(JSON.stringify(metadata)) > METADATA_MAX_BYTES) {
    throw badRequest('metadata_too_large', `${field} must be at most ${METADATA_MAX_BYTES} bytes as JSON.`);
  }
}

/**
 * Top-level merge, as Stytch updates metadata: keys given replace the stored
 * ones, a key given as null is removed, keys not given are kept.
 */
export function mergeMetadata(current: Record<string, unknown>, update: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

export function normalizeDomains(field: string, domains: string[], allowCommon = false): string[] {
  const normalized = [...new Set(domains.map((d) => d.trim().toLowerCase()))];
  if (!allowCommon) {
    const common = normalized.filter(isCommonEmailDomain);
    if (common.length > 0) {
      throw badRequest(
        field === 'claimed_email_domains' ? 'organization_settings_claimed_domain_too_common' : 'organization_settings_domain_too_common',
        `${field} cannot include common consumer email domains: ${common.join(', ')}.`,
      );
    }
  }
  return normalized;
}

export function checkLogoUrl(url: string): void {
  if (url === '') return;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw badRequest('invalid_organization_logo_url', 'organization_logo_url must be an http(s) URL.');
  }
}

/**
 * Wherever an organization_id is taken, a slug or an external id works too,
 * so neither may have the shape of an organization id (of any env, in any
 * case): no reference could ever reach it. The database refuses such values
 * from every writer; this names the field for API callers.
 */
export function checkReferencesAreNotIds(values: Partial<Pick<OrganizationSettings, 'slug' | 'external_id'>>): void {
  if (values.slug && looksLikeId('organization', values.slug.toLowerCase())) {
    throw badRequest('invalid_organization_slug', 'organization_slug cannot have the shape of an organization_id.');
  }
  if (values.external_id && looksLikeId('organization', values.external_id.toLowerCase())) {
    throw badRequest('invalid_external_id', 'organization_external_id cannot have the shape of an organization_id.');
  }
}

/** Rules that span fields; checked on the organization as it would be after the write. */
/** `ssoConnectionIds`: the public ids of the organization's SSO connections (none while it is being created). */
export function checkOrganizationSettings(
  s: OrganizationSettings,
  customRoleIds: string[],
  ssoConnectionIds: readonly string[] = [],
): void {
  if (s.auth_methods === 'RESTRICTED' && s.allowed_auth_methods.length === 0) {
    throw badRequest('allowed_auth_methods_required_for_restricted', "Allowed auth methods must be set for 'RESTRICTED' auth methods");
  }
  if (s.mfa_methods === 'RESTRICTED' && s.allowed_mfa_methods.length === 0) {
    throw badRequest('allowed_mfa_methods_required_for_restricted', "Allowed mfa methods must be set for 'RESTRICTED' auth methods");
  }
  if ((s.email_invites === 'RESTRICTED' || s.email_jit_provisioning === 'RESTRICTED') && s.email_allowed_domains.length === 0) {
    throw badRequest(
      'invalid_restricted_email_setting',
      "email_allowed_domains must list at least one domain when email_invites or email_jit_provisioning is 'RESTRICTED'.",
    );
  }
  if (s.sso_jit_provisioning === 'NOT_ALLOWED' && s.email_jit_provisioning === 'NOT_ALLOWED' && s.email_invites === 'NOT_ALLOWED') {
    throw badRequest(
      'invalid_organization_auth_method_settings',
      'sso_jit_provisioning, email_jit_provisioning and email_invites cannot all be NOT_ALLOWED: new Members could never join.',
    );
  }
  if (s.oauth_tenant_jit_provisioning === 'RESTRICTED' && !Object.values(s.allowed_oauth_tenants).some((t) => t.length > 0)) {
    throw badRequest(
      'invalid_restricted_oauth_tenants_setting',
      "allowed_oauth_tenants must list at least one tenant when oauth_tenant_jit_provisioning is 'RESTRICTED'.",
    );
  }
  const unknownConnection = [s.sso_default_connection_id, ...s.sso_jit_provisioning_allowed_connections].find(
    (id) => id && !ssoConnectionIds.includes(id),
  );
  if (unknownConnection) {
    throw notFound('sso_connection_not_found', `SSO connection "${unknownConnection}" does not exist in this organization.`);
  }
  const roles = assignableRoleIds(customRoleIds);
  for (const assignment of s.rbac_email_implicit_role_assignments) {
    if (!roles.has(assignment.role_id)) {
      throw badRequest(
        'invalid_rbac_role_id',
        `rbac_email_implicit_role_assignments names role "${assignment.role_id}", which is not defined.`,
      );
    }
  }
  checkMetadataSize('trusted_metadata', s.trusted_metadata);
  checkLogoUrl(s.logo_url);
}
