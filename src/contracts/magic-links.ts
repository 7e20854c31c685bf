import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B, emailSchema, envelope, flag, metadataSchema, personNameSchema, text } from './common';
import { memberObject, memberResponse, UPDATE_MEMBER_ACTIONS } from './members';
import { organizationObject } from './organizations';
import { authenticationProperties, authenticationRequired, priorAuthenticationProperties } from './authentication';

export const redirectUrlSchema = { type: 'string', minLength: 1, maxLength: 2048, errorType: 'invalid_redirect_url' } as const;
const minutes = (max: number, errorType: string) => ({ type: 'integer', minimum: 5, maximum: max, errorType }) as const;
const WEEK = 10_080;
export const invitationExpiryMinutes = minutes(WEEK, 'invalid_invite_expiration_minutes');

export const inviteBody = {
  type: 'object',
  properties: {
    organization_id: { type: 'string', minLength: 1, maxLength: 256 },
    email_address: emailSchema,
    invite_redirect_url: redirectUrlSchema,
    invited_by_member_id: { type: 'string', minLength: 1, maxLength: 256 },
    name: personNameSchema,
    trusted_metadata: metadataSchema,
    untrusted_metadata: metadataSchema,
    invite_template_id: { type: 'string' },
    locale: { type: 'string' },
    roles: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 128 } },
    invite_expiration_minutes: invitationExpiryMinutes,
  },
  required: ['organization_id', 'email_address'],
} as const;
export type InviteInput = FromSchema<typeof inviteBody>;

const pkceCodeChallengeSchema = {
  type: 'string',
  pattern: '^[A-Za-z0-9_-]{43,128}$',
  errorType: 'invalid_pkce_code_challenge',
  errorMessage: 'must be a base64url SHA-256 code challenge (43 to 128 characters of A-Z a-z 0-9 _ -)',
} as const;

export const loginOrSignupBody = {
  type: 'object',
  properties: {
    organization_id: { type: 'string', minLength: 1, maxLength: 256 },
    email_address: emailSchema,
    login_redirect_url: redirectUrlSchema,
    signup_redirect_url: redirectUrlSchema,
    pkce_code_challenge: pkceCodeChallengeSchema,
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
    ...priorAuthenticationProperties,
    locale: { type: 'string' },
    telemetry_id: { type: 'string' },
  },
  required: ['magic_links_token'],
} as const;
export type AuthenticateMagicLinkInput = FromSchema<typeof authenticateMagicLinkBody>;

export const inviteByEmail = defineContract({
  name: 'magic_links.email.invite',
  method: 'post',
  path: `${B2B}/magic_links/email/invite`,
  summary: 'Invite someone to an organization by email.',
  body: inviteBody,
  response: memberResponse,
  status: 200,
  sdk: 'magicLinks.email.invite',
  // Stytch's: inviting creates a member; inviting with roles also sets them (as organizations.members.create).
  authorization: { resource: 'stytch.member', action: 'create', byField: { roles: UPDATE_MEMBER_ACTIONS.roles } },
});

/** What a login-or-signup send answers (magic links and email passcodes alike). */
export const loginOrSignupResponse = envelope(
  { member_id: text, member_created: flag, member: memberObject, organization: organizationObject },
  ['member_id', 'member_created', 'member', 'organization'],
);

export const loginOrSignup = defineContract({
  name: 'magic_links.email.login_or_signup',
  method: 'post',
  path: `${B2B}/magic_links/email/login_or_signup`,
  summary: 'Email a login link to a member, or a sign-up link where just-in-time provisioning allows it.',
  body: loginOrSignupBody,
  response: loginOrSignupResponse,
  status: 200,
  sdk: 'magicLinks.email.loginOrSignup',
});

/**
 * A member is either authenticated (member_session present) or asked for
 * more (intermediate_session_token_expires_at and mfa_required or
 * primary_required present); never both.
 */
export const authenticateMagicLink = defineContract({
  name: 'magic_links.authenticate',
  method: 'post',
  path: `${B2B}/magic_links/authenticate`,
  summary: 'Authenticate a magic link token.',
  body: authenticateMagicLinkBody,
  response: envelope({ ...authenticationProperties, method_id: text, reset_sessions: flag }, [
    ...authenticationRequired,
    'method_id',
    'reset_sessions',
  ]),
  status: 200,
  sdk: 'magicLinks.authenticate',
});

export const discoverySendBody = {
  type: 'object',
  properties: {
    email_address: emailSchema,
    discovery_redirect_url: redirectUrlSchema,
    pkce_code_challenge: pkceCodeChallengeSchema,
    login_template_id: { type: 'string' },
    locale: { type: 'string' },
    discovery_expiration_minutes: minutes(WEEK, 'invalid_discovery_expiration_minutes'),
  },
  required: ['email_address'],
} as const;
export type DiscoverySendInput = FromSchema<typeof discoverySendBody>;

/** A discovery link proves the address only: magic_links.discovery.authenticate lists the organizations it may enter. */
export const sendDiscoveryEmail = defineContract({
  name: 'magic_links.email.discovery.send',
  method: 'post',
  path: `${B2B}/magic_links/email/discovery/send`,
  summary: 'Email a discovery magic link: it proves the address before any organization is chosen.',
  body: discoverySendBody,
  response: envelope({}, []),
  status: 200,
  sdk: 'magicLinks.email.discovery.send',
});

export const magicLinkContracts = [inviteByEmail, loginOrSignup, authenticateMagicLink, sendDiscoveryEmail];
