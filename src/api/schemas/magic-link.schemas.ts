import type { FromSchema } from 'json-schema-to-ts';
import { emailSchema, metadataSchema, personNameSchema } from './common.schemas';
import { sessionUpdateProperties } from './session.schemas';

const urlSchema = { type: 'string', minLength: 1, maxLength: 2048, errorType: 'invalid_redirect_url' } as const;
const minutes = (max: number, errorType: string) => ({ type: 'integer', minimum: 5, maximum: max, errorType }) as const;
const WEEK = 10_080;

export const inviteBody = {
  type: 'object',
  properties: {
    organization_id: { type: 'string', minLength: 1, maxLength: 256 },
    email_address: emailSchema,
    invite_redirect_url: urlSchema,
    invited_by_member_id: { type: 'string', minLength: 1, maxLength: 256 },
    name: personNameSchema,
    trusted_metadata: metadataSchema,
    untrusted_metadata: metadataSchema,
    invite_template_id: { type: 'string' },
    locale: { type: 'string' },
    roles: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 128 } },
    invite_expiration_minutes: minutes(WEEK, 'invalid_invite_expiration_minutes'),
  },
  required: ['organization_id', 'email_address'],
} as const;
export type InviteInput = FromSchema<typeof inviteBody>;

export const loginOrSignupBody = {
  type: 'object',
  properties: {
    organization_id: { type: 'string', minLength: 1, maxLength: 256 },
    email_address: emailSchema,
    login_redirect_url: urlSchema,
    signup_redirect_url: urlSchema,
    pkce_code_challenge: { type: 'string', pattern: '^[A-Za-z0-9_-]{43,128}$', errorType: 'invalid_pkce_code_challenge' },
    login_template_id: { type: 'string' },
    signup_template_id: { type: 'string' },
    locale: { type: 'string' },
    login_expiration_minutes: minutes(WEEK, 'invalid_login_expiration_minutes'),
    signup_expiration_minutes: minutes(WEEK, 'invalid_signup_expiration_minutes'),
  },
  required: ['organization_id', 'email_address'],
} as const;
export type LoginOrSignupInput = FromSchema<typeof loginOrSignupBody>;

export const authenticateMagicLinkBody = {
  type: 'object',
  properties: {
    magic_links_token: { type: 'string', minLength: 1, maxLength: 512, errorType: 'invalid_token' },
    pkce_code_verifier: { type: 'string', minLength: 43, maxLength: 128, errorType: 'invalid_pkce_code_verifier' },
    ...sessionUpdateProperties,
    locale: { type: 'string' },
    intermediate_session_token: { type: 'string', maxLength: 512 },
    telemetry_id: { type: 'string' },
  },
  required: ['magic_links_token'],
} as const;
export type AuthenticateMagicLinkInput = FromSchema<typeof authenticateMagicLinkBody>;

export const BULK_INVITE_LIMIT = 10_000;

export const bulkInviteBody = {
  type: 'object',
  properties: {
    invitees: {
      type: 'array',
      minItems: 1,
      maxItems: BULK_INVITE_LIMIT,
      errorType: 'invalid_invitees',
      items: {
        type: 'object',
        properties: {
          email_address: emailSchema,
          name: personNameSchema,
          roles: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 128 } },
          trusted_metadata: metadataSchema,
          untrusted_metadata: metadataSchema,
        },
        required: ['email_address'],
      },
    },
    invite_redirect_url: urlSchema,
    invited_by_member_id: { type: 'string', minLength: 1, maxLength: 256 },
    invite_expiration_minutes: minutes(WEEK, 'invalid_invite_expiration_minutes'),
  },
  required: ['invitees'],
} as const;
export type BulkInviteInput = FromSchema<typeof bulkInviteBody>;
