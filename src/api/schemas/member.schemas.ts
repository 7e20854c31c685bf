import type { FromSchema } from 'json-schema-to-ts';
import { emailSchema, externalIdSchema, metadataSchema, personNameSchema, phoneSchema, searchPagingProperties } from './common.schemas';

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

export const memberParams = {
  type: 'object',
  properties: {
    organization_id: { type: 'string', minLength: 1, maxLength: 256 },
    member_id: { type: 'string', minLength: 1, maxLength: 256 },
  },
  required: ['organization_id', 'member_id'],
} as const;

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
      errorType: 'member_search_missing_organization_ids',
    },
  },
  required: ['organization_ids'],
} as const;
export type SearchMembersInput = FromSchema<typeof searchMembersBody>;
