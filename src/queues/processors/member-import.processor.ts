import type { MemberImportProcessing } from '../../services/member-import/processing';
import { dispatch, recordingFailure } from './dispatch';

export function memberImportProcessor(imports: MemberImportProcessing) {
  return dispatch<'migrations'>({
    'migration.prepare': ({ jobId }, job) =>
      recordingFailure(
        job,
        (err) => imports.fail(jobId, err),
        () => imports.prepare(jobId),
      ),
    'migration.chunk': ({ jobId, chunkNo }, job) =>
      recordingFailure(
        job,
        (err) => imports.fail(jobId, err),
        () => imports.processChunk(jobId, chunkNo),
      ),
  });
}
