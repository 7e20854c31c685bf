import { Model } from 'objection';
import type { JobParams, JobResult, JobStatus, JobType } from '../jobs';

export { JOB_STATUSES, type JobStatus } from '../jobs';
export const FINISHED: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export class JobModel extends Model {
  static override tableName = 'jobs';
  static override jsonAttributes = ['params', 'progress', 'result', 'error'];

  id!: string;
  project_id!: string;
  type!: JobType;
  status!: JobStatus;
  phase!: string | null;
  /** Its type's params (`isJobOf` / `paramsOf` narrow them); never personal data: callers see them. */
  params!: JobParams;
  progress!: Record<string, number>;
  result!: JobResult | null;
  error!: { error_type: string; error_message: string } | null;
  created_at!: Date;
  updated_at!: Date;
  started_at!: Date | null;
  finished_at!: Date | null;
  cancel_requested_at!: Date | null;
}
