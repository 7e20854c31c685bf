import { defineContract } from './contract';
import { B2B, count, envelope, object, text, texts } from './common';
import { jobErrorsQuery, jobParams, jobResponse } from './jobs';

const booleanText = { type: 'string', enum: ['true', 'false'] } as const;

/**
 * A directory snapshot, as a job. The body is either JSON
 * (`{ "users": [SCIM User resources or flat users], "dry_run": bool }`) or a
 * CSV file (text/csv, header userName,email,externalId,givenName,familyName,displayName,active;
 * `?dry_run=true`), streamed: it has no single JSON schema, and the service
 * checks every user as SCIM's POST /Users would.
 */
export const reconcileScimSnapshot = defineContract({
  name: 'scim.connection.reconcile',
  method: 'post',
  path: `${B2B}/scim/:organization_id/connection/:connection_id/reconcile`,
  summary: "Reconcile an organization with a full snapshot of its SCIM directory's users, as a job (dry_run only reports).",
  params: {
    type: 'object',
    properties: {
      organization_id: { type: 'string', minLength: 1, maxLength: 256 },
      connection_id: { type: 'string', minLength: 1, maxLength: 256 },
    },
    required: ['organization_id', 'connection_id'],
  },
  query: { type: 'object', properties: { dry_run: booleanText } },
  response: jobResponse,
  status: 202,
});

/** A reconcile's report: every change it made (or, dry, would make), in snapshot order. */
export const getScimReconcileReport = defineContract({
  name: 'jobs.report',
  method: 'get',
  path: `${B2B}/jobs/:job_id/report`,
  summary: "A SCIM reconcile job's changes, a page at a time: member, email, kind and the fields changed.",
  params: jobParams,
  query: jobErrorsQuery,
  response: envelope(
    {
      changes: {
        type: 'array',
        items: object(
          {
            member_id: text,
            email: text,
            kind: { type: 'string', enum: ['create', 'link', 'update', 'deactivate', 'reactivate'] },
            fields: texts,
          },
          ['member_id', 'email', 'kind', 'fields'],
        ),
      },
      results_metadata: object({ total: count, next_cursor: { type: ['string', 'null'] } }, ['total', 'next_cursor']),
    },
    ['changes', 'results_metadata'],
  ),
  status: 200,
});

export const scimReconcileContracts = [reconcileScimSnapshot, getScimReconcileReport];
