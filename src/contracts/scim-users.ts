import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { anyObject, flag, object, text, time } from './common';

/** A connection's SCIM base URL (RFC 7644 §3.2), as the SCIM routers mount it. */
const BASE = '/v1/b2b/scim/:connection_id';
export const SCIM_USER_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_ENTERPRISE_USER_SCHEMA_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const connectionParams = {
  type: 'object',
  properties: { connection_id: { type: 'string', minLength: 1, maxLength: 256 } },
  required: ['connection_id'],
} as const;

/** Any `id` reaches the service: one that is not a User's id is a SCIM 404, not a validation error. */
const userParams = {
  type: 'object',
  properties: {
    connection_id: { type: 'string', minLength: 1, maxLength: 256 },
    user_id: { type: 'string', minLength: 1, maxLength: 256 },
  },
  required: ['connection_id', 'user_id'],
} as const;

const listQuery = {
  type: 'object',
  properties: {
    filter: { type: 'string', maxLength: 4000 },
    startIndex: { type: 'string', maxLength: 20 },
    count: { type: 'string', maxLength: 20 },
  },
} as const;

/**
 * A User as a directory writes it. Attribute names are case-insensitive in
 * SCIM, so the body is only shaped here; the service reads it after
 * canonicalizing the names and refuses, naming the attribute, what it cannot use.
 */
const userBody = { type: 'object', additionalProperties: true } as const;

/** RFC 7644 §3.5.2: a PatchOp message (the service parses the operations, in both directories' dialects). */
const patchBody = {
  type: 'object',
  properties: {
    schemas: { type: 'array', items: { type: 'string' }, maxItems: 10 },
    Operations: { type: 'array', items: { type: 'object' } },
  },
  additionalProperties: true,
} as const;

const multiValuedItem = { type: 'object', properties: { value: text, type: text, primary: flag, display: text } } as const;

/**
 * A User resource (RFC 7643 §4.1, with the enterprise extension): Roster's
 * attributes are typed, and whatever else the directory wrote comes back as written.
 */
export const scimUserObject = {
  type: 'object',
  properties: {
    schemas: { type: 'array', items: text },
    id: text,
    externalId: text,
    userName: text,
    name: anyObject,
    displayName: text,
    emails: { type: 'array', items: multiValuedItem },
    active: flag,
    groups: { type: 'array', items: object({ value: text, display: text, $ref: text }, ['value', 'display']) },
    [SCIM_ENTERPRISE_USER_SCHEMA_URN]: anyObject,
    meta: object({ resourceType: text, created: time, lastModified: time, location: text, version: text }, [
      'resourceType',
      'created',
      'lastModified',
      'location',
      'version',
    ]),
  },
  required: ['schemas', 'id', 'userName', 'active', 'emails', 'groups', 'meta'],
  additionalProperties: true,
} as const;

/** RFC 7644 §3.4.2: count=0 answers the total alone. */
const listResponse = object(
  {
    schemas: { type: 'array', items: text },
    totalResults: { type: 'integer' },
    startIndex: { type: 'integer' },
    itemsPerPage: { type: 'integer' },
    Resources: { type: 'array', items: scimUserObject },
  },
  ['schemas', 'totalResults'],
);

export const createScimUserContract = defineContract({
  name: 'scim.users.create',
  method: 'post',
  path: `${BASE}/Users`,
  summary:
    "Provisions a SCIM User (RFC 7644 §3.3): a Member of the connection's organization, linked to the live Member with its email if there is one.",
  params: connectionParams,
  body: userBody,
  response: scimUserObject,
  status: 201,
  protocol: 'scim',
});

export const getScimUserContract = defineContract({
  name: 'scim.users.get',
  method: 'get',
  path: `${BASE}/Users/:user_id`,
  summary: 'Reads a SCIM User (RFC 7644 §3.4.1).',
  params: userParams,
  response: scimUserObject,
  status: 200,
  protocol: 'scim',
});

export const listScimUsersContract = defineContract({
  name: 'scim.users.list',
  method: 'get',
  path: `${BASE}/Users`,
  summary: 'Lists SCIM Users (RFC 7644 §3.4.2): filter (userName case-insensitively, externalId, emails, name, …), startIndex, count.',
  params: connectionParams,
  query: listQuery,
  response: listResponse,
  status: 200,
  protocol: 'scim',
});

export const replaceScimUserContract = defineContract({
  name: 'scim.users.replace',
  method: 'put',
  path: `${BASE}/Users/:user_id`,
  summary: 'Replaces a SCIM User (RFC 7644 §3.5.1); `active: false` deprovisions its Member and ends its sessions.',
  params: userParams,
  body: userBody,
  response: scimUserObject,
  status: 200,
  protocol: 'scim',
});

export const patchScimUserContract = defineContract({
  name: 'scim.users.patch',
  method: 'patch',
  path: `${BASE}/Users/:user_id`,
  summary: "Modifies a SCIM User (RFC 7644 §3.5.2), atomically, in Okta's and Entra's dialects; answers the User.",
  params: userParams,
  body: patchBody,
  response: scimUserObject,
  status: 200,
  protocol: 'scim',
});

export const deleteScimUserContract = defineContract({
  name: 'scim.users.delete',
  method: 'delete',
  path: `${BASE}/Users/:user_id`,
  summary: 'Deletes a SCIM User (RFC 7644 §3.6): its Member is deleted and its sessions end. Answers 204 No Content.',
  params: userParams,
  response: { type: 'object', additionalProperties: false },
  status: 200,
  protocol: 'scim',
});

export type ScimUserResource = FromSchema<typeof scimUserObject>;
export type ScimUserListResponse = FromSchema<typeof listResponse>;

export const scimUserContracts = [
  createScimUserContract,
  getScimUserContract,
  listScimUsersContract,
  replaceScimUserContract,
  patchScimUserContract,
  deleteScimUserContract,
];
