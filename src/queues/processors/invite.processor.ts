import type { BulkInviteService } from '../../services/bulk-invite.service';
import { dispatch, recordingFailure } from './dispatch';

export function inviteProcessor(invites: BulkInviteService) {
  return dispatch<'invites'>({
    'invites.send': ({ jobId }, job) =>
      recordingFailure(
        job,
        (err) => invites.fail(jobId, err),
        () => invites.run(jobId),
      ),
  });
}
