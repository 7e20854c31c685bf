import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B, count, envelope, object, text, time } from './common';

/** `captured`: the dev outbox (no SMTP_URL) kept the email instead of sending it. */
export const EMAIL_STATUSES = ['queued', 'sent', 'captured', 'failed'] as const;

const nullableText = { type: ['string', 'null'] } as const;

export const listEmailsQuery = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: EMAIL_STATUSES },
    to: { type: 'string', minLength: 1, maxLength: 320, description: 'Only emails to this address (compared case-insensitively).' },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$', errorType: 'invalid_limit', errorMessage: 'must be a whole number' },
    cursor: { type: 'string', maxLength: 1000, errorType: 'invalid_cursor' },
  },
  // A misspelt filter must not silently list every email.
  additionalProperties: false,
} as const;
export type ListEmailsQuery = FromSchema<typeof listEmailsQuery>;

export const emailObject = object(
  {
    email_id: text,
    to: text,
    subject: text,
    kind: {
      type: 'string',
      enum: ['invite', 'login', 'signup', 'discovery', 'otp_login', 'otp_signup', 'otp_discovery'],
      description: 'Magic-link emails, then one-time passcode emails (`otp_*`); `discovery` ones name no organization.',
    },
    status: { type: 'string', enum: EMAIL_STATUSES },
    transport: { ...nullableText, description: '`smtp` or `dev-outbox`; null until the email is handed over.' },
    link: { ...nullableText, description: "The email's magic link, for captured emails only; null for every other one." },
    code: { ...nullableText, description: "The email's one-time passcode, for captured `otp_*` emails only; null for every other one." },
    created_at: time,
    sent_at: { type: ['string', 'null'], format: 'date-time' },
  },
  ['email_id', 'to', 'subject', 'kind', 'status', 'transport', 'link', 'code', 'created_at', 'sent_at'],
);

export const listEmails = defineContract({
  name: 'emails.list',
  method: 'get',
  path: `${B2B}/emails`,
  summary:
    "The project's emails, newest first: the dev outbox (captured emails and their links or codes, with no SMTP_URL) and delivery status.",
  query: listEmailsQuery,
  response: envelope(
    {
      emails: { type: 'array', items: emailObject },
      // Roster's own endpoint: next_cursor is null on the last page.
      results_metadata: object({ total: count, next_cursor: nullableText }, ['total', 'next_cursor']),
    },
    ['emails', 'results_metadata'],
  ),
  status: 200,
});

export const emailContracts = [listEmails];
