import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B, envelope, flag, object, text, time } from './common';

/** The identity providers Stytch's SDK names for an SSO connection. */
export const SSO_IDENTITY_PROVIDERS = [
  'classlink',
  'cyberark',
  'duo',
  'generic',
  'google-workspace',
  'jumpcloud',
  'keycloak',
  'miniorange',
  'microsoft-entra',
  'okta',
  'onelogin',
  'pingfederate',
  'rippling',
  'salesforce',
  'shibboleth',
] as const;

export const ref = { type: 'string', minLength: 1, maxLength: 256 } as const;
export const ssoDisplayName = { type: 'string', maxLength: 256, text: 'line', errorType: 'invalid_sso_connection_display_name' } as const;
export const ssoIdentityProvider = { type: 'string', enum: SSO_IDENTITY_PROVIDERS, errorType: 'invalid_sso_identity_provider' } as const;
/** An IdP URL: checked for https (or an allowed loopback) by the service. */
export const idpUrl = { type: 'string', maxLength: 2048 } as const;
export const attributeMapping = {
  type: 'object',
  additionalProperties: { type: 'string', maxLength: 256 },
  maxProperties: 50,
  errorType: 'invalid_sso_attribute_mapping',
} as const;

export const organizationParams = { type: 'object', properties: { organization_id: ref }, required: ['organization_id'] } as const;
export const connectionParams = {
  type: 'object',
  properties: { organization_id: ref, connection_id: ref },
  required: ['organization_id', 'connection_id'],
} as const;

export const createSsoConnectionBody = {
  type: 'object',
  properties: { display_name: ssoDisplayName, identity_provider: ssoIdentityProvider },
} as const;
export type CreateSsoConnectionInput = FromSchema<typeof createSsoConnectionBody>;

const x509 = object({ certificate_id: text, certificate: text, issuer: text, created_at: time, expires_at: time, updated_at: time }, [
  'certificate_id',
  'certificate',
  'issuer',
]);
const roleAssignment = object({ role_id: text }, ['role_id']);
const groupRoleAssignment = object({ role_id: text, group: text }, ['role_id', 'group']);

/** Stytch's OIDCConnection. */
export const oidcConnectionObject = object(
  {
    organization_id: text,
    connection_id: text,
    status: text,
    display_name: text,
    redirect_url: text,
    client_id: text,
    client_secret: text,
    issuer: text,
    authorization_url: text,
    token_url: text,
    userinfo_url: text,
    jwks_url: text,
    identity_provider: text,
    custom_scopes: text,
    attribute_mapping: { type: 'object', additionalProperties: true },
  },
  [
    'organization_id',
    'connection_id',
    'status',
    'display_name',
    'redirect_url',
    'client_id',
    'client_secret',
    'issuer',
    'authorization_url',
    'token_url',
    'userinfo_url',
    'jwks_url',
    'identity_provider',
    'custom_scopes',
  ],
);
export type OidcConnectionWire = FromSchema<typeof oidcConnectionObject>;

/** Stytch's SAMLConnection. */
export const samlConnectionObject = object(
  {
    organization_id: text,
    connection_id: text,
    status: text,
    idp_entity_id: text,
    display_name: text,
    idp_sso_url: text,
    acs_url: text,
    audience_uri: text,
    signing_certificates: { type: 'array', items: x509 },
    verification_certificates: { type: 'array', items: x509 },
    encryption_private_keys: {
      type: 'array',
      items: object({ private_key_id: text, private_key: text, created_at: time }, ['private_key_id', 'private_key']),
    },
    saml_connection_implicit_role_assignments: { type: 'array', items: roleAssignment },
    saml_group_implicit_role_assignments: { type: 'array', items: groupRoleAssignment },
    alternative_audience_uri: text,
    identity_provider: text,
    nameid_format: text,
    alternative_acs_url: text,
    idp_initiated_auth_disabled: flag,
    allow_gateway_callback: flag,
    attribute_mapping: { type: 'object', additionalProperties: true },
  },
  [
    'organization_id',
    'connection_id',
    'status',
    'idp_entity_id',
    'display_name',
    'idp_sso_url',
    'acs_url',
    'audience_uri',
    'signing_certificates',
    'verification_certificates',
    'encryption_private_keys',
    'saml_connection_implicit_role_assignments',
    'saml_group_implicit_role_assignments',
    'alternative_audience_uri',
    'identity_provider',
    'nameid_format',
    'alternative_acs_url',
    'idp_initiated_auth_disabled',
    'allow_gateway_callback',
  ],
);
export type SamlConnectionWire = FromSchema<typeof samlConnectionObject>;

export const getSsoConnections = defineContract({
  name: 'sso.getConnections',
  method: 'get',
  path: `${B2B}/sso/:organization_id`,
  summary: "List an organization's SSO connections, SAML and OIDC.",
  params: organizationParams,
  response: envelope(
    {
      saml_connections: { type: 'array', items: samlConnectionObject },
      oidc_connections: { type: 'array', items: oidcConnectionObject },
      external_connections: { type: 'array', items: { type: 'object' } },
    },
    ['saml_connections', 'oidc_connections', 'external_connections'],
  ),
  status: 200,
  sdk: 'sso.getConnections',
  authorization: { resource: 'stytch.sso', action: 'get' },
});

export const deleteSsoConnection = defineContract({
  name: 'sso.deleteConnection',
  method: 'delete',
  path: `${B2B}/sso/:organization_id/connections/:connection_id`,
  summary: "Delete an SSO connection; it leaves the organization's JIT-provisioning list and default connection with it.",
  params: connectionParams,
  response: envelope({ connection_id: text }, ['connection_id']),
  status: 200,
  sdk: 'sso.deleteConnection',
  authorization: { resource: 'stytch.sso', action: 'delete' },
});

export const ssoConnectionContracts = [getSsoConnections, deleteSsoConnection];
