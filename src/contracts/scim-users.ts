import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { anyObject, flag, object, text } from './common';
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

export const SCIM_USER_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_ENTERPRISE_USER_SCHEMA_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const userParams = resourceParams('user_id');
const listQuery = { type: 'object', properties: listQueryProperties } as const;

/**
 * A User as a directory writes it. Attribute names are case-insensitive in
 * SCIM, so the body is only shaped here; the service reads it after
 * canonicalizing the names and refuses, naming the attribute, what it cannot use.
 */
const userBody = { type: 'object', additionalProperties: true } as const;

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
    meta: resourceMeta,
  },
  required: ['schemas', 'id', 'userName', 'active', 'emails', 'groups', 'meta'],
  additionalProperties: true,
} as const;

const listResponse = listOf(scimUserObject);

export const createScimUserContract = defineContract({
  name: 'scim.users.create',
  method: 'post',
  path: `${SCIM_BASE}/Users`,
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
  path: `${SCIM_BASE}/Users/:user_id`,
  summary: 'Reads a SCIM User (RFC 7644 §3.4.1).',
  params: userParams,
  response: scimUserObject,
  status: 200,
  protocol: 'scim',
});

export const listScimUsersContract = defineContract({
  name: 'scim.users.list',
  method: 'get',
  path: `${SCIM_BASE}/Users`,
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
  path: `${SCIM_BASE}/Users/:user_id`,
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
  path: `${SCIM_BASE}/Users/:user_id`,
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
  path: `${SCIM_BASE}/Users/:user_id`,
  summary: 'Deletes a SCIM User (RFC 7644 §3.6): its Member is deleted and its sessions end. Answers 204 No Content.',
  params: userParams,
  response: noContent,
  status: 204,
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
