import type { FromSchema } from 'json-schema-to-ts';
import { SLUG_PATTERN } from '../formats';
import { defineContract } from './contract';
import {
  anyObject,
  B2B,
  count,
  domainSchema,
  envelope,
  externalIdSchema,
  metadataSchema,
  object,
  organizationRefParams,
  resultsMetadata,
  searchPagingProperties,
  stringList,
  text,
  texts,
  time,
} from './common';
const enumOf = <T extends readonly string[]>(values: T, errorType: string) => ({ type: 'string', enum: values, errorType }) as const;

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
    errorMessage: 'must be 2 to 128 letters, digits, or . _ ~ - (with at least one letter or digit)',
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

const roleAssignment = object({ domain: text, role_id: text }, ['domain', 'role_id']);

/** Stytch's Organization object. Optional fields Roster has no value for are absent. */
export const organizationObject = object(
  {
    organization_id: text,
    organization_name: text,
    organization_logo_url: text,
    organization_slug: text,
    organization_external_id: text,
    trusted_metadata: anyObject,
    sso_jit_provisioning: text,
    sso_jit_provisioning_allowed_connections: texts,
    sso_active_connections: {
      type: 'array',
      items: object({ connection_id: text, display_name: text, identity_provider: text }, [
        'connection_id',
        'display_name',
        'identity_provider',
      ]),
    },
    sso_default_connection_id: text,
    scim_active_connection: object(
      { connection_id: text, display_name: text, bearer_token_last_four: text, bearer_token_expires_at: time },
      ['connection_id', 'display_name', 'bearer_token_last_four'],
    ),
    email_allowed_domains: texts,
    email_jit_provisioning: text,
    email_invites: text,
    auth_methods: text,
    allowed_auth_methods: texts,
    mfa_policy: text,
    mfa_methods: text,
    allowed_mfa_methods: texts,
    rbac_email_implicit_role_assignments: { type: 'array', items: roleAssignment },
    oauth_tenant_jit_provisioning: text,
    allowed_oauth_tenants: { type: 'object', additionalProperties: texts },
    claimed_email_domains: texts,
    first_party_connected_apps_allowed_type: text,
    allowed_first_party_connected_apps: texts,
    third_party_connected_apps_allowed_type: text,
    allowed_third_party_connected_apps: texts,
    custom_roles: {
      type: 'array',
      items: object(
        {
          role_id: text,
          description: text,
          permissions: { type: 'array', items: object({ resource_id: text, actions: texts }, ['resource_id', 'actions']) },
        },
        ['role_id', 'description', 'permissions'],
      ),
    },
    created_at: time,
    updated_at: time,
  },
  [
    'organization_id',
    'organization_name',
    'organization_logo_url',
    'organization_slug',
    'sso_jit_provisioning',
    'sso_jit_provisioning_allowed_connections',
    'sso_active_connections',
    'email_allowed_domains',
    'email_jit_provisioning',
    'email_invites',
    'auth_methods',
    'allowed_auth_methods',
    'mfa_policy',
    'rbac_email_implicit_role_assignments',
    'mfa_methods',
    'allowed_mfa_methods',
    'oauth_tenant_jit_provisioning',
    'claimed_email_domains',
    'first_party_connected_apps_allowed_type',
    'allowed_first_party_connected_apps',
    'third_party_connected_apps_allowed_type',
    'allowed_third_party_connected_apps',
    'custom_roles',
  ],
);
export type OrganizationWire = FromSchema<typeof organizationObject>;

const organizationResponse = envelope({ organization: organizationObject }, ['organization']);

/**
 * The `stytch.organization` action a member session needs to set each field
 * of organizations.update (Stytch's, as its SDK documents each field).
 * Stytch names none for external ids, claimed domains and Connected Apps
 * settings: those take every action (`*`). trusted_metadata is refused to a
 * member session outright (member-authorization).
 */
