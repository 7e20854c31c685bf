import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B, envelope, object, text, time } from './common';

/** The identity providers Stytch's SDK names for a SCIM connection. */
export const SCIM_IDENTITY_PROVIDERS = [
  'generic',
  'okta',
  'microsoft-entra',
  'cyberark',
  'jumpcloud',
  'onelogin',
  'pingfederate',
  'rippling',
] as const;
export type ScimIdentityProvider = (typeof SCIM_IDENTITY_PROVIDERS)[number];

const ref = { type: 'string', minLength: 1, maxLength: 256 } as const;
const displayName = { type: 'string', maxLength: 256, text: 'line', errorType: 'invalid_scim_connection_display_name' } as const;
const identityProvider = { type: 'string', enum: SCIM_IDENTITY_PROVIDERS, errorType: 'invalid_scim_identity_provider' } as const;

const organizationParams = { type: 'object', properties: { organization_id: ref }, required: ['organization_id'] } as const;
const connectionParams = {
  type: 'object',
  properties: { organization_id: ref, connection_id: ref },
  required: ['organization_id', 'connection_id'],
} as const;

export const createScimConnectionBody = {
  type: 'object',
  properties: { display_name: displayName, identity_provider: identityProvider },
} as const;
export type CreateScimConnectionInput = FromSchema<typeof createScimConnectionBody>;

export const updateScimConnectionBody = {
  type: 'object',
  properties: {
    display_name: displayName,
    identity_provider: identityProvider,
    // Stytch's request also carries group_name (it is what responses show); the group is named by its id.
    scim_group_implicit_role_assignments: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        properties: { role_id: ref, group_id: ref, group_name: { type: 'string', maxLength: 1000 } },
        required: ['role_id', 'group_id'],
      },
    },
  },
} as const;
export type UpdateScimConnectionInput = FromSchema<typeof updateScimConnectionBody>;

export const getScimGroupsQuery = {
  type: 'object',
  properties: {
    cursor: { type: 'string', maxLength: 1000, errorType: 'invalid_cursor' },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$', errorType: 'invalid_limit', errorMessage: 'must be a whole number' },
  },
} as const;
export type GetScimGroupsInput = FromSchema<typeof getScimGroupsQuery>;

const roleAssignment = object({ role_id: text, group_id: text, group_name: text }, ['role_id', 'group_id', 'group_name']);
const connectionProperties = {
  organization_id: text,
  connection_id: text,
  status: text,
  display_name: text,
  identity_provider: text,
  base_url: text,
  bearer_token_last_four: text,
  scim_group_implicit_role_assignments: { type: 'array', items: roleAssignment },
  bearer_token_expires_at: time,
} as const;
const always = [
  'organization_id',
  'connection_id',
  'status',
  'display_name',
  'identity_provider',
  'base_url',
  'scim_group_implicit_role_assignments',
] as const;

/** Stytch's SCIMConnection. */
export const scimConnectionObject = object(
  { ...connectionProperties, next_bearer_token_last_four: text, next_bearer_token_expires_at: time },
  [...always, 'bearer_token_last_four', 'next_bearer_token_last_four'],
);
export type ScimConnectionWire = FromSchema<typeof scimConnectionObject>;

/** Stytch's SCIMConnectionWithToken: the connection as created, with its bearer token (shown this once). */
const connectionWithToken = object({ ...connectionProperties, bearer_token: text }, [...always, 'bearer_token']);

/** Stytch's SCIMConnectionWithNextToken: a rotation's start, with the next token (shown this once). */
const connectionWithNextToken = object({ ...connectionProperties, next_bearer_token: text, next_bearer_token_expires_at: time }, [
  ...always,
  'bearer_token_last_four',
  'next_bearer_token',
]);

const connectionResponse = envelope({ connection: scimConnectionObject }, ['connection']);
const scimGroup = object({ group_id: text, group_name: text, organization_id: text, connection_id: text }, [
  'group_id',
  'group_name',
  'organization_id',
  'connection_id',
]);

