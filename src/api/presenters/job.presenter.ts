import { formatId, ProjectEnv } from '../../ids';
import type { JobModel } from '../../models/job.model';
import { timestamp } from './wire';

/** A caller-visible job (Roster's own resource, in the same conventions as Stytch's). */
export function presentJob(env: ProjectEnv, job: JobModel) {
  return {
    job_id: formatId('job', env, job.id),
    type: job.type,
    status: job.status,
    phase: job.phase,
    progress: job.progress,
    params: job.params,
    cancel_requested: job.cancel_requested_at !== null,
    result: job.result,
    error: job.error,
    created_at: timestamp(job.created_at),
    started_at: job.started_at && timestamp(job.started_at),
    finished_at: job.finished_at && timestamp(job.finished_at),
  };
}
