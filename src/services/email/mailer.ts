import nodemailer, { Transporter } from 'nodemailer';
import { PermanentJobFailure } from '../../errors';
import { logger } from '../../logger';
import type { EmailContent } from './templates';

export interface OutgoingEmail extends EmailContent {
  to: string;
  /**
   * The magic link, or for a code email the one-time passcode: kept by the
   * dev outbox so that a developer can follow or type it; never logged or
   * stored when the email really goes out.
   */
  link?: string;
  code?: string;
}

/** What became of an email a mailer took: `sent` left the machine; `captured` was kept by the dev outbox instead. */
export interface Delivery {
  messageId: string;
  status: 'sent' | 'captured';
}

export interface Mailer {
  readonly transport: string;
  send(email: OutgoingEmail): Promise<Delivery>;
  close(): void;
}

/**
 * SMTP through a nodemailer pool. A 4xx answer is transient (the error
 * propagates and the job retries with backoff); a 5xx answer is final.
 */
export class SmtpMailer implements Mailer {
  readonly transport = 'smtp';
  private readonly transporter: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transporter = nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: 5, maxMessages: 1000 } as never);
  }

  async send(email: OutgoingEmail): Promise<Delivery> {
    try {
      const info = await this.transporter.sendMail({
        from: this.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
      });
      return { messageId: info.messageId, status: 'sent' };
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      if (code !== undefined && code >= 500) {
        throw new PermanentJobFailure('email_rejected', `The mail server refused the email (${code}).`);
      }
      throw err;
    }
  }

  close(): void {
    this.transporter.close();
  }
}

/**
 * With no SMTP_URL: nothing leaves the machine. The email is recorded as
 * captured, with its link or code (listed by GET /v1/b2b/emails), and logged.
 */
export class DevOutboxMailer implements Mailer {
  readonly transport = 'dev-outbox';

  async send(email: OutgoingEmail): Promise<Delivery> {
    logger.info(
      { to: email.to, subject: email.subject, link: email.link, code: email.code },
      'dev outbox: email captured, not sent (no SMTP_URL)',
    );
    return { messageId: `dev-outbox-${Date.now()}`, status: 'captured' };
  }

  close(): void {}
}
