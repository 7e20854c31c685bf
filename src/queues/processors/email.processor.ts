import type { EmailService } from '../../services/email/email.service';
import { dispatch, recordingFailure } from './dispatch';

export function emailProcessor(emails: EmailService) {
  return dispatch<'emails'>({
    'email.send': ({ emailIds }, job) =>
      recordingFailure(
        job,
        async (err) => {
          for (const id of emailIds) await emails.fail(id, err);
        },
        () => emails.sendAll(emailIds),
      ),
  });
}
