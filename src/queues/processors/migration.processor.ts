import type { MigrationService } from '../../services/migrations/migration.service';
import { dispatch, recordingFailure } from './dispatch';

export function migrationProcessor(migrations: MigrationService) {
  return dispatch<'migrations'>({
    'migration.prepare': ({ jobId }, job) =>
      recordingFailure(
        job,
        (err) => migrations.fail(jobId, err),
        () => migrations.prepare(jobId),
      ),
    'migration.chunk': ({ jobId, chunkNo }, job) =>
      recordingFailure(
        job,
        (err) => migrations.fail(jobId, err),
        () => migrations.processChunk(jobId, chunkNo),
      ),
  });
}
