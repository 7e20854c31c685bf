import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B, emailSchema, envelope, text } from './common';
import { loginOrSignupResponse } from './magic-links';
import { authenticationProperties, authenticationRequired, priorAuthenticationProperties } from './authentication';

/** Stytch's bounds for an email passcode's lifetime: 2 to 15 minutes, 10 by default. */
const otpMinutes = (errorType: string) => ({ type: 'integer', minimum: 2, maximum: 15, errorType }) as const;

/** A six-digit one-time passcode; a malformed one is refused before it could count as a guess. */
export const otpCodeSchema = {
  type: 'string',
  pattern: '^[0-9]{6}$',
  errorType: 'invalid_code',
  errorMessage: 'must be the six digits of the passcode',
} as const;

export const otpLoginOrSignupBody = {
  type: 'object',
  properties: {
    organization_id: { type: 'string', minLength: 1, maxLength: 256 },
    email_address: emailSchema,
    login_template_id: { type: 'string' },
    signup_template_id: { type: 'string' },
    locale: { type: 'string' },
    login_expiration_minutes: otpMinutes('invalid_login_expiration_minutes'),
    signup_expiration_minutes: otpMinutes('invalid_signup_expiration_minutes'),
  },
  required: ['organization_id', 'email_address'],
} as const;
export type OtpLoginOrSignupInput = FromSchema<typeof otpLoginOrSignupBody>;

export const authenticateEmailOtpBody = {
  type: 'object',
  properties: {
    organization_id: { type: 'string', minLength: 1, maxLength: 256 },
    email_address: emailSchema,
    code: otpCodeSchema,
    ...priorAuthenticationProperties,
    locale: { type: 'string' },
    telemetry_id: { type: 'string' },
  },
  required: ['organization_id', 'email_address', 'code'],
} as const;
export type AuthenticateEmailOtpInput = FromSchema<typeof authenticateEmailOtpBody>;

export const otpDiscoverySendBody = {
  type: 'object',
  properties: {
    email_address: emailSchema,
    login_template_id: { type: 'string' },
    locale: { type: 'string' },
    discovery_expiration_minutes: otpMinutes('invalid_discovery_expiration_minutes'),
  },
  required: ['email_address'],
} as const;
export type OtpDiscoverySendInput = FromSchema<typeof otpDiscoverySendBody>;

export const otpLoginOrSignup = defineContract({
  name: 'otps.email.login_or_signup',
  method: 'post',
  path: `${B2B}/otps/email/login_or_signup`,
  summary: 'Email a login passcode to a member, or a sign-up passcode where just-in-time provisioning allows it.',
  body: otpLoginOrSignupBody,
  response: loginOrSignupResponse,
  status: 200,
  sdk: 'otps.email.loginOrSignup',
});

/**
 * A member is either authenticated (member_session present) or asked for
 * more (intermediate_session_token_expires_at and mfa_required or
 * primary_required present); never both.
 */
export const authenticateEmailOtp = defineContract({
  name: 'otps.email.authenticate',
  method: 'post',
  path: `${B2B}/otps/email/authenticate`,
  summary: 'Authenticate a member with the passcode emailed to it.',
  body: authenticateEmailOtpBody,
  response: envelope({ ...authenticationProperties, method_id: text }, [...authenticationRequired, 'method_id']),
  status: 200,
  sdk: 'otps.email.authenticate',
});

/** A discovery passcode proves the address only: otps.email.discovery.authenticate lists the organizations it may enter. */
export const otpDiscoverySend = defineContract({
  name: 'otps.email.discovery.send',
  method: 'post',
  path: `${B2B}/otps/email/discovery/send`,
  summary: 'Email a discovery passcode: it proves the address before any organization is chosen.',
  body: otpDiscoverySendBody,
  response: envelope({}, []),
  status: 200,
  sdk: 'otps.email.discovery.send',
});

export const emailOtpContracts = [otpLoginOrSignup, authenticateEmailOtp, otpDiscoverySend];
