import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { mfaMemberProperties, priorProofProperties } from './authentication';
import { B2B, count, emailSchema, envelope, memberRefParams, object, phoneSchema, text, time } from './common';
import { memberObject, memberResponse } from './members';
import { organizationObject } from './organizations';
import { otpCodeSchema } from './otps-email';
import { memberSessionObject, sessionUpdateProperties } from './sessions';

export const sendSmsBody = {
  type: 'object',
  properties: {
    ...mfaMemberProperties,
    mfa_phone_number: phoneSchema,
    locale: { type: 'string', maxLength: 32 },
    ...priorProofProperties,
  },
  required: ['organization_id', 'member_id'],
} as const;
export type SendSmsInput = FromSchema<typeof sendSmsBody>;

export const authenticateSmsBody = {
  type: 'object',
  properties: {
    ...mfaMemberProperties,
    // Six digits, as an email passcode: a malformed code is refused (invalid_code) before it could count as a guess.
    code: otpCodeSchema,
    ...priorProofProperties,
    session_duration_minutes: sessionUpdateProperties.session_duration_minutes,
    session_custom_claims: sessionUpdateProperties.session_custom_claims,
    set_mfa_enrollment: { type: 'string', enum: ['enroll', 'unenroll'] },
    set_default_mfa: { type: 'boolean' },
    telemetry_id: { type: 'string' },
  },
  required: ['organization_id', 'member_id', 'code'],
} as const;
export type AuthenticateSmsInput = FromSchema<typeof authenticateSmsBody>;

export const unlinkRetiredEmailBody = {
  type: 'object',
  properties: {
    email_id: { type: 'string', minLength: 1, maxLength: 256 },
    email_address: emailSchema,
  },
} as const;
export type UnlinkRetiredEmailInput = FromSchema<typeof unlinkRetiredEmailBody>;

/** Stytch's `otps.sms.send`: texts a passcode to the member's phone (linking the number given when it has none). */
export const sendSms = defineContract({
  name: 'otps.sms.send',
  method: 'post',
  path: `${B2B}/otps/sms/send`,
  summary: "Text a one-time passcode to a member's MFA phone number.",
  body: sendSmsBody,
  response: envelope({ member_id: text, member: memberObject, organization: organizationObject }, ['member_id', 'member', 'organization']),
  status: 200,
  sdk: 'otps.sms.send',
});

/**
 * Stytch's `otps.sms.authenticate`: an SMS passcode is an MFA factor only,
 * so it always completes a session (an intermediate session's, or one the
 * caller holds); a request that would not is refused before the code is spent.
 */
export const authenticateSms = defineContract({
  name: 'otps.sms.authenticate',
  method: 'post',
  path: `${B2B}/otps/sms/authenticate`,
  summary: 'Authenticate an SMS one-time passcode as an MFA factor.',
  body: authenticateSmsBody,
  response: envelope(
    {
      member_id: text,
      member: memberObject,
      organization: organizationObject,
      session_token: text,
      session_jwt: text,
      member_session: memberSessionObject,
    },
    ['member_id', 'member', 'organization', 'session_token', 'session_jwt', 'member_session'],
  ),
  status: 200,
  sdk: 'otps.sms.authenticate',
});

export const deleteMfaPhoneNumber = defineContract({
  name: 'organizations.members.deleteMFAPhoneNumber',
  method: 'delete',
  path: `${B2B}/organizations/:organization_id/members/mfa_phone_numbers/:member_id`,
  summary: "Remove a member's MFA phone number (its sessions stay; MFA is asked again at the next login).",
  params: memberRefParams,
  response: memberResponse,
  status: 200,
  sdk: 'organizations.members.deleteMFAPhoneNumber',
  authorization: { resource: 'stytch.member', action: 'update.info.delete.mfa-phone' },
});

export const unlinkRetiredEmail = defineContract({
  name: 'organizations.members.unlinkRetiredEmail',
  method: 'post',
  path: `${B2B}/organizations/:organization_id/members/:member_id/unlink_retired_email`,
  summary: "Remove one of a member's retired email addresses, so that other members may use it.",
  params: memberRefParams,
  body: unlinkRetiredEmailBody,
  response: envelope({ member_id: text, organization_id: text, member: memberObject, organization: organizationObject }, [
    'member_id',
    'organization_id',
    'member',
    'organization',
  ]),
  status: 200,
  sdk: 'organizations.members.unlinkRetiredEmail',
  authorization: { resource: 'stytch.member', action: 'update.info.unlink.retired-email' },
});

/** `captured`: the dev outbox (no SMS_WEBHOOK_URL) kept the text instead of sending it. */
export const SMS_STATUSES = ['queued', 'sent', 'captured', 'failed'] as const;
const nullableText = { type: ['string', 'null'] } as const;

export const listSmsQuery = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: SMS_STATUSES },
    to: { ...phoneSchema, description: 'Only messages to this number (E.164).' },
    member_id: { ...mfaMemberProperties.member_id, description: 'Only messages to this member.' },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$', errorType: 'invalid_limit', errorMessage: 'must be a whole number' },
    cursor: { type: 'string', maxLength: 1000, errorType: 'invalid_cursor' },
  },
  // A misspelt filter must not silently list every message.
  additionalProperties: false,
} as const;
export type ListSmsQuery = FromSchema<typeof listSmsQuery>;

export const smsObject = object(
  {
    sms_id: text,
    organization_id: text,
    member_id: text,
    to: text,
    status: { type: 'string', enum: SMS_STATUSES },
    transport: { ...nullableText, description: '`webhook` or `dev-outbox`; null until the message is handed over.' },
    body: { ...nullableText, description: 'The text, passcode included, for captured messages only; null for every other one.' },
    last_error: nullableText,
    created_at: time,
    sent_at: { type: ['string', 'null'], format: 'date-time' },
  },
  ['sms_id', 'organization_id', 'member_id', 'to', 'status', 'transport', 'body', 'last_error', 'created_at', 'sent_at'],
);

/** Roster's own: the SMS dev outbox (captured texts with their codes) and every message's delivery status. */
export const listSms = defineContract({
  name: 'sms_messages.list',
  method: 'get',
  path: `${B2B}/sms_messages`,
  summary:
    "The project's SMS passcode messages, newest first: the dev outbox (captured texts, codes included, with no SMS_WEBHOOK_URL) and delivery status.",
  query: listSmsQuery,
  response: envelope(
    {
      sms_messages: { type: 'array', items: smsObject },
      // Roster's own endpoint: next_cursor is null on the last page.
      results_metadata: object({ total: count, next_cursor: nullableText }, ['total', 'next_cursor']),
    },
    ['sms_messages', 'results_metadata'],
  ),
  status: 200,
});

export const smsContracts = [sendSms, authenticateSms, deleteMfaPhoneNumber, unlinkRetiredEmail, listSms];
