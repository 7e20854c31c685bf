import { flag, object, text, texts, time } from './common';
import { memberObject } from './members';
import { organizationObject } from './organizations';
import { memberSessionObject, sessionUpdateProperties } from './sessions';

/**
 * What an authenticate request may present besides its factor: an existing
 * session of the same member (the factor is added to it; the organization's
 * requirements count as met) or an intermediate session (its factors count
 * toward them).
 */
export const priorAuthenticationProperties = {
  ...sessionUpdateProperties,
  intermediate_session_token: { type: 'string', minLength: 1, maxLength: 512 },
} as const;

/** The prior proof alone (MFA requests): a session by token or JWT, or an intermediate session. */
export const priorProofProperties = {
  session_token: priorAuthenticationProperties.session_token,
  session_jwt: priorAuthenticationProperties.session_jwt,
  intermediate_session_token: priorAuthenticationProperties.intermediate_session_token,
} as const;

/** How MFA requests name their member: the organization (id, slug or external id) and the member. */
const ref = { type: 'string', minLength: 1, maxLength: 256 } as const;
export const mfaMemberProperties = { organization_id: ref, member_id: ref } as const;

/** Stytch's `mfa_required`: what the member can use, and whether an SMS code went out already. */
export const mfaRequiredObject = object(
  {
    member_options: object({ mfa_phone_number: text, totp_registration_id: text }, ['mfa_phone_number', 'totp_registration_id']),
    secondary_auth_initiated: { type: ['string', 'null'] },
  },
  [],
);

export const primaryRequiredObject = object({ allowed_auth_methods: texts }, ['allowed_auth_methods']);

/**
 * The fields every organization-bound authentication answers with (magic
 * links, email OTP, TOTP, SMS OTP, recovery codes, session and discovery
 * exchange): a session when the member is authenticated; otherwise an
 * intermediate session and what it still needs.
 */
export const authenticationProperties = {
  member_id: text,
  organization_id: text,
  member: memberObject,
  organization: organizationObject,
  session_token: text,
  session_jwt: text,
  member_session: memberSessionObject,
  intermediate_session_token: text,
  intermediate_session_token_expires_at: time,
  member_authenticated: flag,
  mfa_required: mfaRequiredObject,
  primary_required: primaryRequiredObject,
} as const;

export const authenticationRequired = [
  'member_id',
  'organization_id',
  'member',
  'organization',
  'session_token',
  'session_jwt',
  'intermediate_session_token',
  'member_authenticated',
] as const;
