import { Model } from 'objection';

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINISHED: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export class JobModel extends Model {
  static override tableName = 'jobs';
  static override jsonAttributes = ['params', 'progress', 'result', 'error'];

  id!: string;
  project_id!: string;
  type!: string;
  status!: JobStatus;
  phase!: string | null;
  params!: Record<string, unknown>;
  progress!: Record<string, number>;
  result!: Record<string, unknown> | null;
  error!: { error_type: string; error_message: string } | null;
  created_at!: Date;
  updated_at!: Date;
  started_at!: Date | null;
  finished_at!: Date | null;
  cancel_requested_at!: Date | null;
}

export interface JobRowError {
  line: number;
  error_type: string;
  column_name: string | null;
  value: string | null;
  message: string;
}
