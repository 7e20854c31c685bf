import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { object, text } from './common';
import {
  connectionParams,
  listOf,
  listQueryProperties,
  noContent,
  patchBody,
  resourceMeta,
  resourceParams,
  SCIM_BASE,
} from './scim-common';

export const SCIM_GROUP_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';

const groupParams = resourceParams('group_id');

/** RFC 7644 §3.9: which attributes to return (comma-separated names; `members` is what big groups leave out). */
const projectionProperties = {
  attributes: { type: 'string', maxLength: 2000 },
  excludedAttributes: { type: 'string', maxLength: 2000 },
} as const;

const projectionQuery = { type: 'object', properties: projectionProperties } as const;

const listQuery = { type: 'object', properties: { ...listQueryProperties, ...projectionProperties } } as const;

/**
 * A Group as a directory writes it. Attribute names are case-insensitive in
 * SCIM, so the body is only shaped here; the service reads it after
 * canonicalizing the names (and refuses a missing displayName itself).
 */
const groupBody = {
  type: 'object',
  properties: {
    schemas: { type: 'array', items: { type: 'string' }, maxItems: 10 },
    displayName: { type: 'string' },
    externalId: { type: 'string' },
    members: { type: 'array', items: { type: 'object' } },
  },
  additionalProperties: true,
} as const;

const memberObject = object({ value: text, display: text, $ref: text, type: text }, ['value']);

/** A Group resource (RFC 7643 §4.2); `attributes`/`excludedAttributes` may leave out all but schemas and id. */
export const scimGroupObject = object(
  {
    schemas: { type: 'array', items: text },
    id: text,
    externalId: text,
    displayName: text,
    members: { type: 'array', items: memberObject },
    meta: resourceMeta,
  },
  ['schemas', 'id'],
);

const listResponse = listOf(scimGroupObject);

export const createScimGroupContract = defineContract({
  name: 'scim.groups.create',
  method: 'post',
  path: `${SCIM_BASE}/Groups`,
  summary: 'Creates a SCIM Group (RFC 7644 §3.3); its members are SCIM Users of this connection.',
  params: connectionParams,
  query: projectionQuery,
  body: groupBody,
  response: scimGroupObject,
  status: 201,
  protocol: 'scim',
});

export const getScimGroupContract = defineContract({
  name: 'scim.groups.get',
  method: 'get',
  path: `${SCIM_BASE}/Groups/:group_id`,
  summary: 'Reads a SCIM Group (RFC 7644 §3.4.1); `excludedAttributes=members` leaves its members out.',
  params: groupParams,
  query: projectionQuery,
  response: scimGroupObject,
  status: 200,
  protocol: 'scim',
});

export const listScimGroupsContract = defineContract({
  name: 'scim.groups.list',
  method: 'get',
  path: `${SCIM_BASE}/Groups`,
  summary: 'Lists SCIM Groups (RFC 7644 §3.4.2): filter (displayName, externalId, id, members.value), startIndex, count.',
  params: connectionParams,
  query: listQuery,
  response: listResponse,
  status: 200,
  protocol: 'scim',
});

export const replaceScimGroupContract = defineContract({
  name: 'scim.groups.replace',
  method: 'put',
  path: `${SCIM_BASE}/Groups/:group_id`,
  summary: 'Replaces a SCIM Group (RFC 7644 §3.5.1), its member set included.',
  params: groupParams,
  query: projectionQuery,
  body: groupBody,
  response: scimGroupObject,
  status: 200,
  protocol: 'scim',
});

export const patchScimGroupContract = defineContract({
  name: 'scim.groups.patch',
  method: 'patch',
  path: `${SCIM_BASE}/Groups/:group_id`,
  summary: 'Modifies a SCIM Group (RFC 7644 §3.5.2), atomically; answers 204 No Content.',
  params: groupParams,
  body: patchBody,
  response: noContent,
  status: 204,
  protocol: 'scim',
});

export const deleteScimGroupContract = defineContract({
  name: 'scim.groups.delete',
  method: 'delete',
  path: `${SCIM_BASE}/Groups/:group_id`,
  summary: 'Deletes a SCIM Group (RFC 7644 §3.6); its members lose the roles it granted. Answers 204 No Content.',
  params: groupParams,
  response: noContent,
  status: 204,
  protocol: 'scim',
});

export type ScimGroupResource = FromSchema<typeof scimGroupObject>;
export type ScimGroupProjection = FromSchema<typeof projectionQuery>;
export type ScimGroupListQuery = FromSchema<typeof listQuery>;

export const scimGroupContracts = [
  createScimGroupContract,
  getScimGroupContract,
  listScimGroupsContract,
  replaceScimGroupContract,
  patchScimGroupContract,
  deleteScimGroupContract,
];
