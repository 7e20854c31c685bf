import type { DeduplicationService } from '../../services/deduplication.service';
import { dispatch, recordingFailure } from './dispatch';

export function deduplicationProcessor(deduplication: DeduplicationService) {
  return dispatch<'deduplication'>({
    'members.merge': ({ jobId }, job) =>
      recordingFailure(
        job,
        (err) => deduplication.fail(jobId, err),
        () => deduplication.merge(jobId),
      ),
    'members.scan-duplicates': ({ jobId }, job) =>
      recordingFailure(
        job,
        (err) => deduplication.fail(jobId, err),
        () => deduplication.scan(jobId),
      ),
  });
}
