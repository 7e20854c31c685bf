import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B, envelope, text } from './common';
import {
  attributeMapping,
  connectionParams,
  createSsoConnectionBody,
  idpUrl,
  oidcConnectionObject,
  organizationParams,
  ssoDisplayName,
  ssoIdentityProvider,
} from './sso';

export const updateOidcConnectionBody = {
  type: 'object',
  properties: {
    display_name: ssoDisplayName,
    client_id: { type: 'string', maxLength: 1000 },
    client_secret: { type: 'string', maxLength: 4000 },
    issuer: idpUrl,
    authorization_url: idpUrl,
    token_url: idpUrl,
    userinfo_url: idpUrl,
    jwks_url: idpUrl,
    identity_provider: ssoIdentityProvider,
    custom_scopes: { type: 'string', maxLength: 1000 },
    attribute_mapping: attributeMapping,
  },
} as const;
export type UpdateOidcConnectionInput = FromSchema<typeof updateOidcConnectionBody>;

const PATH = `${B2B}/sso/oidc/:organization_id`;

export const createOidcConnection = defineContract({
  name: 'sso.oidc.createConnection',
  method: 'post',
  path: PATH,
  summary: 'Create an OIDC connection for the organization (pending until its IdP settings are given).',
  params: organizationParams,
  body: createSsoConnectionBody,
  response: envelope({ connection: oidcConnectionObject }, ['connection']),
  status: 200,
  sdk: 'sso.oidc.createConnection',
  authorization: { resource: 'stytch.sso', action: 'create' },
});

export const updateOidcConnection = defineContract({
  name: 'sso.oidc.updateConnection',
  method: 'put',
  path: `${PATH}/connections/:connection_id`,
  summary: "Update an OIDC connection; a new issuer's discovery document fills the endpoints not given.",
  params: connectionParams,
  body: updateOidcConnectionBody,
  response: envelope({ connection: oidcConnectionObject, warning: text }, ['connection']),
  status: 200,
  sdk: 'sso.oidc.updateConnection',
  authorization: { resource: 'stytch.sso', action: 'update' },
});

export const ssoOidcContracts = [createOidcConnection, updateOidcConnection];
