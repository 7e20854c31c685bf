import type { AuthenticationFactor, SsoFactor } from '../../repositories/session.repository';

/** Stytch's timestamp form: seconds precision, Z. */
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The factors a member can prove, as Stytch records them on sessions. */
export const factors = {
  magicLink: (emailId: string, emailAddress: string): AuthenticationFactor => ({
    type: 'magic_link',
    delivery_method: 'email',
    last_authenticated_at: now(),
    email_factor: { email_id: emailId, email_address: emailAddress },
  }),
  emailOtp: (emailId: string, emailAddress: string): AuthenticationFactor => ({
    type: 'otp',
    delivery_method: 'email',
    last_authenticated_at: now(),
    email_factor: { email_id: emailId, email_address: emailAddress },
  }),
  smsOtp: (phoneId: string, phoneNumber: string): AuthenticationFactor => ({
    type: 'otp',
    delivery_method: 'sms',
    last_authenticated_at: now(),
    phone_number_factor: { phone_id: phoneId, phone_number: phoneNumber },
  }),
  totp: (totpId: string): AuthenticationFactor => ({
    type: 'totp',
    delivery_method: 'authenticator_app',
    last_authenticated_at: now(),
    authenticator_app_factor: { totp_id: totpId },
  }),
  recoveryCode: (recoveryCodeId: string): AuthenticationFactor => ({
    type: 'recovery_codes',
    delivery_method: 'recovery_code',
    last_authenticated_at: now(),
    recovery_code_factor: { totp_recovery_code_id: recoveryCodeId },
  }),
  /** `sso` is the connection's registration of the member (id: registration, provider_id: connection, external_id: IdP subject). */
  sso: (kind: 'oidc' | 'saml', sso: SsoFactor): AuthenticationFactor => ({
    type: 'sso',
    delivery_method: `sso_${kind}`,
    last_authenticated_at: now(),
    [`${kind}_sso_factor`]: sso,
  }),
};

/** The organization auth method (`allowed_auth_methods`) a primary factor is, if it is one. */
export function primaryMethodOf(factor: AuthenticationFactor): string | undefined {
  if (factor.type === 'magic_link') return 'magic_link';
  if (factor.type === 'otp' && factor.delivery_method === 'email') return 'email_otp';
  if (factor.type === 'sso') return 'sso';
  if (factor.type === 'password') return 'password';
  if (factor.type === 'oauth') return `${factor.delivery_method.replace(/^oauth_/, '')}_oauth`;
  return undefined;
}

/** The MFA method (`allowed_mfa_methods`) a secondary factor is, if it is one; a recovery code stands in for TOTP. */
export function mfaMethodOf(factor: AuthenticationFactor): string | undefined {
  if (factor.type === 'otp' && factor.delivery_method === 'sms') return 'sms_otp';
  if (factor.type === 'totp' || factor.type === 'recovery_codes') return 'totp';
  return undefined;
}

/**
 * The factors that prove something about a person in any organization: an
 * email address (magic link, email OTP) or an OAuth identity. MFA factors
 * belong to one member and SSO factors to one connection: they never cross.
 */
export const transfersAcrossOrganizations = (factor: AuthenticationFactor): boolean =>
  factor.type === 'magic_link' || factor.type === 'oauth' || (factor.type === 'otp' && factor.delivery_method === 'email');

/** Adds a factor to those proved before, replacing an earlier proof of the same kind. */
export function withFactor(proved: AuthenticationFactor[], factor: AuthenticationFactor | undefined): AuthenticationFactor[] {
  if (!factor) return proved;
  return [...proved.filter((f) => f.type !== factor.type || f.delivery_method !== factor.delivery_method), factor];
}
