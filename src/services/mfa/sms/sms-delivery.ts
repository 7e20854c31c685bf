import type { Knex } from 'knex';
import { PermanentJobFailure } from '../../../errors';
import { formatId } from '../../../ids';
import { logger } from '../../../logger';
import type { SmsRepository } from '../../../repositories/sms.repository';
import type { OtpCodes } from '../../auth/otp-codes';
import { jobError } from '../../job-failure';
import type { SmsSender } from './sms-sender';
import { renderSms } from './sms-templates';

/** Stytch's lifetime of an SMS passcode (email passcodes live longer): a text is read at once or sent again. */
export const SMS_OTP_EXPIRATION_MINUTES = 2;

/**
 * The workers' half of SMS passcodes: each queued message gets its code
 * minted and goes to the configured sender (the dev outbox or the webhook).
 */
export class SmsDelivery {
  constructor(
    private readonly knex: Knex,
    private readonly sms: SmsRepository,
    private readonly codes: OtpCodes,
    private readonly sender: SmsSender,
  ) {}

  /**
   * The worker's half of a send: mints the code and hands the text to the
   * sender. Idempotent: a message that left the queue is not sent again. A
   * message whose member, number or organization changed, or that waited
   * past its code's lifetime, fails without a text.
   */
  async deliver(smsId: string): Promise<{ sent: boolean }> {
    const message = await this.sms.findForSending(this.knex, smsId);
    if (!message) return { sent: false };
    const gone =
      message.organization_name === null || message.member_status !== 'active' || message.member_phone_number !== message.to_number;
    if (gone)
      throw new PermanentJobFailure('sms_recipient_gone', "The member, the member's number or the organization is no longer there.");
    if (message.age_seconds > SMS_OTP_EXPIRATION_MINUTES * 60) {
      throw new PermanentJobFailure('sms_expired', 'The message waited longer than its passcode lives; it was not sent.');
    }
    // Minted now, on the pool: the code exists only once its text is on its way, and voids the number's earlier codes.
    const code = await this.codes.mint(
      this.knex,
      { project_id: message.project_id, channel: 'sms', destination: message.to_number, organization_id: message.organization_id },
      { memberId: message.member_id },
      SMS_OTP_EXPIRATION_MINUTES,
    );
    const body = renderSms(message.locale, code, message.organization_name!, SMS_OTP_EXPIRATION_MINUTES);
    let delivery;
    try {
      // The public id the listing shows (sms-<env>-<uuid>): the same on every retry, though each retry texts a new code.
      const id = formatId('sms', message.project_env, message.id);
      delivery = await this.sender.send({ id, to: message.to_number, body, locale: message.locale });
    } catch (err) {
      if (!(err instanceof PermanentJobFailure)) await this.sms.recordError(this.knex, message.id, (err as Error).message);
      throw err;
    }
    await this.sms.markDelivered(this.knex, message.id, { ...delivery, transport: this.sender.transport, body });
    return { sent: true };
  }

  /** Records a message's permanent failure (refused by the gateway, out of retries, or no longer deliverable). */
  async fail(smsId: string, err: unknown): Promise<void> {
    logger.warn({ sms_id: smsId, err }, 'SMS not delivered');
    await this.sms.markFailed(this.knex, smsId, jobError(err).error_message);
  }

  /** The SMS half of the sweep: messages still queued past their code's lifetime lost their queue entry; they fail. */
  async expireStale(): Promise<number> {
    return this.sms.expireQueued(this.knex, SMS_OTP_EXPIRATION_MINUTES * 60, 'The message was not sent within its passcode’s lifetime.');
  }
}
