import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B } from './common';
import { jobResponse } from './jobs';

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

/** The body is a CSV file (text/csv), streamed: it has no JSON schema. */
export const migrateMembers = defineContract({
  name: 'migrations.members',
  method: 'post',
  path: `${B2B}/migrations/members`,
  summary: 'Import members from a CSV file, as a job.',
  query: migrateMembersQuery,
  response: jobResponse,
  status: 202,
});

export const migrationContracts = [migrateMembers];
