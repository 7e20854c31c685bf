import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import {
  anyObject,
  B2B,
  emailSchema,
  envelope,
  externalIdSchema,
  flag,
  memberRefParams,
  metadataSchema,
  object,
  organizationRefParams,
  personNameSchema,
  phoneSchema,
  resultsMetadata,
  searchPagingProperties,
  text,
  time,
} from './common';
import { organizationObject } from './organizations';

const rolesSchema = {
  type: 'array',
  maxItems: 100,
  items: { type: 'string', minLength: 1, maxLength: 128, errorType: 'invalid_rbac_role_id' },
  errorType: 'invalid_rbac_role_id',
} as const;

const memberProperties = {
  name: personNameSchema,
  trusted_metadata: metadataSchema,
  untrusted_metadata: metadataSchema,
  is_breakglass: { type: 'boolean' },
  mfa_phone_number: phoneSchema,
  mfa_enrolled: { type: 'boolean' },
  roles: rolesSchema,
  external_id: externalIdSchema,
} as const;

export const createMemberBody = {
  type: 'object',
  properties: {
    ...memberProperties,
    email_address: emailSchema,
    create_member_as_pending: { type: 'boolean' },
  },
  required: ['email_address'],
} as const;
export type CreateMemberInput = FromSchema<typeof createMemberBody>;

export const updateMemberBody = {
  type: 'object',
  properties: {
    ...memberProperties,
    email_address: emailSchema,
    default_mfa_method: { type: 'string', enum: ['', 'sms_otp', 'totp'], errorType: 'invalid_default_mfa_method' },
    preserve_existing_sessions: { type: 'boolean' },
    unlink_email: { type: 'boolean' },
  },
} as const;
export type UpdateMemberInput = FromSchema<typeof updateMemberBody>;

export const getMemberQuery = {
  type: 'object',
  properties: {
    member_id: { type: 'string', minLength: 1, maxLength: 256 },
    email_address: emailSchema,
  },
} as const;
export type GetMemberQuery = FromSchema<typeof getMemberQuery>;

export const dangerouslyGetQuery = {
  type: 'object',
  properties: { include_deleted: { type: 'string', enum: ['true', 'false'] } },
} as const;

export const searchMembersBody = {
  type: 'object',
  properties: {
    ...searchPagingProperties,
    organization_ids: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: { type: 'string', minLength: 1, maxLength: 256 },
      errorType: 'member_search_organization_ids_empty',
    },
  },
  required: ['organization_ids'],
} as const;
export type SearchMembersInput = FromSchema<typeof searchMembersBody>;

const memberRole = object({ role_id: text, sources: { type: 'array', items: object({ type: text, details: anyObject }, ['type']) } }, [
  'role_id',
  'sources',
]);

/** Member.scim_registration: the member's SCIM User (registration_id is its SCIM id), scim_attributes snake_cased as Stytch's SDK types them. */
const scimRegistrationObject = object({ connection_id: text, registration_id: text, external_id: text, scim_attributes: anyObject }, [
  'connection_id',
  'registration_id',
]);
export type MemberScimRegistration = FromSchema<typeof scimRegistrationObject>;

/** Member.sso_registrations: Stytch's SSORegistration (connection_id is the connection's public id). */
const ssoRegistrationObject = object({ connection_id: text, external_id: text, registration_id: text, sso_attributes: anyObject }, [
  'connection_id',
  'external_id',
  'registration_id',
]);
export type MemberSsoRegistration = FromSchema<typeof ssoRegistrationObject>;

/** Stytch's Member object. Factors Roster does not have yet are present and empty; optional ones are absent. */
export const memberObject = object(
  {
    organization_id: text,
    member_id: text,
    email_address: text,
    status: text,
    name: text,
    sso_registrations: { type: 'array', items: ssoRegistrationObject },
    scim_registration: scimRegistrationObject,
    is_breakglass: flag,
    member_password_id: text,
    oauth_registrations: { type: 'array', items: anyObject },
    email_address_verified: flag,
    mfa_phone_number_verified: flag,
    is_admin: flag,
    totp_registration_id: text,
    retired_email_addresses: { type: 'array', items: object({ email_id: text, email_address: text }, ['email_id', 'email_address']) },
    is_locked: flag,
    mfa_enrolled: flag,
    mfa_phone_number: text,
    default_mfa_method: text,
    roles: { type: 'array', items: memberRole },
    trusted_metadata: anyObject,
    untrusted_metadata: anyObject,
    created_at: time,
    updated_at: time,
    external_id: text,
  },
  [
    'organization_id',
    'member_id',
    'email_address',
    'status',
    'name',
    'sso_registrations',
    'is_breakglass',
    'member_password_id',
    'oauth_registrations',
    'email_address_verified',
    'mfa_phone_number_verified',
    'is_admin',
    'totp_registration_id',
    'retired_email_addresses',
    'is_locked',
    'mfa_enrolled',
    'mfa_phone_number',
    'default_mfa_method',
    'roles',
  ],
);
export type MemberWire = FromSchema<typeof memberObject>;

