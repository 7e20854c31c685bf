import type { Knex } from 'knex';
import { AppError } from '../../errors';
import { uuidv7 } from '../../ids';
import { logger } from '../../logger';
import type { Db } from '../../repositories/db';
import type { EmailRepository, EmailRow } from '../../repositories/email.repository';
import type { MagicLinkRepository } from '../../repositories/magic-link.repository';
import type { MemberRepository } from '../../repositories/member.repository';
import type { OrganizationRepository } from '../../repositories/organization.repository';
import type { OutboxRepository } from '../../repositories/outbox.repository';
import { hashSecret, newSecret } from '../../secrets';
import { jobError } from '../job-failure';
import type { Mailer } from './mailer';
import { magicLink, renderEmail } from './templates';

/** Stytch allows about one email per second to one address. */
const SECONDS_BETWEEN_SENDS = 1;

export type EmailRequest = Omit<EmailRow, 'id' | 'status' | 'attempts' | 'to_normalized' | 'job_id'> & { job_id?: string | null };

/**
 * Magic-link emails. A request queues the email in its own transaction
 * (with an outbox entry, so a committed request is always followed by a
 * send); the worker mints the link's token, renders and sends it.
 */
export class EmailService {
  constructor(
    private readonly knex: Knex,
    private readonly emails: EmailRepository,
    private readonly magicLinks: MagicLinkRepository,
    private readonly members: MemberRepository,
    private readonly organizations: OrganizationRepository,
    private readonly outbox: OutboxRepository,
    private readonly mailer: Mailer,
  ) {}

  /** Queues an email in the caller's transaction; refuses a second one to an address within a second. */
  async queue(trx: Db, request: EmailRequest): Promise<string> {
    const toNormalized = request.to_address.trim().toLowerCase();
    await this.emails.lockAddress(trx, request.project_id, toNormalized);
    if (await this.emails.sentSince(trx, request.project_id, toNormalized, SECONDS_BETWEEN_SENDS)) {
      throw new AppError('too_many_requests', 429, 'An email was just sent to this address; wait a second before sending another.');
    }
    const id = uuidv7();
    await this.emails.insert(trx, { ...request, id, to_normalized: toNormalized, job_id: request.job_id ?? null });
    await this.outbox.add(trx, 'email.send', { emailId: id }, `email.${id}`);
    return id;
  }

  /** Mints the link's token (committed before the email leaves, so the link works when it arrives) and sends. */
  async send(emailId: string): Promise<{ sent: boolean }> {
    const email = await this.emails.find(this.knex, emailId);
    if (!email || email.status !== 'queued' || !email.member_id) return { sent: false };
    const member = await this.members.findById(this.knex, email.organization_id, email.member_id);
    const organization = await this.organizations.findById(this.knex, email.project_id, email.organization_id);
    if (!member || member.status === 'deleted' || !organization) {
      await this.emails.markFailed(this.knex, emailId, 'The member or organization no longer exists.');
      return { sent: false };
    }
    const token = newSecret();
    await this.knex.transaction(async (trx) => {
      await this.magicLinks.replaceForEmail(trx, {
        id: uuidv7(),
        project_id: email.project_id,
        organization_id: email.organization_id,
        member_id: member.id,
        email_id: email.id,
        kind: email.kind,
        pkce_code_challenge: email.pkce_code_challenge,
        token_hash: hashSecret(token),
        expires_in_minutes: email.expiration_minutes,
      });
      await this.emails.recordAttempt(trx, emailId, null);
    });
    const link = magicLink(email.redirect_url, token);
    try {
      const { messageId } = await this.mailer.send({ to: email.to_address, link, ...renderEmail(email.kind, organization.name, link, email.expiration_minutes) });
      await this.emails.markSent(this.knex, emailId, this.mailer.transport, messageId);
      return { sent: true };
    } catch (err) {
      await this.emails.recordAttempt(this.knex, emailId, (err as Error).message);
      throw err;
    }
  }

  /** Records an email's permanent failure (refused by the server, or out of retries). */
  async fail(emailId: string, err: unknown): Promise<void> {
    logger.warn({ email_id: emailId, err }, 'email not delivered');
    await this.emails.markFailed(this.knex, emailId, jobError(err).error_message);
  }
}
