import type { Schema } from './contract';
import {
  DOMAIN_PATTERN,
  EMAIL_MAX_LENGTH,
  EXTERNAL_ID_MAX_LENGTH,
  EXTERNAL_ID_PATTERN,
  MEMBER_NAME_MAX_LENGTH,
  PHONE_PATTERN,
} from '../formats';

/** Request building blocks shared by the contracts. `as const` keeps them usable with FromSchema. */
export const metadataSchema = { type: 'object', errorType: 'metadata_invalid_format' } as const;

export const domainSchema = {
  type: 'string',
  maxLength: 253,
  pattern: DOMAIN_PATTERN,
  errorType: 'organization_settings_invalid_domain',
  errorMessage: 'is not a valid domain name (like example.com)',
} as const;

export const stringList = (maxItems = 1000) => ({ type: 'array', items: { type: 'string' }, maxItems }) as const;

export const externalIdSchema = {
  type: 'string',
  maxLength: EXTERNAL_ID_MAX_LENGTH,
  pattern: EXTERNAL_ID_PATTERN,
  errorType: 'invalid_external_id',
  errorMessage: 'may hold only letters, digits and . _ | -',
} as const;

export const phoneSchema = {
  type: 'string',
  pattern: PHONE_PATTERN,
  errorType: 'invalid_phone_number',
  errorMessage: 'must be a phone number in E.164 format, like +14155550100',
} as const;

/** An address as src/email-rules.ts accepts it (the CSV importer applies the same rule). */
export const emailSchema = {
  type: 'string',
  maxLength: EMAIL_MAX_LENGTH,
  text: 'email',
  errorType: 'invalid_email',
} as const;

/** A person's name: one line, no control characters. */
export const personNameSchema = {
  type: 'string',
  maxLength: MEMBER_NAME_MAX_LENGTH,
  text: 'line',
  errorType: 'invalid_member_name',
} as const;

export const searchQuerySchema = {
  type: 'object',
  properties: {
    operator: { type: 'string' },
    operands: { type: 'array', maxItems: 50, items: { type: 'object' } },
  },
  required: ['operator'],
  errorType: 'invalid_search_query',
} as const;

export const searchPagingProperties = {
  cursor: { type: ['string', 'null'], maxLength: 1000, errorType: 'invalid_cursor' },
  limit: { type: 'integer', minimum: 0, maximum: 1000, errorType: 'invalid_limit' },
  query: searchQuerySchema,
} as const;

export const organizationRefParams = {
  type: 'object',
  properties: { organization_id: { type: 'string', minLength: 1, maxLength: 256 } },
  required: ['organization_id'],
} as const;

export const memberRefParams = {
  type: 'object',
  properties: {
    organization_id: { type: 'string', minLength: 1, maxLength: 256 },
    member_id: { type: 'string', minLength: 1, maxLength: 256 },
  },
  required: ['organization_id', 'member_id'],
} as const;

/** Where Stytch's B2B endpoints (and Roster's own, beside them) live. */
export const B2B = '/v1/b2b';

// Response building blocks. Response objects declare every property they may
// carry and nothing else: the tests' check refuses an undeclared field, and the
// production serializer drops it.

type Properties = Readonly<Record<string, Schema>>;

/** An object with exactly these properties; `required` lists the ones always present. */
export const object = <const P extends Properties, const R extends readonly (keyof P & string)[]>(properties: P, required: R) =>
  ({ type: 'object', properties, required, additionalProperties: false }) as const;

/** A whole success body: the endpoint's fields plus Stytch's request_id and status_code. */
export const envelope = <const P extends Properties, const R extends readonly (keyof P & string)[]>(properties: P, required: R) =>
  object({ request_id: { type: 'string' }, ...properties, status_code: { type: 'integer' } }, ['request_id', ...required, 'status_code']);

/** The response of a 204 or a 302: no body (a redirect's target is its Location header). */
export const noBody = { type: 'object', additionalProperties: false } as const;

/** A free-form JSON object (metadata, custom claims), passed through as it is. */
export const anyObject = { type: 'object', additionalProperties: true } as const;

export const text = { type: 'string' } as const;
export const flag = { type: 'boolean' } as const;
export const count = { type: 'integer' } as const;
export const texts = { type: 'array', items: text } as const;
/** Stytch's RFC 3339 timestamp, e.g. 2021-12-29T12:33:09Z. */
export const time = { type: 'string', format: 'date-time' } as const;

/** Stytch's results_metadata: next_cursor is absent on the last page. */
export const resultsMetadata = object({ total: count, next_cursor: text }, ['total']);
