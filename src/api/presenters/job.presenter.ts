import { formatId, ProjectEnv } from '../../ids';
import type { JobModel } from '../../models/job.model';
import { timestamp } from './wire';

/** Ids in job params are stored bare; at the edge they take Stytch's shape like every other id. */
function publicParams(env: ProjectEnv, params: Record<string, unknown>): Record<string, unknown> {
  const format = (key: string, value: unknown): unknown => {
    const kind = /organization_id$/.test(key) ? 'organization' : /member_ids?$/.test(key) ? 'member' : undefined;
    if (!kind || value === null) return value;
    return Array.isArray(value) ? value.map((id) => formatId(kind, env, id)) : formatId(kind, env, value as string);
  };
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [key, format(key, value)]));
}

/** A caller-visible job (Roster's own resource, in the same conventions as Stytch's). */
export function presentJob(env: ProjectEnv, job: JobModel) {
  return {
    job_id: formatId('job', env, job.id),
    type: job.type,
    status: job.status,
    phase: job.phase,
    progress: job.progress,
    params: publicParams(env, job.params),
    cancel_requested: job.cancel_requested_at !== null,
    result: job.result,
    error: job.error,
    created_at: timestamp(job.created_at),
    started_at: job.started_at && timestamp(job.started_at),
    finished_at: job.finished_at && timestamp(job.finished_at),
  };
}
