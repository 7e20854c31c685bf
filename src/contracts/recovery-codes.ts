import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B, count, envelope, memberRefParams, text, texts } from './common';
import { memberObject } from './members';
import { organizationObject } from './organizations';
import { memberSessionObject } from './sessions';
import { mfaMemberProperties, priorProofProperties } from './authentication';
import { mfaSessionProperties, recoveryCodeSchema } from './totps';

export const memberRefBody = {
  type: 'object',
  properties: { ...mfaMemberProperties },
  required: ['organization_id', 'member_id'],
} as const;
export type MemberRefInput = FromSchema<typeof memberRefBody>;

export const recoverBody = {
  type: 'object',
  properties: {
    ...mfaMemberProperties,
    recovery_code: recoveryCodeSchema,
    ...priorProofProperties,
    ...mfaSessionProperties,
  },
  required: ['organization_id', 'member_id', 'recovery_code'],
} as const;
export type RecoverInput = FromSchema<typeof recoverBody>;

const codesResponse = envelope({ member_id: text, member: memberObject, organization: organizationObject, recovery_codes: texts }, [
  'member_id',
  'member',
  'organization',
  'recovery_codes',
]);

/**
 * Stytch's `recovery_codes.recover`: a recovery code stands in for the
 * member's TOTP, once; like a TOTP code it completes a session.
 */
export const recoverWithCode = defineContract({
  name: 'recovery_codes.recover',
  method: 'post',
  path: `${B2B}/recovery_codes/recover`,
  summary: 'Complete MFA with one of the recovery codes of the member’s TOTP registration (each works once).',
  body: recoverBody,
  response: envelope(
    {
      member_id: text,
      member: memberObject,
      organization: organizationObject,
      session_token: text,
      session_jwt: text,
      member_session: memberSessionObject,
      recovery_codes_remaining: count,
    },
    ['member_id', 'member', 'organization', 'session_token', 'session_jwt', 'member_session', 'recovery_codes_remaining'],
  ),
  status: 200,
  sdk: 'recoveryCodes.recover',
});

export const getRecoveryCodes = defineContract({
  name: 'recovery_codes.get',
  method: 'get',
  path: `${B2B}/recovery_codes/:organization_id/:member_id`,
  summary: "The member's unused recovery codes.",
  params: memberRefParams,
  response: codesResponse,
  status: 200,
  sdk: 'recoveryCodes.get',
});

export const rotateRecoveryCodes = defineContract({
  name: 'recovery_codes.rotate',
  method: 'post',
  path: `${B2B}/recovery_codes/rotate`,
  summary: "Replace the member's recovery codes with a new set (the old ones stop working).",
  body: memberRefBody,
  response: codesResponse,
  status: 200,
  sdk: 'recoveryCodes.rotate',
});

export const recoveryCodeContracts = [recoverWithCode, getRecoveryCodes, rotateRecoveryCodes];