const UPDATE_ORGANIZATION_ACTIONS = {
  organization_name: 'update.info.name',
  organization_slug: 'update.info.slug',
  organization_logo_url: 'update.info.logo-url',
  organization_external_id: '*',
  sso_default_connection_id: 'update.settings.default-sso-connection',
  sso_jit_provisioning: 'update.settings.sso-jit-provisioning',
  sso_jit_provisioning_allowed_connections: 'update.settings.sso-jit-provisioning',
  email_allowed_domains: 'update.settings.allowed-domains',
  email_jit_provisioning: 'update.settings.email-jit-provisioning',
  email_invites: 'update.settings.email-invites',
  auth_methods: 'update.settings.allowed-auth-methods',
  allowed_auth_methods: 'update.settings.allowed-auth-methods',
  mfa_policy: 'update.settings.mfa-policy',
  rbac_email_implicit_role_assignments: 'update.settings.implicit-roles',
  mfa_methods: 'update.settings.allowed-mfa-methods',
  allowed_mfa_methods: 'update.settings.allowed-mfa-methods',
  oauth_tenant_jit_provisioning: 'update.settings.oauth-tenant-jit-provisioning',
  allowed_oauth_tenants: 'update.settings.allowed-oauth-tenants',
  claimed_email_domains: '*',
  first_party_connected_apps_allowed_type: '*',
  allowed_first_party_connected_apps: '*',
  third_party_connected_apps_allowed_type: '*',
  allowed_third_party_connected_apps: '*',
} as const satisfies Record<Exclude<keyof typeof updateOrganizationBody.properties, 'trusted_metadata'>, string>;
const path = `${B2B}/organizations/:organization_id`;

export const createOrganization = defineContract({
  name: 'organizations.create',
  method: 'post',
  path: `${B2B}/organizations`,
  summary: 'Create an organization.',
  body: createOrganizationBody,
  response: organizationResponse,
  status: 200,
  sdk: 'organizations.create',
});

export const searchOrganizations = defineContract({
  name: 'organizations.search',
  method: 'post',
  path: `${B2B}/organizations/search`,
  summary: 'Search the organizations of the project.',
  body: searchOrganizationsBody,
  response: envelope({ organizations: { type: 'array', items: organizationObject }, results_metadata: resultsMetadata }, [
    'organizations',
    'results_metadata',
  ]),
  status: 200,
  sdk: 'organizations.search',
});

export const getOrganization = defineContract({
  name: 'organizations.get',
  method: 'get',
  path,
  summary: 'Get an organization by id or slug.',
  params: organizationRefParams,
  response: organizationResponse,
  status: 200,
  sdk: 'organizations.get',
});

export const updateOrganization = defineContract({
  name: 'organizations.update',
  method: 'put',
  path,
  summary: "Update an organization's settings.",
  params: organizationRefParams,
  body: updateOrganizationBody,
  response: organizationResponse,
  status: 200,
  sdk: 'organizations.update',
  authorization: { resource: 'stytch.organization', byField: UPDATE_ORGANIZATION_ACTIONS },
});

export const deleteOrganization = defineContract({
  name: 'organizations.delete',
  method: 'delete',
  path,
  summary: 'Delete an organization and its members.',
  params: organizationRefParams,
  // Stytch answers with the id the caller used.
  response: envelope({ organization_id: text }, ['organization_id']),
  status: 200,
  sdk: 'organizations.delete',
  authorization: { resource: 'stytch.organization', action: 'delete' },
});

export const organizationMetrics = defineContract({
  name: 'organizations.metrics',
  method: 'get',
  path: `${path}/metrics`,
  summary: 'Count the active members of an organization.',
  params: organizationRefParams,
  response: envelope({ member_count: count }, ['member_count']),
  status: 200,
  sdk: 'organizations.metrics',
});

export const deleteOrganizationExternalId = defineContract({
  name: 'organizations.deleteExternalId',
  method: 'delete',
  path: `${path}/external_id`,
  summary: "Remove an organization's external id.",
  params: organizationRefParams,
  response: organizationResponse,
  status: 200,
  sdk: 'organizations.deleteExternalId',
  // Stytch names no action for external ids: only a role holding every action on the organization may.
  authorization: { resource: 'stytch.organization', action: '*' },
});

export const organizationContracts = [
  createOrganization,
  searchOrganizations,
  getOrganization,
  updateOrganization,
  deleteOrganization,
  organizationMetrics,
  deleteOrganizationExternalId,
];
