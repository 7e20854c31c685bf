import type { Knex } from 'knex';
import { AppError, PermanentJobFailure } from '../../errors';
import { uuidv7 } from '../../ids';
import { logger } from '../../logger';
import type { Db } from '../../repositories/db';
import type { EmailRepository, EmailRow, SendableEmail } from '../../repositories/email.repository';
import type { MagicLinkRepository } from '../../repositories/magic-link.repository';
import type { OutboxRepository } from '../../repositories/outbox.repository';
import type { JobProducer } from '../../jobs';
import type { JobRepository } from '../../repositories/job.repository';
import { hashSecret, newSecret } from '../../secrets';
import { normalizeEmail } from '../../email-rules';
import type { OtpCodes } from '../auth/otp-codes';
import { jobError } from '../job-failure';
import type { Mailer, OutgoingEmail } from './mailer';
import { isCodeEmail, magicLink, renderCodeEmail, renderEmail, type LinkEmailKind } from './templates';

/** Stytch allows about one email per second to one address. */
const SECONDS_BETWEEN_SENDS = 1;

const EMAILS_PER_JOB = 100;
/** Past every retry of an email (ten attempts from a 15 s delay, doubling: about two hours), a queued one was lost. */
const STALE_AFTER_SECONDS = 6 * 3600;

export const tooSoon = () =>
  new AppError('too_many_requests', 429, 'An email was just sent to this address; wait a second before sending another.');

export type EmailRequest = Omit<EmailRow, 'id' | 'status' | 'attempts' | 'to_normalized' | 'job_id'> & { job_id?: string | null };

/** What an email carries, whoever it goes to: its kind (a link or a code), where a link leads, and how long it works. */
export type EmailPlan = Pick<EmailRequest, 'kind' | 'redirect_url' | 'expiration_minutes' | 'pkce_code_challenge'>;

/**
 * Magic-link and one-time passcode emails. A request queues the email in its
 * own transaction (with an outbox entry, so a committed request is always
 * followed by a send); the worker mints the link's token or the code,
 * renders and sends it.
 */
export class EmailService {
  constructor(
    private readonly knex: Knex,
    private readonly emails: EmailRepository,
    private readonly magicLinks: MagicLinkRepository,
    private readonly outbox: OutboxRepository,
    private readonly mailer: Mailer,
    private readonly producer: JobProducer,
    private readonly jobs: JobRepository,
    private readonly otpCodes: OtpCodes,
  ) {}

  /** Queues an email in the caller's transaction; refuses a second one to an address within a second. */
  async queue(trx: Db, request: EmailRequest): Promise<string> {
    await this.holdAddress(trx, request.project_id, request.to_address);
    const [id] = await this.queueMany(trx, [request]);
    return id;
  }

  /**
   * Takes the address for the caller's transaction, or refuses it (429) when
   * an email went to it within the second. A caller that writes something
   * else for the email first (a new member) holds it before, so that racing
   * requests wait here and get the 429 rather than a conflict on that write.
   */
  async holdAddress(trx: Db, projectId: string, address: string): Promise<void> {
    const toNormalized = normalizeEmail(address);
    // A transaction-level advisory lock: taking it again (queue after holdAddress) is free.
    await this.emails.lockAddress(trx, projectId, toNormalized);
    if (await this.emails.sentSince(trx, projectId, toNormalized, SECONDS_BETWEEN_SENDS)) throw tooSoon();
  }

  /** Which of these addresses may not get another email yet (the per-address rate limit, for batches). */
  async tooSoonFor(trx: Db, projectId: string, addresses: string[]): Promise<Set<string>> {
    return this.emails.recentlySent(trx, projectId, addresses.map(normalizeEmail), SECONDS_BETWEEN_SENDS);
  }

  /** Queues emails (with their outbox entries) in the caller's transaction, in two statements. */
  async queueMany(trx: Db, requests: EmailRequest[]): Promise<string[]> {
    const rows = requests.map((request) => ({
      ...request,
      id: uuidv7(),
      to_normalized: normalizeEmail(request.to_address),
      job_id: request.job_id ?? null,
    }));
    await this.emails.insert(trx, rows);
    // One queue job per batch: a bulk invite pays BullMQ's per-job cost once per hundred emails.
    const batches: string[][] = [];
    for (let i = 0; i < rows.length; i += EMAILS_PER_JOB) batches.push(rows.slice(i, i + EMAILS_PER_JOB).map((r) => r.id));
    await this.outbox.addMany(
      trx,
      'email.send',
      batches.map((emailIds) => ({ payload: { emailIds }, queueJobId: `email.${emailIds[0]}` })),
    );
    return rows.map((r) => r.id);
  }

