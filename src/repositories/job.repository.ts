import type { JobParams, JobResult, JobType } from '../jobs';
import type { JobRowError } from '../jobs';
import { JobModel, JobStatus } from '../models/job.model';
import type { Db } from './db';

/** A job to record: its params are the ones its type declares. */
export interface NewJob<T extends JobType> {
  id: string;
  project_id: string;
  type: T;
  phase: string | null;
  params: JobParams<T>;
  progress: Record<string, number>;
}

export class JobRepository {
  async insert<T extends JobType>(db: Db, row: NewJob<T>): Promise<JobModel> {
    return JobModel.query(db).insert(row).returning('*');
  }

  async delete(db: Db, id: string): Promise<void> {
    await db('jobs').where({ id }).delete();
  }

  async findById(db: Db, projectId: string, id: string): Promise<JobModel | undefined> {
    return JobModel.query(db).where({ project_id: projectId, id }).first();
  }

  /** For workers: job payloads carry the id only; the row says which project it is. */
  async findForWork(db: Db, id: string, forUpdate = false): Promise<JobModel | undefined> {
    const query = JobModel.query(db).findById(id);
    return forUpdate ? query.forUpdate() : query;
  }

  /** The input is all in: the job waits for a worker. False if the sweep gave the upload up meanwhile. */
  async queueAfterUpload(db: Db, id: string, progress: Record<string, number>): Promise<boolean> {
    const count = await db('jobs')
      .where({ id, phase: 'uploading' })
      .whereNull('finished_at')
      .update({ phase: 'queued', progress, updated_at: db.fn.now() });
    return count > 0;
  }

  async cancelRequested(db: Db, id: string): Promise<boolean> {
    const row = await db('jobs').select('cancel_requested_at').where({ id }).first();
    return Boolean(row?.cancel_requested_at);
  }

  /** Marks a job running; `progress` replaces the counters when given (a resumed job keeps its own). */
  async start(db: Db, id: string, progress: Record<string, number> | undefined, phase: string): Promise<void> {
    await db('jobs')
      .where({ id })
      .update({
        status: 'running',
        phase,
        ...(progress ? { progress } : {}),
        started_at: db.raw('coalesce(started_at, now())'),
        updated_at: db.fn.now(),
      });
  }

  /** Adds to progress counters atomically, so concurrent chunks never lose each other's counts. */
  async addProgress(db: Db, id: string, deltas: Record<string, number>): Promise<void> {
    const entries = Object.entries(deltas);
    const sets = entries.map(() => `jsonb_build_object(?::text, coalesce((progress->>?)::bigint, 0) + ?)`).join(' || ');
    await db.raw(`UPDATE jobs SET progress = progress || ${sets}, updated_at = now() WHERE id = ?`, [
      ...entries.flatMap(([key, delta]) => [key, key, delta]),
      id,
    ]);
  }

  /** Ends a job; false if it had already ended (a finished job never changes again). */
  async finish(db: Db, id: string, status: JobStatus, fields: { result?: JobResult; error?: JobModel['error'] } = {}): Promise<boolean> {
    const count = await JobModel.query(db)
      .where({ id })
      .whereNull('finished_at')
      .patch({ status, phase: null, ...fields, finished_at: new Date(), updated_at: new Date() });
    return count > 0;
  }

  /** Asks a running job to stop at its next chunk boundary; false if it has already finished. */
  async requestCancel(db: Db, projectId: string, id: string): Promise<boolean> {
    const count = await db('jobs')
      .where({ project_id: projectId, id })
      .whereIn('status', ['queued', 'running'])
      .update({ cancel_requested_at: db.raw('coalesce(cancel_requested_at, now())'), updated_at: db.fn.now() });
    return count > 0;
  }

  /**
   * Claims unfinished jobs nobody has advanced for `idleSeconds` (their queue
   * entries may have been lost) by touching them. Rows another transaction
   * holds (a job being prepared) are skipped, not waited for.
   */
  async claimIdleUnfinished(db: Db, idleSeconds: number, limit: number): Promise<Pick<JobModel, 'id' | 'type' | 'phase'>[]> {
    const { rows } = await db.raw(
      `UPDATE jobs SET updated_at = now()
       WHERE id IN (SELECT id FROM jobs
                    WHERE status IN ('queued', 'running') AND updated_at < now() - make_interval(secs => ?)
                    ORDER BY updated_at LIMIT ? FOR UPDATE SKIP LOCKED)
       RETURNING id, type, phase`,
      [idleSeconds, limit],
    );
    return rows;
  }

  async touch(db: Db, id: string): Promise<void> {
    await db('jobs').where({ id }).update({ updated_at: db.fn.now() });
  }

  async addRowErrors(
    db: Db,
    jobId: string,
    errors: { line: number; error_type: string; column_name: string | null; value: string | null; message: string }[],
  ): Promise<void> {
    if (errors.length === 0) return;
    await db('job_row_errors')
      .insert(errors.map((e) => ({ job_id: jobId, ...e })))
      .onConflict(['job_id', 'line'])
      .ignore();
  }

  async rowErrors(db: Db, jobId: string, afterLine: number, limit: number): Promise<JobRowError[]> {
    return db('job_row_errors')
      .select('line', 'error_type', 'column_name', 'value', 'message')
      .where({ job_id: jobId })
      .where('line', '>', afterLine)
      .orderBy('line')
      .limit(limit);
  }

  async countRowErrors(db: Db, jobId: string): Promise<number> {
    const row = (await db('job_row_errors').where({ job_id: jobId }).count({ total: '*' }).first()) as { total: number };
    return Number(row.total);
  }
}
