import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B, envelope, text } from './common';
import {
  attributeMapping,
  connectionParams,
  createSsoConnectionBody,
  idpUrl,
  organizationParams,
  ref,
  samlConnectionObject,
  ssoDisplayName,
  ssoIdentityProvider,
} from './sso';

const roles = {
  type: 'array',
  maxItems: 100,
  items: { type: 'object', properties: { role_id: ref }, required: ['role_id'] },
} as const;
const groupRoles = {
  type: 'array',
  maxItems: 1000,
  items: {
    type: 'object',
    properties: { role_id: ref, group: { type: 'string', minLength: 1, maxLength: 1000 } },
    required: ['role_id', 'group'],
  },
} as const;

export const updateSamlConnectionBody = {
  type: 'object',
  properties: {
    idp_entity_id: { type: 'string', maxLength: 2048 },
    display_name: ssoDisplayName,
    attribute_mapping: attributeMapping,
    x509_certificate: { type: 'string', maxLength: 20000 },
    idp_sso_url: idpUrl,
    saml_connection_implicit_role_assignments: roles,
    saml_group_implicit_role_assignments: groupRoles,
    alternative_audience_uri: { type: 'string', maxLength: 2048 },
    identity_provider: ssoIdentityProvider,
    nameid_format: { type: 'string', maxLength: 256 },
    alternative_acs_url: { type: 'string', maxLength: 2048 },
    idp_initiated_auth_disabled: { type: 'boolean' },
    // Private keys (PEM) Roster signs AuthnRequests with / decrypts assertions with; never returned.
    signing_private_key: { type: 'string', minLength: 1, maxLength: 20000 },
    saml_encryption_private_key: { type: 'string', minLength: 1, maxLength: 20000 },
  },
} as const;
export type UpdateSamlConnectionInput = FromSchema<typeof updateSamlConnectionBody>;

export const updateSamlByUrlBody = {
  type: 'object',
  properties: { metadata_url: idpUrl },
  required: ['metadata_url'],
} as const;

const PATH = `${B2B}/sso/saml/:organization_id`;
const connectionResponse = envelope({ connection: samlConnectionObject }, ['connection']);

export const createSamlConnection = defineContract({
  name: 'sso.saml.createConnection',
  method: 'post',
  path: PATH,
  summary: "Create a SAML connection for the organization, with Roster's signing certificate for it.",
  params: organizationParams,
  body: createSsoConnectionBody,
  response: connectionResponse,
  status: 200,
  sdk: 'sso.saml.createConnection',
  authorization: { resource: 'stytch.sso', action: 'create' },
});

export const updateSamlConnection = defineContract({
  name: 'sso.saml.updateConnection',
  method: 'put',
  path: `${PATH}/connections/:connection_id`,
  summary: "Update a SAML connection's IdP settings, certificate and role assignments.",
  params: connectionParams,
  body: updateSamlConnectionBody,
  response: connectionResponse,
  status: 200,
  sdk: 'sso.saml.updateConnection',
  authorization: { resource: 'stytch.sso', action: 'update' },
});

export const updateSamlConnectionByUrl = defineContract({
  name: 'sso.saml.updateByURL',
  method: 'put',
  path: `${PATH}/connections/:connection_id/url`,
  summary: "Update a SAML connection from its IdP's metadata URL (entity id, SSO URL, signing certificates).",
  params: connectionParams,
  body: updateSamlByUrlBody,
  response: connectionResponse,
  status: 200,
  sdk: 'sso.saml.updateByURL',
  authorization: { resource: 'stytch.sso', action: 'update' },
});

export const deleteSamlVerificationCertificate = defineContract({
  name: 'sso.saml.deleteVerificationCertificate',
  method: 'delete',
  path: `${PATH}/connections/:connection_id/verification_certificates/:certificate_id`,
  summary: "Delete one of a SAML connection's IdP certificates.",
  params: {
    type: 'object',
    properties: { organization_id: ref, connection_id: ref, certificate_id: ref },
    required: ['organization_id', 'connection_id', 'certificate_id'],
  },
  response: envelope({ certificate_id: text }, ['certificate_id']),
  status: 200,
  sdk: 'sso.saml.deleteVerificationCertificate',
  authorization: { resource: 'stytch.sso', action: 'update' },
});

export const deleteSamlEncryptionPrivateKey = defineContract({
  name: 'sso.saml.deleteEncryptionPrivateKey',
  method: 'delete',
  path: `${PATH}/connections/:connection_id/encryption_private_keys/:private_key_id`,
  summary: "Delete one of a SAML connection's encryption private keys.",
  params: {
    type: 'object',
    properties: { organization_id: ref, connection_id: ref, private_key_id: ref },
    required: ['organization_id', 'connection_id', 'private_key_id'],
  },
  response: envelope({ private_key_id: text }, ['private_key_id']),
  status: 200,
  sdk: 'sso.saml.deleteEncryptionPrivateKey',
  authorization: { resource: 'stytch.sso', action: 'update' },
});

export const ssoSamlContracts = [
  createSamlConnection,
  updateSamlConnection,
  updateSamlConnectionByUrl,
  deleteSamlVerificationCertificate,
  deleteSamlEncryptionPrivateKey,
];
