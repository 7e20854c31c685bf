import type { FromSchema } from 'json-schema-to-ts';

export const jobParams = {
  type: 'object',
  properties: { job_id: { type: 'string', minLength: 1, maxLength: 256 } },
  required: ['job_id'],
} as const;

const booleanText = { type: 'string', enum: ['true', 'false'] } as const;

export const migrateMembersQuery = {
  type: 'object',
  properties: {
    organization_id: { type: 'string', minLength: 1, maxLength: 256 },
    on_conflict: { type: 'string', enum: ['skip', 'update'], errorType: 'invalid_on_conflict' },
    create_organizations: booleanText,
    dry_run: booleanText,
  },
} as const;
export type MigrateMembersQuery = FromSchema<typeof migrateMembersQuery>;

export const jobErrorsQuery = {
  type: 'object',
  properties: {
    // Lines are Postgres integers: nine digits keep a cursor in range.
    cursor: { type: 'string', pattern: '^[0-9]{0,9}$', errorType: 'invalid_cursor' },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$', errorType: 'invalid_limit' },
  },
} as const;
export type JobErrorsQuery = FromSchema<typeof jobErrorsQuery>;
