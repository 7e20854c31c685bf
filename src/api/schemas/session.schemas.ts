import type { FromSchema } from 'json-schema-to-ts';

export const authenticateSessionBody = {
  type: 'object',
  properties: {
    session_token: { type: 'string', minLength: 1, maxLength: 512 },
    session_jwt: { type: 'string', minLength: 1, maxLength: 8192 },
    session_duration_minutes: { type: 'integer', minimum: 5, maximum: 527_040, errorType: 'invalid_session_duration' },
    session_custom_claims: { type: 'object', errorType: 'invalid_session_custom_claims' },
    authorization_check: { type: 'object' },
  },
} as const;
export type AuthenticateSessionInput = FromSchema<typeof authenticateSessionBody>;

export const revokeSessionBody = {
  type: 'object',
  properties: {
    member_session_id: { type: 'string', minLength: 1, maxLength: 256 },
    session_token: { type: 'string', minLength: 1, maxLength: 512 },
    session_jwt: { type: 'string', minLength: 1, maxLength: 8192 },
    member_id: { type: 'string', minLength: 1, maxLength: 256 },
  },
} as const;
export type RevokeSessionInput = FromSchema<typeof revokeSessionBody>;

export const getSessionsQuery = {
  type: 'object',
  properties: {
    organization_id: { type: 'string', minLength: 1, maxLength: 256 },
    member_id: { type: 'string', minLength: 1, maxLength: 256 },
  },
  required: ['organization_id', 'member_id'],
} as const;
export type GetSessionsQuery = FromSchema<typeof getSessionsQuery>;

export const jwksParams = {
  type: 'object',
  properties: { project_id: { type: 'string', minLength: 1, maxLength: 256 } },
  required: ['project_id'],
} as const;
