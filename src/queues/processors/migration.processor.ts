import type { Job } from 'bullmq';
import type { MigrationService } from '../../services/migrations/migration.service';
import { dispatch, isLastAttempt } from './dispatch';

/** Errors propagate so BullMQ retries; the last failed attempt is recorded on the job first. */
export function migrationProcessor(migrations: MigrationService) {
  const recordingFailure = async <T>(job: Job, jobId: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (isLastAttempt(job)) await migrations.fail(jobId, err);
      throw err;
    }
  };
  return dispatch<'migrations'>({
    'migration.prepare': ({ jobId }, job) => recordingFailure(job, jobId, () => migrations.prepare(jobId)),
    'migration.chunk': ({ jobId, chunkNo }, job) => recordingFailure(job, jobId, () => migrations.processChunk(jobId, chunkNo)),
  });
}
