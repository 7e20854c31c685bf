import { formatId, ProjectEnv } from '../../ids';
import type { JobParams, JobType } from '../../jobs';
import type { JobModel } from '../../models/job.model';
import { timestamp } from './wire';

type ParamsPresenter<T extends JobType> = (params: JobParams<T>, env: ProjectEnv) => Record<string, unknown>;

/**
 * Each type's params as callers see them: named fields only (a field added
 * to params stays internal until it is listed here), and ids stored bare
 * take Stytch's shape like every other id.
 */
const PARAMS: { [T in JobType]: ParamsPresenter<T> } = {
  'invites.bulk': (p, env) => ({
    organization_id: formatId('organization', env, p.organization_id),
    invitees: p.invitees,
    invite_redirect_url: p.invite_redirect_url,
    invited_by_member_id: p.invited_by_member_id,
    invite_expiration_minutes: p.invite_expiration_minutes,
  }),
  'migration.members': (p, env) => ({
    on_conflict: p.on_conflict,
    create_organizations: p.create_organizations,
    dry_run: p.dry_run,
    default_organization_id: p.default_organization_id && formatId('organization', env, p.default_organization_id),
    columns: p.columns,
    ignored_columns: p.ignored_columns,
  }),
  'members.merge': (p, env) => ({
    organization_id: formatId('organization', env, p.organization_id),
    primary_member_id: formatId('member', env, p.primary_member_id),
    duplicate_member_ids: p.duplicate_member_ids.map((id) => formatId('member', env, id)),
    dry_run: p.dry_run,
  }),
  'members.scan-duplicates': (p, env) => ({
    organization_id: formatId('organization', env, p.organization_id),
    rules: p.rules,
  }),
  'scim.reconcile': (p, env) => ({
    organization_id: formatId('organization', env, p.organization_id),
    connection_id: formatId('scim-connection', env, p.connection_id),
    dry_run: p.dry_run,
  }),
};

function presentParams<T extends JobType>(job: { type: T; params: JobParams<T> }, env: ProjectEnv): Record<string, unknown> {
  return PARAMS[job.type](job.params, env);
}

/** A caller-visible job (Roster's own resource, in the same conventions as Stytch's). */
export function presentJob(env: ProjectEnv, job: JobModel) {
  return {
    job_id: formatId('job', env, job.id),
    type: job.type,
    status: job.status,
    phase: job.phase,
    progress: job.progress,
    params: presentParams(job, env),
    cancel_requested: job.cancel_requested_at !== null,
    result: job.result,
    error: job.error,
    created_at: timestamp(job.created_at),
    started_at: job.started_at && timestamp(job.started_at),
    finished_at: job.finished_at && timestamp(job.finished_at),
  };
}
