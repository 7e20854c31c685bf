import type { EmailService } from '../../services/email/email.service';
import { dispatch, recordingFailure } from './dispatch';

export function emailProcessor(emails: EmailService) {
  return dispatch<'emails'>({
    'email.send': ({ emailId }, job) => recordingFailure(job, (err) => emails.fail(emailId, err), () => emails.send(emailId)),
  });
}
