import type { SmsDelivery } from '../../services/mfa/sms/sms-delivery';
import { dispatch, recordingFailure } from './dispatch';

/**
 * SMS passcodes: a gateway's 5xx, a timeout or a network failure propagates
 * (BullMQ retries with backoff); a refusal, or the last attempt's failure,
 * is recorded on the message.
 */
export function smsProcessor(sms: SmsDelivery) {
  return dispatch<'sms'>({
    'sms.send': ({ smsId }, job) =>
      recordingFailure(
        job,
        (err) => sms.fail(smsId, err),
        () => sms.deliver(smsId),
      ),
  });
}