/** The body most member endpoints answer with. */
export const memberResponse = envelope({ member_id: text, member: memberObject, organization: organizationObject }, [
  'member_id',
  'member',
  'organization',
]);

const memberPath = `${B2B}/organizations/:organization_id/members/:member_id`;

/**
 * The `stytch.member` action a member session needs to set each field of
 * organizations.members.update (Stytch's, as its SDK documents each field;
 * a member acting on itself may use `stytch.self` instead where that
 * resource has the action). Stytch names none for external ids: that takes
 * every action (`*`). trusted_metadata is refused to a member session.
 */
export const UPDATE_MEMBER_ACTIONS = {
  name: 'update.info.name',
  untrusted_metadata: 'update.info.untrusted-metadata',
  is_breakglass: 'update.settings.is-breakglass',
  mfa_phone_number: 'update.info.mfa-phone',
  mfa_enrolled: 'update.settings.mfa-enrolled',
  roles: 'update.settings.roles',
  default_mfa_method: 'update.settings.default-mfa-method',
  email_address: 'update.info.email',
  external_id: '*',
} as const;

export const searchMembers = defineContract({
  name: 'organizations.members.search',
  method: 'post',
  path: `${B2B}/organizations/members/search`,
  summary: 'Search members across organizations.',
  body: searchMembersBody,
  response: envelope(
    {
      members: { type: 'array', items: memberObject },
      results_metadata: resultsMetadata,
      organizations: { type: 'object', additionalProperties: organizationObject },
    },
    ['members', 'results_metadata', 'organizations'],
  ),
  status: 200,
  sdk: 'organizations.members.search',
  // With a member session, every organization searched must be the session's.
  authorization: { resource: 'stytch.member', action: 'search' },
});

export const dangerouslyGetMember = defineContract({
  name: 'organizations.members.dangerouslyGet',
  method: 'get',
  path: `${B2B}/organizations/members/dangerously_get/:member_id`,
  summary: 'Get a member by id alone, in any organization.',
  params: {
    type: 'object',
    properties: { member_id: { type: 'string', minLength: 1, maxLength: 256 } },
    required: ['member_id'],
  },
  query: dangerouslyGetQuery,
  response: memberResponse,
  status: 200,
  sdk: 'organizations.members.dangerouslyGet',
});

export const createMember = defineContract({
  name: 'organizations.members.create',
  method: 'post',
  path: `${B2B}/organizations/:organization_id/members`,
  summary: 'Create a member.',
  params: organizationRefParams,
  body: createMemberBody,
  response: memberResponse,
  status: 200,
  sdk: 'organizations.members.create',
  // Creating a member with roles or as break-glass is also setting them.
  authorization: {
    resource: 'stytch.member',
    action: 'create',
    byField: { roles: UPDATE_MEMBER_ACTIONS.roles, is_breakglass: UPDATE_MEMBER_ACTIONS.is_breakglass },
  },
});

export const getMember = defineContract({
  name: 'organizations.members.get',
  method: 'get',
  path: `${B2B}/organizations/:organization_id/member`,
  summary: 'Get a member by id or email address.',
  params: organizationRefParams,
  query: getMemberQuery,
  response: memberResponse,
  status: 200,
  sdk: 'organizations.members.get',
});

export const updateMember = defineContract({
  name: 'organizations.members.update',
  method: 'put',
  path: memberPath,
  summary: 'Update a member.',
  params: memberRefParams,
  body: updateMemberBody,
  response: memberResponse,
  status: 200,
  sdk: 'organizations.members.update',
  authorization: { resource: 'stytch.member', byField: UPDATE_MEMBER_ACTIONS },
});

export const deleteMember = defineContract({
  name: 'organizations.members.delete',
  method: 'delete',
  path: memberPath,
  summary: 'Delete a member.',
  params: memberRefParams,
  response: envelope({ member_id: text }, ['member_id']),
  status: 200,
  sdk: 'organizations.members.delete',
  authorization: { resource: 'stytch.member', action: 'delete' },
});

export const reactivateMember = defineContract({
  name: 'organizations.members.reactivate',
  method: 'put',
  path: `${memberPath}/reactivate`,
  summary: 'Reactivate a deleted member.',
  params: memberRefParams,
  response: memberResponse,
  status: 200,
  sdk: 'organizations.members.reactivate',
  // Stytch names no action for reactivation; it brings a member back, as creating one does.
  authorization: { resource: 'stytch.member', action: 'create' },
});

export const deleteMemberExternalId = defineContract({
  name: 'organizations.members.deleteExternalId',
  method: 'delete',
  path: `${memberPath}/external_id`,
  summary: "Remove a member's external id.",
  params: memberRefParams,
  response: memberResponse,
  status: 200,
  sdk: 'organizations.members.deleteExternalId',
  // Stytch names no action for external ids: only a role holding every action on members may.
  authorization: { resource: 'stytch.member', action: '*' },
});

export const memberContracts = [
  searchMembers,
  dangerouslyGetMember,
  createMember,
  getMember,
  updateMember,
  deleteMember,
  reactivateMember,
  deleteMemberExternalId,
];
