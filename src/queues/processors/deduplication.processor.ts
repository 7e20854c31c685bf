import type { DeduplicationService } from '../../services/deduplication.service';
import { dispatch } from './dispatch';

export function deduplicationProcessor(deduplication: DeduplicationService) {
  return dispatch<'deduplication'>({
    'members.merge': ({ jobId }) => deduplication.merge(jobId),
    'members.scan-duplicates': ({ jobId }) => deduplication.scan(jobId),
  });
}
