import type { Counter } from 'prom-client';
import { PermanentJobFailure } from '../errors';
import type { Delivery, Mailer, OutgoingEmail } from '../services/email/mailer';

export type EmailOutcome = Delivery['status'] | 'rejected' | 'deferred';

/**
 * A mailer that counts what becomes of each email it is given: `sent` (to
 * the SMTP server), `captured` (kept by the dev outbox), `rejected` (the
 * server refused it for good) or `deferred` (a transient failure: the job
 * retries it). Wrapping the mailer counts each email where its outcome is
 * known, whichever path led it there.
 */
export class CountingMailer implements Mailer {
  constructor(
    private readonly mailer: Mailer,
    private readonly emails: Counter<'transport' | 'outcome'>,
  ) {}

  get transport(): string {
    return this.mailer.transport;
  }

  async send(email: OutgoingEmail): Promise<Delivery> {
    try {
      const delivery = await this.mailer.send(email);
      this.count(delivery.status);
      return delivery;
    } catch (err) {
      this.count(err instanceof PermanentJobFailure ? 'rejected' : 'deferred');
      throw err;
    }
  }

  close(): void {
    this.mailer.close();
  }

  private count(outcome: EmailOutcome): void {
    this.emails.inc({ transport: this.mailer.transport, outcome });
  }
}