  /**
   * Sends a batch of emails side by side, with the database work done for
   * the whole batch at once. Each email's outcome is its own: sent ones are
   * never sent again, one the server refuses for good is failed; a transient
   * failure makes the batch throw once the rest went, so a retry sends only
   * what is left. Tokens and codes are committed before any email leaves, so
   * a link or code works when it arrives; a retry replaces them.
   */
  async sendAll(emailIds: string[]): Promise<{ sent: number }> {
    const emails = await this.emails.findForSending(this.knex, emailIds);
    const live = emails.filter(isLive);
    for (const gone of emails.filter((e) => !live.includes(e))) {
      await this.markFailed(gone.id, 'The member, its email address or the organization is no longer there.');
    }
    const outgoing = await this.prepare(live);
    const results = await Promise.allSettled(outgoing.map((email) => this.mailer.send(email)));
    await this.emails.markDelivered(
      this.knex,
      results.flatMap((r, i) =>
        r.status === 'fulfilled'
          ? [
              {
                id: live[i].id,
                ...r.value,
                subject: outgoing[i].subject,
                // A link or code is a live secret: kept only for the dev outbox, never for an email that went out.
                link: r.value.status === 'captured' ? (outgoing[i].link ?? null) : null,
                code: r.value.status === 'captured' ? (outgoing[i].code ?? null) : null,
              },
            ]
          : [],
      ),
      this.mailer.transport,
    );
    let transient: unknown;
    for (const [i, result] of results.entries()) {
      if (result.status === 'fulfilled') continue;
      if (result.reason instanceof PermanentJobFailure) await this.fail(live[i].id, result.reason);
      else {
        await this.emails.recordError(this.knex, live[i].id, (result.reason as Error).message);
        transient ??= result.reason;
      }
    }
    if (transient) throw transient;
    return { sent: results.filter((r) => r.status === 'fulfilled').length };
  }

  /**
   * Mints what each email carries and renders it, in the emails' order: the
   * links' tokens in one statement (replacing a failed attempt's), each code
   * through OtpCodes.mint (which voids the codes sent before to the address,
   * a failed attempt's included).
   */
  private async prepare(live: SendableEmail[]): Promise<OutgoingEmail[]> {
    const links = live.filter((e) => !isCodeEmail(e.kind));
    const tokens = links.map(() => newSecret());
    await this.magicLinks.mintForEmails(
      this.knex,
      links.map((email, i) => ({
        id: uuidv7(),
        project_id: email.project_id,
        organization_id: email.organization_id,
        member_id: email.member_id,
        email_id: email.id,
        kind: email.kind as LinkEmailKind,
        email_normalized: email.to_normalized,
        pkce_code_challenge: email.pkce_code_challenge,
        token_hash: hashSecret(tokens[i]),
        expires_in_minutes: email.expiration_minutes,
      })),
    );
    const codeEmails = live.filter((e) => isCodeEmail(e.kind));
    const codeIds = codeEmails.map((e) => e.id);
    await this.emails.countAttempts(this.knex, codeIds);
    const codes = new Map<string, string>();
    // Codes go out one email per request (email OTP sends are never bulk): one mint each is fine.
    for (const email of codeEmails) {
      const target = {
        project_id: email.project_id,
        channel: 'email' as const,
        destination: email.to_normalized,
        organization_id: email.organization_id,
      };
      codes.set(
        email.id,
        await this.otpCodes.mint(this.knex, target, { memberId: email.member_id, emailId: email.id }, email.expiration_minutes),
      );
    }
    const tokenOf = new Map(links.map((e, i) => [e.id, tokens[i]]));
    return live.map((email) => {
      // Discovery emails name the application (the project); the others their organization.
      const name = email.organization_name ?? email.project_name;
      if (isCodeEmail(email.kind)) {
        const code = codes.get(email.id)!;
        return { to: email.to_address, code, ...renderCodeEmail(email.kind, name, code, email.expiration_minutes) };
      }
      const link = magicLink(email.redirect_url!, tokenOf.get(email.id)!, email.kind);
      return { to: email.to_address, link, ...renderEmail(email.kind, name, link, email.expiration_minutes) };
    });
  }

  /** A bulk invite whose email could not be delivered counts it as `undelivered` on its job. */
  private async markFailed(emailId: string, error: string): Promise<void> {
    const jobId = await this.emails.markFailed(this.knex, emailId, error);
    if (jobId) await this.jobs.addProgress(this.knex, jobId, { undelivered: 1 });
  }

  /**
   * The email half of the sweep: emails still queued after every retry
   * would have run lost their queue entry (Redis lost it, or recording the
   * failure failed); they are queued again. Returns how many.
   */
  async resumeStale(): Promise<number> {
    const ids = await this.emails.staleQueued(this.knex, STALE_AFTER_SECONDS, 1000);
    for (let i = 0; i < ids.length; i += EMAILS_PER_JOB) {
      const batch = ids.slice(i, i + EMAILS_PER_JOB);
      await this.producer.ensure('email.send', { emailIds: batch }, `email.resume.${batch[0]}`);
    }
    return ids.length;
  }

  /** Records an email's permanent failure (refused by the server, or out of retries). */
  async fail(emailId: string, err: unknown): Promise<void> {
    logger.warn({ email_id: emailId, err }, 'email not delivered');
    await this.markFailed(emailId, jobError(err).error_message);
  }
}

/**
 * Whether an email can still go: a discovery email (no organization, no
 * member) always can; an organization's email only while the organization
 * and the member are there, the member still at that address.
 */
function isLive(email: SendableEmail): boolean {
  if (email.organization_id === null) return email.member_id === null;
  return email.organization_name !== null && email.member_id !== null && email.member_live;
}
