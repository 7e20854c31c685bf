import type { FromSchema } from 'json-schema-to-ts';
import { SLUG_PATTERN } from '../../formats';
import { domainSchema, externalIdSchema, metadataSchema, searchPagingProperties, stringList } from './common.schemas';

const enumOf = <T extends readonly string[]>(values: T, errorType: string) =>
  ({ type: 'string', enum: values, errorType }) as const;

const SETTING = ['ALL_ALLOWED', 'RESTRICTED', 'NOT_ALLOWED'] as const;
const RESTRICTED_OR_NOT = ['RESTRICTED', 'NOT_ALLOWED'] as const;
const ALL_OR_RESTRICTED = ['ALL_ALLOWED', 'RESTRICTED'] as const;

export const AUTH_METHODS = [
  'sso',
  'magic_link',
  'email_otp',
  'password',
  'google_oauth',
  'microsoft_oauth',
  'slack_oauth',
  'github_oauth',
  'hubspot_oauth',
] as const;
export const MFA_METHODS = ['sms_otp', 'totp'] as const;
export const OAUTH_TENANT_PROVIDERS = ['slack', 'hubspot', 'github'] as const;

/** The settings fields shared by create and update. */
const settingsProperties = {
  organization_name: { type: 'string', minLength: 1, maxLength: 128, text: 'line', errorType: 'invalid_organization_name' },
  organization_slug: {
    type: 'string',
    pattern: SLUG_PATTERN,
    errorType: 'invalid_organization_slug',
  },
  organization_logo_url: { type: 'string', maxLength: 2048, errorType: 'invalid_organization_logo_url' },
  trusted_metadata: metadataSchema,
  organization_external_id: externalIdSchema,
  sso_jit_provisioning: enumOf(SETTING, 'invalid_organization_sso_jit_provisioning'),
  email_allowed_domains: { type: 'array', items: domainSchema, maxItems: 1000 },
  email_jit_provisioning: enumOf(RESTRICTED_OR_NOT, 'invalid_organization_email_jit_provisioning'),
  email_invites: enumOf(SETTING, 'invalid_organization_email_invites'),
  auth_methods: enumOf(ALL_OR_RESTRICTED, 'invalid_organization_auth_method_settings'),
  allowed_auth_methods: {
    type: 'array',
    items: { type: 'string', enum: AUTH_METHODS, errorType: 'invalid_organization_allowed_auth_methods' },
    uniqueItems: true,
    errorType: 'invalid_organization_allowed_auth_methods',
  },
  mfa_policy: enumOf(['REQUIRED_FOR_ALL', 'OPTIONAL'] as const, 'invalid_organization_mfa_policy'),
  rbac_email_implicit_role_assignments: {
    type: 'array',
    maxItems: 1000,
    items: {
      type: 'object',
      properties: {
        domain: domainSchema,
        role_id: { type: 'string', minLength: 1, maxLength: 128, errorType: 'invalid_rbac_role_id' },
      },
      required: ['domain', 'role_id'],
      errorType: 'invalid_rbac_role_assignment',
    },
  },
  mfa_methods: enumOf(ALL_OR_RESTRICTED, 'invalid_organization_mfa_factor_setting'),
  allowed_mfa_methods: {
    type: 'array',
    items: { type: 'string', enum: MFA_METHODS, errorType: 'invalid_organization_allowed_mfa_methods' },
    uniqueItems: true,
  },
  oauth_tenant_jit_provisioning: enumOf(RESTRICTED_OR_NOT, 'invalid_organization_oauth_tenant_jit_provisioning'),
  allowed_oauth_tenants: {
    type: 'object',
    propertyNames: { enum: OAUTH_TENANT_PROVIDERS },
    additionalProperties: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 1000 },
    errorType: 'invalid_restricted_oauth_tenants_setting',
  },
  claimed_email_domains: { type: 'array', items: domainSchema, maxItems: 1000 },
  first_party_connected_apps_allowed_type: enumOf(SETTING, 'invalid_connected_apps_setting'),
  allowed_first_party_connected_apps: stringList(),
  third_party_connected_apps_allowed_type: enumOf(SETTING, 'invalid_connected_apps_setting'),
  allowed_third_party_connected_apps: stringList(),
} as const;

export const createOrganizationBody = {
  type: 'object',
  properties: settingsProperties,
  required: ['organization_name'],
} as const;
export type CreateOrganizationInput = FromSchema<typeof createOrganizationBody>;

export const updateOrganizationBody = {
  type: 'object',
  properties: {
    ...settingsProperties,
    sso_default_connection_id: { type: 'string', maxLength: 256 },
    sso_jit_provisioning_allowed_connections: stringList(),
  },
} as const;
export type UpdateOrganizationInput = FromSchema<typeof updateOrganizationBody>;

export const searchOrganizationsBody = {
  type: 'object',
  properties: searchPagingProperties,
} as const;
export type SearchOrganizationsInput = FromSchema<typeof searchOrganizationsBody>;
