import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { anyObject, B2B, envelope, flag, memberRefParams, object, text, texts, time } from './common';
import { memberObject } from './members';
import { organizationObject } from './organizations';

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

/** Stytch's AuthorizationCheck: may the session's member take this action on this resource in this organization? */
const authorizationCheck = {
  type: 'object',
  properties: {
    organization_id: { type: 'string', minLength: 1, maxLength: 256 },
    resource_id: { type: 'string', minLength: 1, maxLength: 256 },
    action: { type: 'string', minLength: 1, maxLength: 256 },
  },
  required: ['organization_id', 'resource_id', 'action'],
} as const;

export const authenticateSessionBody = {
  type: 'object',
  properties: { ...sessionUpdateProperties, authorization_check: authorizationCheck },
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

/** `GET /sessions` names the member as a member route's path does. */
export const getSessionsQuery = memberRefParams;
export type GetSessionsQuery = FromSchema<typeof getSessionsQuery>;

const authenticationFactor = object(
  {
    type: text,
    delivery_method: text,
    last_authenticated_at: time,
    created_at: time,
    updated_at: time,
    email_factor: object({ email_id: text, email_address: text }, ['email_id', 'email_address']),
    phone_number_factor: object({ phone_id: text, phone_number: text }, ['phone_id', 'phone_number']),
    authenticator_app_factor: object({ totp_id: text }, ['totp_id']),
    recovery_code_factor: object({ totp_recovery_code_id: text }, ['totp_recovery_code_id']),
    oidc_sso_factor: object({ id: text, provider_id: text, external_id: text }, ['id', 'provider_id', 'external_id']),
    saml_sso_factor: object({ id: text, provider_id: text, external_id: text }, ['id', 'provider_id', 'external_id']),
  },
  ['type', 'delivery_method'],
);

/** Stytch's MemberSession object. */
export const memberSessionObject = object(
  {
    member_session_id: text,
    member_id: text,
    started_at: time,
    last_accessed_at: time,
    expires_at: time,
    authentication_factors: { type: 'array', items: authenticationFactor },
    organization_id: text,
    roles: texts,
    organization_slug: text,
    custom_claims: anyObject,
  },
  [
    'member_session_id',
    'member_id',
    'started_at',
    'last_accessed_at',
    'expires_at',
    'authentication_factors',
    'organization_id',
    'roles',
    'organization_slug',
  ],
);
export type MemberSessionWire = FromSchema<typeof memberSessionObject>;

export const getSessions = defineContract({
  name: 'sessions.get',
  method: 'get',
  path: `${B2B}/sessions`,
  summary: "List a member's active sessions.",
  query: getSessionsQuery,
  response: envelope({ member_sessions: { type: 'array', items: memberSessionObject } }, ['member_sessions']),
  status: 200,
  sdk: 'sessions.get',
});

export const authenticateSession = defineContract({
  name: 'sessions.authenticate',
  method: 'post',
  path: `${B2B}/sessions/authenticate`,
  summary: 'Authenticate a session token or JWT, optionally extending it or checking an authorization.',
  body: authenticateSessionBody,
  response: envelope(
    {
      member_session: memberSessionObject,
      session_token: text,
      session_jwt: text,
      member: memberObject,
      organization: organizationObject,
      // Stytch's AuthorizationVerdict, present when the request made an authorization_check (a refused one is a 403).
      verdict: object({ authorized: flag, granting_roles: texts }, ['authorized', 'granting_roles']),
    },
    ['member_session', 'session_token', 'session_jwt', 'member', 'organization'],
  ),
  status: 200,
  sdk: 'sessions.authenticate',
});

export const revokeSession = defineContract({
  name: 'sessions.revoke',
  method: 'post',
  path: `${B2B}/sessions/revoke`,
  summary: 'Revoke a session, or every session of a member.',
  body: revokeSessionBody,
  response: envelope({}, []),
  status: 200,
  sdk: 'sessions.revoke',
});

const jwk = object({ kty: text, use: text, key_ops: texts, alg: text, kid: text, x5c: texts, x5tS256: text, n: text, e: text }, [
  'kty',
  'use',
  'key_ops',
  'alg',
  'kid',
  'x5c',
  'x5tS256',
  'n',
  'e',
]);

/** Served without authentication: JWT libraries (the SDK's local verification among them) fetch it bare. */
export const getJwks = defineContract({
  name: 'sessions.getJWKS',
  method: 'get',
  path: `${B2B}/sessions/jwks/:project_id`,
  summary: "The project's public signing keys.",
  params: {
    type: 'object',
    properties: { project_id: { type: 'string', minLength: 1, maxLength: 256 } },
    required: ['project_id'],
  },
  response: envelope({ keys: { type: 'array', items: jwk } }, ['keys']),
  status: 200,
  sdk: 'sessions.getJWKS',
});

export const sessionContracts = [getSessions, authenticateSession, revokeSession, getJwks];
