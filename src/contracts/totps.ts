import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { mfaMemberProperties, priorProofProperties } from './authentication';
import { B2B, envelope, memberRefParams, text, texts } from './common';
import { memberObject, memberResponse } from './members';
import { organizationObject } from './organizations';
import { memberSessionObject, sessionUpdateProperties } from './sessions';

/** What an MFA authentication may ask of the session it completes. */
export const mfaSessionProperties = {
  session_duration_minutes: sessionUpdateProperties.session_duration_minutes,
  session_custom_claims: sessionUpdateProperties.session_custom_claims,
  telemetry_id: { type: 'string' },
} as const;

/** A recovery code as given (Roster issues `xxxx-xxxx-xxxx`; migrated ones may look otherwise). */
export const recoveryCodeSchema = { type: 'string', minLength: 1, maxLength: 128, errorType: 'invalid_recovery_code' } as const;

export const createTotpBody = {
  type: 'object',
  properties: {
    ...mfaMemberProperties,
    expiration_minutes: { type: 'integer', minimum: 5, maximum: 1440, errorType: 'invalid_expiration' },
    ...priorProofProperties,
  },
  required: ['organization_id', 'member_id'],
} as const;
export type CreateTotpInput = FromSchema<typeof createTotpBody>;

export const authenticateTotpBody = {
  type: 'object',
  properties: {
    ...mfaMemberProperties,
    code: { type: 'string', minLength: 1, maxLength: 128, errorType: 'invalid_totp_code' },
    ...priorProofProperties,
    ...mfaSessionProperties,
    set_mfa_enrollment: { type: 'string', enum: ['enroll', 'unenroll'] },
    set_default_mfa: { type: 'boolean' },
  },
  required: ['organization_id', 'member_id', 'code'],
} as const;
export type AuthenticateTotpInput = FromSchema<typeof authenticateTotpBody>;

export const migrateTotpBody = {
  type: 'object',
  properties: {
    ...mfaMemberProperties,
    // Base32 (RFC 4648), as authenticator apps take it; 80 to 512 bits.
    secret: {
      type: 'string',
      pattern: '^[A-Za-z2-7]{16,103}=*$',
      errorType: 'invalid_totp_secret',
      errorMessage: 'must be a base32 secret of 16 to 103 characters (A-Z, 2-7)',
    },
    recovery_codes: { type: 'array', maxItems: 50, items: recoveryCodeSchema, errorType: 'invalid_recovery_code' },
  },
  required: ['organization_id', 'member_id', 'secret'],
} as const;
export type MigrateTotpInput = FromSchema<typeof migrateTotpBody>;

const memberAndOrganization = { member_id: text, member: memberObject, organization: organizationObject } as const;

/** Stytch's `totps.create`: a pending registration, its secret (also as a QR code) and its recovery codes. */
export const createTotp = defineContract({
  name: 'totps.create',
  method: 'post',
  path: `${B2B}/totp`,
  summary: 'Register an authenticator app (TOTP) for a member: verified by the first code authenticated.',
  body: createTotpBody,
  response: envelope({ ...memberAndOrganization, totp_registration_id: text, secret: text, qr_code: text, recovery_codes: texts }, [
    'member_id',
    'totp_registration_id',
    'secret',
    'qr_code',
    'recovery_codes',
    'member',
    'organization',
  ]),
  status: 200,
  sdk: 'totps.create',
});

/**
 * Stytch's `totps.authenticate`: a TOTP code is an MFA factor only, so it
 * always completes a session (an intermediate session's, or one the caller
 * holds); a request that would not is refused before the code is spent.
 */
export const authenticateTotp = defineContract({
  name: 'totps.authenticate',
  method: 'post',
  path: `${B2B}/totp/authenticate`,
  summary: "Authenticate a code from the member's authenticator app as an MFA factor.",
  body: authenticateTotpBody,
  response: envelope({ ...memberAndOrganization, session_token: text, session_jwt: text, member_session: memberSessionObject }, [
    'member_id',
    'member',
    'organization',
    'session_token',
    'session_jwt',
    'member_session',
  ]),
  status: 200,
  sdk: 'totps.authenticate',
});

/** Stytch's `totps.migrate`: imports a secret (and recovery codes) from another system, verified at once. */
export const migrateTotp = defineContract({
  name: 'totps.migrate',
  method: 'post',
  path: `${B2B}/totp/migrate`,
  summary: "Import a member's existing TOTP secret and recovery codes (minted when none are given).",
  body: migrateTotpBody,
  response: envelope({ ...memberAndOrganization, totp_registration_id: text, recovery_codes: texts }, [
    'member_id',
    'member',
    'organization',
    'totp_registration_id',
    'recovery_codes',
  ]),
  status: 200,
  sdk: 'totps.migrate',
});

export const deleteMemberTotp = defineContract({
  name: 'organizations.members.deleteTOTP',
  method: 'delete',
  path: `${B2B}/organizations/:organization_id/members/:member_id/totp`,
  summary: "Delete a member's TOTP registration and its recovery codes (sessions holding the factor stay).",
  params: memberRefParams,
  response: memberResponse,
  status: 200,
  sdk: 'organizations.members.deleteTOTP',
  authorization: { resource: 'stytch.member', action: 'update.info.delete.mfa-totp' },
});

export const totpContracts = [createTotp, authenticateTotp, migrateTotp, deleteMemberTotp];
