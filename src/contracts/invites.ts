import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B, emailSchema, metadataSchema, organizationRefParams, personNameSchema } from './common';
import { jobResponse } from './jobs';
import { invitationExpiryMinutes, redirectUrlSchema } from './magic-links';

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
    invite_redirect_url: redirectUrlSchema,
    invited_by_member_id: { type: 'string', minLength: 1, maxLength: 256 },
    invite_expiration_minutes: invitationExpiryMinutes,
  },
  required: ['invitees'],
} as const;
export type BulkInviteInput = FromSchema<typeof bulkInviteBody>;

export const bulkInvite = defineContract({
  name: 'organizations.invites.bulk',
  method: 'post',
  path: `${B2B}/organizations/:organization_id/invites`,
  summary: 'Invite up to 10,000 people at once: a job whose progress and per-invitee failures are visible.',
  params: organizationRefParams,
  body: bulkInviteBody,
  response: jobResponse,
  status: 202,
});

export const inviteContracts = [bulkInvite];
