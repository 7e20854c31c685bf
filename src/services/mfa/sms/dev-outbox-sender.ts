import { logger } from '../../../logger';
import type { OutgoingSms, SmsDelivery, SmsSender } from './sms-sender';

/**
 * With no SMS_WEBHOOK_URL: nothing leaves the machine. The message is
 * recorded as captured, with its text (listed by GET /v1/b2b/sms_messages,
 * so a developer or a test can read the code), and logged. Development only:
 * a captured text holds a live code in clear.
 */
export class DevOutboxSmsSender implements SmsSender {
  readonly transport = 'dev-outbox';

  async send(sms: OutgoingSms): Promise<SmsDelivery> {
    logger.info({ to: sms.to, body: sms.body }, 'dev outbox: SMS captured, not sent (no SMS_WEBHOOK_URL)');
    return { messageId: `dev-outbox-${sms.id}`, status: 'captured' };
  }
}
