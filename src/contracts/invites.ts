import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B, metadataSchema, organizationRefParams } from './common';
import { jobResponse } from './jobs';
import { invitationExpiryMinutes, redirectUrlSchema } from './magic-links';

export const BULK_INVITE_LIMIT = 10_000;
/** Bounds one invitee's text fields; what makes an address or a name valid is judged per invitee, when the job runs. */
const INVITEE_TEXT_MAX_LENGTH = 1024;

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
          // Any string here: a malformed address (or name) becomes that invitee's row error
          // in the job, so one typo does not refuse the other 9,999 invitees.
          email_address: {
            type: 'string',
            maxLength: INVITEE_TEXT_MAX_LENGTH,
            errorType: 'invalid_email',
            description: 'Checked per invitee by the job: a malformed address is an invalid_email row error of the job.',
          },
          name: {
            type: 'string',
            maxLength: INVITEE_TEXT_MAX_LENGTH,
            errorType: 'invalid_member_name',
            description:
              'Checked per invitee by the job: a name with line breaks or control characters is an invalid_member_name row error.',
          },
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
