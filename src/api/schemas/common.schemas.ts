/** Building blocks shared by the route schemas. `as const` keeps them usable with FromSchema. */
export const metadataSchema = { type: 'object', errorType: 'metadata_invalid_format' } as const;

export const domainSchema = {
  type: 'string',
  maxLength: 253,
  pattern: '^\\s*([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}\\s*$',
  errorType: 'organization_settings_invalid_domain',
} as const;

export const stringList = (maxItems = 1000) => ({ type: 'array', items: { type: 'string' }, maxItems }) as const;

export const externalIdSchema = {
  type: 'string',
  maxLength: 128,
  pattern: '^[A-Za-z0-9._|-]*$',
  errorType: 'invalid_external_id',
} as const;

export const phoneSchema = {
  type: 'string',
  pattern: '^(\\+[1-9][0-9]{6,14})?$',
  errorType: 'invalid_phone_number',
} as const;

export const emailSchema = {
  type: 'string',
  maxLength: 320,
  // Surrounding spaces are allowed here and trimmed by normalization.
  pattern: '^\\s*[^\\s@]{1,64}@[^\\s@]+\\.[^\\s@]+\\s*$',
  errorType: 'invalid_email',
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
