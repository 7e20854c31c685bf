import type { FromSchema } from 'json-schema-to-ts';
import { domainSchema } from './common.schemas';

const rulesSchema = {
  type: 'array',
  maxItems: 50,
  items: {
    type: 'object',
    properties: {
      domains: { type: 'array', items: domainSchema, minItems: 1, maxItems: 100 },
      ignore_dots: { type: 'boolean' },
      ignore_plus_tags: { type: 'boolean' },
    },
    required: ['domains'],
    additionalProperties: false,
    errorType: 'invalid_deduplication_rule',
  },
  errorType: 'invalid_deduplication_rule',
} as const;

export const setRulesBody = {
  type: 'object',
  properties: { rules: rulesSchema },
  required: ['rules'],
} as const;
export type SetRulesInput = FromSchema<typeof setRulesBody>;

export const scanBody = {
  type: 'object',
  properties: { rules: rulesSchema },
} as const;
export type ScanInput = FromSchema<typeof scanBody>;

export const mergeBody = {
  type: 'object',
  properties: {
    primary_member_id: { type: 'string', minLength: 1, maxLength: 256 },
    duplicate_member_ids: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: { type: 'string', minLength: 1, maxLength: 256 },
      errorType: 'invalid_duplicate_member_ids',
    },
    dry_run: { type: 'boolean' },
  },
  required: ['primary_member_id', 'duplicate_member_ids'],
} as const;
export type MergeInput = FromSchema<typeof mergeBody>;
