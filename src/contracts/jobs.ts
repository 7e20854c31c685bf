import type { FromSchema } from 'json-schema-to-ts';
import { JOB_STATUSES, JOB_TYPES } from '../jobs';
import { defineContract } from './contract';
import { B2B, count, envelope, flag, object, text, texts, time } from './common';

/**
 * Every params field of every job type (src/jobs/job-types.ts, shown by the job
 * presenter): settings, ids and counts, never personal data. A bulk invite's
 * `invitees` is a count; the list itself is never shown.
 */
const jobParamsObject = object(
  {
    organization_id: text,
    invitees: count,
    invite_redirect_url: text,
    invited_by_member_id: text,
    invite_expiration_minutes: count,
    on_conflict: { type: 'string', enum: ['skip', 'update'] },
    create_organizations: flag,
    dry_run: flag,
    default_organization_id: { type: ['string', 'null'] },
    columns: texts,
    ignored_columns: texts,
    connection_id: text,
    primary_member_id: text,
    duplicate_member_ids: texts,
    rules: {
      type: 'array',
      items: object({ domains: texts, ignore_dots: flag, ignore_plus_tags: flag }, ['domains', 'ignore_dots', 'ignore_plus_tags']),
    },
  },
  [],
);

/** Roster's caller-visible job. Params, progress and result are per job type (see src/jobs). */
export const jobObject = object(
  {
    job_id: text,
    type: text,
    status: text,
    phase: { type: ['string', 'null'] },
    progress: { type: 'object', additionalProperties: { type: 'number' } },
    params: jobParamsObject,
    cancel_requested: flag,
    // Left untyped so each job type's result interface (src/jobs) fits it.
    result: { description: "The job type's result; null until the job finishes." },
    error: { anyOf: [object({ error_type: text, error_message: text }, ['error_type', 'error_message']), { type: 'null' }] },
    created_at: time,
    started_at: { type: ['string', 'null'], format: 'date-time' },
    finished_at: { type: ['string', 'null'], format: 'date-time' },
  },
  [
    'job_id',
    'type',
    'status',
    'phase',
    'progress',
    'params',
    'cancel_requested',
    'result',
    'error',
    'created_at',
    'started_at',
    'finished_at',
  ],
);

/** The answer of every endpoint that starts or shows a job. */
export const jobResponse = envelope({ job: jobObject }, ['job']);

export const jobParams = {
  type: 'object',
  properties: { job_id: { type: 'string', minLength: 1, maxLength: 256 } },
  required: ['job_id'],
} as const;

export const jobErrorsQuery = {
  type: 'object',
  properties: {
    // Lines are Postgres integers: nine digits keep a cursor in range.
    cursor: {
      type: 'string',
      pattern: '^[0-9]{0,9}$',
      errorType: 'invalid_cursor',
      errorMessage: 'is not a cursor returned by a previous page',
    },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$', errorType: 'invalid_limit', errorMessage: 'must be a whole number' },
  },
} as const;
export type JobErrorsQuery = FromSchema<typeof jobErrorsQuery>;

const nullableText = { type: ['string', 'null'] } as const;

/** Roster's own list endpoints: next_cursor is null on the last page; total counts everything the request matches. */
const pageMetadata = object({ total: count, next_cursor: nullableText }, ['total', 'next_cursor']);

export const listJobsQuery = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: JOB_TYPES, errorType: 'invalid_job_type' },
    status: { type: 'string', enum: JOB_STATUSES, errorType: 'invalid_job_status' },
    // Both bounds are exclusive.
    created_after: { type: 'string', format: 'date-time', errorType: 'invalid_date' },
    created_before: { type: 'string', format: 'date-time', errorType: 'invalid_date' },
    limit: {
      type: 'string',
      pattern: '^([1-9][0-9]{0,2}|1000)$',
      errorType: 'invalid_limit',
      errorMessage: 'must be a whole number from 1 to 1000',
    },
    cursor: { type: 'string', maxLength: 500, errorType: 'invalid_cursor' },
  },
} as const;
export type ListJobsQuery = FromSchema<typeof listJobsQuery>;

export const listJobs = defineContract({
  name: 'jobs.list',
  method: 'get',
  path: `${B2B}/jobs`,
  summary: "The project's jobs, newest first, a page at a time: filter by type, status and creation time.",
  query: listJobsQuery,
  response: envelope(
    {
      jobs: { type: 'array', items: jobObject },
      results_metadata: pageMetadata,
    },
    ['jobs', 'results_metadata'],
  ),
  status: 200,
});

export const getJob = defineContract({
  name: 'jobs.get',
  method: 'get',
  path: `${B2B}/jobs/:job_id`,
  summary: "A job's status, progress and result.",
  params: jobParams,
  response: jobResponse,
  status: 200,
});

export const cancelJob = defineContract({
  name: 'jobs.cancel',
  method: 'delete',
  path: `${B2B}/jobs/:job_id`,
  summary: 'Ask a job to stop; work already applied stays.',
  params: jobParams,
  response: jobResponse,
  status: 200,
});

/** The JSON answer; with `Accept: text/csv` the same rows stream as CSV. */
export const getJobErrors = defineContract({
  name: 'jobs.errors',
  method: 'get',
  path: `${B2B}/jobs/:job_id/errors`,
  summary: "A job's per-row errors, a page at a time (or all of them as CSV with Accept: text/csv).",
  params: jobParams,
  query: jobErrorsQuery,
  response: envelope(
    {
      errors: {
        type: 'array',
        items: object({ line: count, error_type: text, column_name: nullableText, value: nullableText, message: text }, [
          'line',
          'error_type',
          'column_name',
          'value',
          'message',
        ]),
      },
      results_metadata: pageMetadata,
    },
    ['errors', 'results_metadata'],
  ),
  status: 200,
});

export const jobContracts = [listJobs, getJob, cancelJob, getJobErrors];
