import type { Knex } from 'knex';
import type { JobParams, JobResult, JobRowError, JobStatus, JobType } from '../jobs';
import { JobModel } from '../models/job.model';
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

/** Which of a project's jobs a listing shows; the time bounds are RFC 3339 and exclusive. */
export interface JobFilters {
  type?: JobType;
  status?: JobStatus;
  createdAfter?: string;
  createdBefore?: string;
}

/**
 * A job's place in the listing order (newest first). `createdAt` is
 * Postgres's own text with microseconds: a JS Date would round them away
 * and make the next page repeat or skip jobs created in the same millisecond.
 */
export interface JobPosition {
  createdAt: string;
  id: string;
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

  /**
   * One page of a project's jobs, newest first, after `after`; each with its
   * position, for the next page's cursor. Served in order by the index on
   * (project_id, created_at DESC, id DESC), starting at the cursor.
   */
  listQuery(db: Db, projectId: string, filters: JobFilters, after: JobPosition | undefined, limit: number): Knex.QueryBuilder {
    const query = this.filtered(db, projectId, filters)
      .select('*', db.raw(`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_created_at`))
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit);
    if (after) query.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [after.createdAt, after.id]);
    return query;
  }

  async list(
    db: Db,
    projectId: string,
    filters: JobFilters,
    after: JobPosition | undefined,
    limit: number,
  ): Promise<{ job: JobModel; position: JobPosition }[]> {
    const rows: (Record<string, unknown> & { position_created_at: string })[] = await this.listQuery(db, projectId, filters, after, limit);
    return rows.map(({ position_created_at, ...row }) => {
      const job = JobModel.fromDatabaseJson(row);
      return { job, position: { createdAt: position_created_at, id: job.id } };
    });
  }

  async count(db: Db, projectId: string, filters: JobFilters): Promise<number> {
    const row = (await this.filtered(db, projectId, filters).count({ total: '*' }).first()) as { total: number };
    return Number(row.total);
  }

  private filtered(db: Db, projectId: string, { type, status, createdAfter, createdBefore }: JobFilters): Knex.QueryBuilder {
    const query = db('jobs').where({ project_id: projectId });
    if (type !== undefined) query.where({ type });
    if (status !== undefined) query.where({ status });
    if (createdAfter !== undefined) query.where('created_at', '>', createdAfter);
    if (createdBefore !== undefined) query.where('created_at', '<', createdBefore);
    return query;
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

  /** Adds to progress counters atomically, so concurrent chunks never lose each other's counts; answers the counters after. */
  async addProgress(db: Db, id: string, deltas: Record<string, number>): Promise<Record<string, number>> {
    const entries = Object.entries(deltas);
    const sets = entries.map(() => `jsonb_build_object(?::text, coalesce((progress->>?)::bigint, 0) + ?)`).join(' || ');
    const { rows } = await db.raw(`UPDATE jobs SET progress = progress || ${sets}, updated_at = now() WHERE id = ? RETURNING progress`, [
      ...entries.flatMap(([key, delta]) => [key, key, delta]),
      id,
    ]);
    return rows[0]?.progress ?? {};
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
