import type { FromSchema } from 'json-schema-to-ts';

const sessionRefProperties = {
  session_token: { type: 'string', minLength: 1, maxLength: 512 },
  session_jwt: { type: 'string', minLength: 1, maxLength: 8192 },
} as const;

/** How a request names an existing session and what it changes in it (sessions.authenticate, magic_links.authenticate). */
export const sessionUpdateProperties = {
  ...sessionRefProperties,
  session_duration_minutes: { type: 'integer', minimum: 5, maximum: 527_040, errorType: 'invalid_session_duration' },
  session_custom_claims: { type: 'object', errorType: 'invalid_session_custom_claims' },
} as const;

export const authenticateSessionBody = {
  type: 'object',
  properties: { ...sessionUpdateProperties, authorization_check: { type: 'object' } },
} as const;
export type AuthenticateSessionInput = FromSchema<typeof authenticateSessionBody>;

export const revokeSessionBody = {
  type: 'object',
  properties: {
    member_session_id: { type: 'string', minLength: 1, maxLength: 256 },
    ...sessionRefProperties,
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