const PATH = `${B2B}/scim/:organization_id/connection`;

export const createScimConnection = defineContract({
  name: 'scim.connection.create',
  method: 'post',
  path: PATH,
  summary: "Create the organization's SCIM connection; its bearer token is shown in this response only.",
  params: organizationParams,
  body: createScimConnectionBody,
  response: envelope({ connection: connectionWithToken }, ['connection']),
  status: 200,
  sdk: 'scim.connection.create',
  authorization: { resource: 'stytch.scim', action: 'create' },
});

export const getScimConnection = defineContract({
  name: 'scim.connection.get',
  method: 'get',
  path: PATH,
  summary: "Get the organization's SCIM connection.",
  params: organizationParams,
  response: envelope({ connection: scimConnectionObject }, []),
  status: 200,
  sdk: 'scim.connection.get',
  authorization: { resource: 'stytch.scim', action: 'get' },
});

export const updateScimConnection = defineContract({
  name: 'scim.connection.update',
  method: 'put',
  path: `${PATH}/:connection_id`,
  summary: "Update a SCIM connection's name, identity provider or group role assignments (members' roles follow in the background).",
  params: connectionParams,
  body: updateScimConnectionBody,
  response: connectionResponse,
  status: 200,
  sdk: 'scim.connection.update',
  authorization: { resource: 'stytch.scim', action: 'update' },
});

export const deleteScimConnection = defineContract({
  name: 'scim.connection.delete',
  method: 'delete',
  path: `${PATH}/:connection_id`,
  summary: 'Delete a SCIM connection with its groups and registrations; the roles its groups granted end at once.',
  params: connectionParams,
  response: envelope({ connection_id: text }, ['connection_id']),
  status: 200,
  sdk: 'scim.connection.delete',
  authorization: { resource: 'stytch.scim', action: 'delete' },
});

export const getScimGroups = defineContract({
  name: 'scim.connection.getGroups',
  method: 'get',
  path: `${PATH}/:connection_id`,
  summary: "List a SCIM connection's groups, a page at a time.",
  params: connectionParams,
  query: getScimGroupsQuery,
  response: envelope({ scim_groups: { type: 'array', items: scimGroup }, next_cursor: text }, ['scim_groups']),
  status: 200,
  sdk: 'scim.connection.getGroups',
  authorization: { resource: 'stytch.scim', action: 'get' },
});

export const rotateStart = defineContract({
  name: 'scim.connection.rotateStart',
  method: 'post',
  path: `${PATH}/:connection_id/rotate/start`,
  summary: 'Start a bearer token rotation: the next token (shown in this response only) opens the connection beside the current one.',
  params: connectionParams,
  response: envelope({ connection: connectionWithNextToken }, ['connection']),
  status: 200,
  sdk: 'scim.connection.rotateStart',
  authorization: { resource: 'stytch.scim', action: 'update' },
});

export const rotateComplete = defineContract({
  name: 'scim.connection.rotateComplete',
  method: 'post',
  path: `${PATH}/:connection_id/rotate/complete`,
  summary: 'Complete a bearer token rotation: the next token becomes the only one.',
  params: connectionParams,
  response: connectionResponse,
  status: 200,
  sdk: 'scim.connection.rotateComplete',
  authorization: { resource: 'stytch.scim', action: 'update' },
});

export const rotateCancel = defineContract({
  name: 'scim.connection.rotateCancel',
  method: 'post',
  path: `${PATH}/:connection_id/rotate/cancel`,
  summary: 'Cancel a bearer token rotation: the next token stops working.',
  params: connectionParams,
  response: connectionResponse,
  status: 200,
  sdk: 'scim.connection.rotateCancel',
  authorization: { resource: 'stytch.scim', action: 'update' },
});

export const scimConnectionContracts = [
  createScimConnection,
  getScimConnection,
  updateScimConnection,
  deleteScimConnection,
  getScimGroups,
  rotateStart,
  rotateComplete,
  rotateCancel,
];
