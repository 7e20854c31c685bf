import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B, domainSchema, envelope, flag, object, organizationRefParams, texts } from './common';
import { jobResponse } from './jobs';

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

const rulesResponse = envelope(
  {
    rules: {
      type: 'array',
      items: object({ domains: texts, ignore_dots: flag, ignore_plus_tags: flag }, ['domains', 'ignore_dots', 'ignore_plus_tags']),
    },
  },
  ['rules'],
);

export const getDeduplicationRules = defineContract({
  name: 'deduplication.rules.get',
  method: 'get',
  path: `${B2B}/deduplication/rules`,
  summary: "The project's email-variant rules.",
  response: rulesResponse,
  status: 200,
});

export const setDeduplicationRules = defineContract({
  name: 'deduplication.rules.set',
  method: 'put',
  path: `${B2B}/deduplication/rules`,
  summary: "Replace the project's email-variant rules.",
  body: setRulesBody,
  response: rulesResponse,
  status: 200,
});

export const scanDuplicates = defineContract({
  name: 'deduplication.scan',
  method: 'post',
  path: `${B2B}/organizations/:organization_id/members/duplicates/scan`,
  summary: "Find an organization's duplicate members, as a job.",
  params: organizationRefParams,
  body: scanBody,
  response: jobResponse,
  status: 202,
});

export const mergeMembers = defineContract({
  name: 'deduplication.merge',
  method: 'post',
  path: `${B2B}/organizations/:organization_id/members/merge`,
  summary: 'Merge duplicate members into one, as a job.',
  params: organizationRefParams,
  body: mergeBody,
  response: jobResponse,
  status: 202,
});

export const deduplicationContracts = [getDeduplicationRules, setDeduplicationRules, scanDuplicates, mergeMembers];
