import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { anyObject, B2B, emailSchema, envelope, flag, object, text, time } from './common';
import { authenticationProperties, authenticationRequired, mfaRequiredObject, primaryRequiredObject } from './authentication';
import { memberObject } from './members';
import { createOrganizationBody, organizationObject } from './organizations';
import { sessionUpdateProperties } from './sessions';

const intermediateSessionToken = { type: 'string', minLength: 1, maxLength: 512 } as const;

/** Stytch's DiscoveredOrganization: an organization the address can enter, and what entering it takes. */
export const discoveredOrganizationObject = object(
  {
    member_authenticated: flag,
    organization: organizationObject,
    membership: object(
      {
        // active_member, pending_member, invited_member or eligible_to_join_by_email_domain.
        type: text,
        details: anyObject,
        member: memberObject,
      },
      ['type'],
    ),
    primary_required: primaryRequiredObject,
    mfa_required: mfaRequiredObject,
  },
  ['member_authenticated', 'organization', 'membership'],
);

/** What a discovery authentication answers: the intermediate session, the address it proved, and where it can go. */
const discoveryAuthenticationResponse = envelope(
  {
    intermediate_session_token: text,
    intermediate_session_token_expires_at: time,
    email_address: text,
    discovered_organizations: { type: 'array', items: discoveredOrganizationObject },
  },
  ['intermediate_session_token', 'intermediate_session_token_expires_at', 'email_address', 'discovered_organizations'],
);

/** An organization-bound authentication's answer, as the exchange and create endpoints give it (no organization_id: the organization object carries it). */
const { organization_id: _organizationId, ...exchangeProperties } = authenticationProperties;
const exchangeResponse = envelope(
  exchangeProperties,
  authenticationRequired.filter((field): field is Exclude<typeof field, 'organization_id'> => field !== 'organization_id'),
);

export const authenticateDiscoveryMagicLinkBody = {
  type: 'object',
  properties: {
    discovery_magic_links_token: { type: 'string', minLength: 1, maxLength: 512, errorType: 'invalid_token' },
    pkce_code_verifier: { type: 'string', minLength: 43, maxLength: 128, errorType: 'invalid_pkce_code_verifier' },
  },
  required: ['discovery_magic_links_token'],
} as const;
export type AuthenticateDiscoveryMagicLinkInput = FromSchema<typeof authenticateDiscoveryMagicLinkBody>;

export const authenticateDiscoveryOtpBody = {
  type: 'object',
  properties: {
    email_address: emailSchema,
    code: {
      type: 'string',
      pattern: '^[0-9]{6}$',
      errorType: 'invalid_code',
      errorMessage: 'must be the six-digit passcode that was emailed',
    },
  },
  required: ['email_address', 'code'],
} as const;
export type AuthenticateDiscoveryOtpInput = FromSchema<typeof authenticateDiscoveryOtpBody>;

export const listDiscoveredOrganizationsBody = {
  type: 'object',
  properties: {
    intermediate_session_token: intermediateSessionToken,
    session_token: sessionUpdateProperties.session_token,
    session_jwt: sessionUpdateProperties.session_jwt,
  },
} as const;
export type ListDiscoveredOrganizationsInput = FromSchema<typeof listDiscoveredOrganizationsBody>;

const sessionStartProperties = {
  session_duration_minutes: sessionUpdateProperties.session_duration_minutes,
  session_custom_claims: sessionUpdateProperties.session_custom_claims,
} as const;

export const createDiscoveredOrganizationBody = {
  type: 'object',
  properties: {
    intermediate_session_token: intermediateSessionToken,
    ...sessionStartProperties,
    ...createOrganizationBody.properties,
    telemetry_id: { type: 'string' },
  },
  required: ['intermediate_session_token'],
} as const;
export type CreateDiscoveredOrganizationInput = FromSchema<typeof createDiscoveredOrganizationBody>;

export const exchangeIntermediateSessionBody = {
  type: 'object',
  properties: {
    intermediate_session_token: intermediateSessionToken,
    organization_id: { type: 'string', minLength: 1, maxLength: 256 },
    ...sessionStartProperties,
    locale: { type: 'string' },
    telemetry_id: { type: 'string' },
  },
  required: ['intermediate_session_token', 'organization_id'],
} as const;
export type ExchangeIntermediateSessionInput = FromSchema<typeof exchangeIntermediateSessionBody>;

export const authenticateDiscoveryMagicLink = defineContract({
  name: 'magic_links.discovery.authenticate',
  method: 'post',
  path: `${B2B}/magic_links/discovery/authenticate`,
  summary: 'Redeem a discovery magic link: an intermediate session for the address, and the organizations it can enter.',
  body: authenticateDiscoveryMagicLinkBody,
  response: discoveryAuthenticationResponse,
  status: 200,
  sdk: 'magicLinks.discovery.authenticate',
});

export const authenticateDiscoveryOtp = defineContract({
  name: 'otps.email.discovery.authenticate',
  method: 'post',
  path: `${B2B}/otps/email/discovery/authenticate`,
  summary: 'Redeem a discovery email passcode: an intermediate session for the address, and the organizations it can enter.',
  body: authenticateDiscoveryOtpBody,
  response: discoveryAuthenticationResponse,
  status: 200,
  sdk: 'otps.email.discovery.authenticate',
});

export const listDiscoveredOrganizations = defineContract({
  name: 'discovery.organizations.list',
  method: 'post',
  path: `${B2B}/discovery/organizations`,
  summary: 'List the organizations the holder of an intermediate session or session can enter (spends neither).',
  body: listDiscoveredOrganizationsBody,
  response: envelope(
    {
      email_address: text,
      discovered_organizations: { type: 'array', items: discoveredOrganizationObject },
      organization_id_hint: text,
    },
    ['email_address', 'discovered_organizations'],
  ),
  status: 200,
  sdk: 'discovery.organizations.list',
});

/** Either authenticated (member_session present) or asked for more (mfa_required or primary_required present); never both. */
export const createDiscoveredOrganization = defineContract({
  name: 'discovery.organizations.create',
  method: 'post',
  path: `${B2B}/discovery/organizations/create`,
  summary: 'Create an organization from an intermediate session, its holder the first member (stytch_admin).',
  body: createDiscoveredOrganizationBody,
  response: exchangeResponse,
  status: 200,
  sdk: 'discovery.organizations.create',
});

export const exchangeIntermediateSession = defineContract({
  name: 'discovery.intermediate_sessions.exchange',
  method: 'post',
  path: `${B2B}/discovery/intermediate_sessions/exchange`,
  summary: 'Enter an organization with an intermediate session: a session, or what the organization still requires.',
  body: exchangeIntermediateSessionBody,
  response: exchangeResponse,
  status: 200,
  sdk: 'discovery.intermediateSessions.exchange',
});

/** The exchange answer, shared with sessions.exchange. */
export { exchangeResponse };

export const discoveryContracts = [
  authenticateDiscoveryMagicLink,
  authenticateDiscoveryOtp,
  listDiscoveredOrganizations,
  createDiscoveredOrganization,
  exchangeIntermediateSession,
];
