import { formatId, type ProjectEnv } from '../../ids';
import type { JobResult, JobStatus, JobType } from '../../jobs';
import type { JobModel } from '../../models/job.model';
import type { Db } from '../../repositories/db';
import { JobRepository, type NewJob } from '../../repositories/job.repository';
import type { ProjectRepository } from '../../repositories/project.repository';
import type { ProjectContext } from '../project-context';
import type { EventLog } from './event-log';
import type { EventObjects } from './event-objects';
import { inTransaction } from './in-transaction';
import type { JobEventName } from './event-types';

/**
 * The project context a job's own work runs in: the job is the actor. A directory reconcile acts for its SCIM
 * connection's directory (source SCIM); every other bulk job is a migration (source MIGRATION).
 */
export function jobContext(project: { id: string; env: ProjectEnv }, job: { id: string; type: JobType }): ProjectContext {
  return {
    id: project.id,
    env: project.env,
    publicId: formatId('project', project.env, project.id),
    actor: { source: job.type === 'scim.reconcile' ? 'SCIM' : 'MIGRATION', type: 'job', id: formatId('job', project.env, job.id) },
  };
}

const FINISHED_EVENTS: Partial<Record<JobStatus, JobEventName>> = {
  completed: 'job.completed',
  failed: 'job.failed',
  cancelled: 'job.cancelled',
};

/**
 * The jobs table, each caller-visible state change with its event in the same transaction: queued (the job
 * row is written), started (queued → running; a resumed job does not start again), completed, failed or
 * cancelled. One event per state change of the job, however many rows the job touches. The composition root
 * injects it wherever a JobRepository is used, so no job-running service can change a state without its event.
 */
export class EventedJobRepository extends JobRepository {
  constructor(
    private readonly projects: ProjectRepository,
    private readonly log: EventLog,
    private readonly objects: EventObjects,
  ) {
    super();
  }

  /**
   * `caller`, the request's context, is credited with job.queued: starting the job is its act. The job's own
   * state changes after that are the job's. Without a caller (work nobody asked for), the job is credited.
   */
  override insert<T extends JobType>(db: Db, row: NewJob<T>, caller?: ProjectContext): Promise<JobModel> {
    return inTransaction(db, async (trx) => {
      const job = await super.insert(trx, row);
      await this.record(trx, job.id, 'job.queued', caller);
      return job;
    });
  }

  override start(db: Db, id: string, progress: Record<string, number> | undefined, phase: string): Promise<void> {
    return inTransaction(db, async (trx) => {
      const before = await this.findForWork(trx, id, true);
      await super.start(trx, id, progress, phase);
      if (before?.status === 'queued') await this.record(trx, id, 'job.started');
    });
  }

  override finish(db: Db, id: string, status: JobStatus, fields: { result?: JobResult; error?: JobModel['error'] } = {}): Promise<boolean> {
    return inTransaction(db, async (trx) => {
      const finished = await super.finish(trx, id, status, fields);
      const name = FINISHED_EVENTS[status];
      if (finished && name) await this.record(trx, id, name);
      return finished;
    });
  }

  /** The job's event, with the job as GET /v1/b2b/jobs/:job_id answers it now. */
  private async record(trx: Db, id: string, name: JobEventName, caller?: ProjectContext): Promise<void> {
    const job = (await this.findForWork(trx, id))!;
    const project = caller ?? (await this.projects.findById(trx, job.project_id))!;
    await this.log.record(trx, caller ?? jobContext(project, job), {
      objectType: 'job',
      action: name === 'job.queued' ? 'CREATE' : 'UPDATE',
      objectId: formatId('job', project.env, job.id),
      object: this.objects.job(project.env, job),
      name,
    });
  }
}
