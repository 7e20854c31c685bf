import {
  DOMAIN_PATTERN,
  EMAIL_MAX_LENGTH,
  EXTERNAL_ID_MAX_LENGTH,
  EXTERNAL_ID_PATTERN,
  MEMBER_NAME_MAX_LENGTH,
  PHONE_PATTERN,
} from '../../formats';

/** Building blocks shared by the route schemas. `as const` keeps them usable with FromSchema. */
export const metadataSchema = { type: 'object', errorType: 'metadata_invalid_format' } as const;

export const domainSchema = {
  type: 'string',
  maxLength: 253,
  pattern: DOMAIN_PATTERN,
  errorType: 'organization_settings_invalid_domain',
} as const;

export const stringList = (maxItems = 1000) => ({ type: 'array', items: { type: 'string' }, maxItems }) as const;

export const externalIdSchema = {
  type: 'string',
  maxLength: EXTERNAL_ID_MAX_LENGTH,
  pattern: EXTERNAL_ID_PATTERN,
  errorType: 'invalid_external_id',
} as const;

export const phoneSchema = {
  type: 'string',
  pattern: PHONE_PATTERN,
  errorType: 'invalid_phone_number',
} as const;

/** An address as src/services/email.ts accepts it (the CSV importer applies the same rule). */
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
