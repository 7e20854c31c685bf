import type { Knex } from 'knex';
import type { JobType } from '../jobs';
import type { JobModel } from '../models/job.model';
import type { JobRepository } from '../repositories/job.repository';

/** An unfinished job untouched this long has lost its queue entry (Redis was down, a worker died). */
const IDLE_SECONDS = 60;

export type Resumer = (job: Pick<JobModel, 'id' | 'type' | 'phase'>) => Promise<'resumed' | 'abandoned'>;

/**
 * The reconciliation half of the job engine: Postgres says which jobs are
 * unfinished, so any job whose queue entry was lost is re-enqueued here
 * (handlers are idempotent, so a duplicate is harmless).
 */
export class JobSweeper {
  constructor(
    private readonly knex: Knex,
    private readonly jobs: JobRepository,
    /** One per job type: a type added without one does not compile. */
    private readonly resumers: Record<JobType, Resumer>,
    private readonly cleanups: (() => Promise<number>)[],
  ) {}

  async sweep(): Promise<{ resumed: number; abandoned: number; cleaned: number }> {
    const outcome = { resumed: 0, abandoned: 0, cleaned: 0 };
    // Claiming touches the jobs, so the next sweep leaves them alone while they are picked up.
    for (const job of await this.jobs.claimIdleUnfinished(this.knex, IDLE_SECONDS, 100)) {
      // A type this version does not know (a newer release wrote it) is left to that release.
      const resume: Resumer | undefined = this.resumers[job.type];
      if (resume) outcome[await resume(job)]++;
    }
    for (const cleanup of this.cleanups) outcome.cleaned += await cleanup();
    return outcome;
  }
}
