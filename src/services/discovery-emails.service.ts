import type { Knex } from 'knex';
import type { DiscoverySendInput } from '../contracts/magic-links';
import type { OtpDiscoverySendInput } from '../contracts/otps-email';
import { cleanEmail } from '../email-rules';
import { OTP_EXPIRATION_MINUTES } from './auth/otp-codes';
import type { EmailPlan, EmailService } from './email/email.service';
import type { ProjectContext } from './project-context';
import type { RedirectUrls } from './redirect-urls';

/** Stytch's default lifetime of a discovery magic link. */
export const DISCOVERY_LINK_EXPIRATION_MINUTES = 60;

/**
 * Discovery emails: a magic link or a one-time passcode that proves an
 * address before any organization is chosen, so they name no organization
 * and no member, and go to any address. The worker mints the link's token
 * (magic_link_tokens, kind `discovery`) or the code (otp_codes, no
 * organization); the discovery endpoints redeem them.
 */
export class DiscoveryEmails {
  constructor(
    private readonly knex: Knex,
    private readonly redirectUrls: RedirectUrls,
    private readonly emails: EmailService,
    /** Tells the outbox relay that committed entries wait (it also polls, so this only saves latency). */
    private readonly outboxWritten: () => void,
  ) {}

  async sendMagicLink(project: ProjectContext, input: DiscoverySendInput): Promise<void> {
    const redirectUrl = await this.redirectUrls.resolve(project, 'discovery', input.discovery_redirect_url);
    await this.queue(project, input.email_address, {
      kind: 'discovery',
      redirect_url: redirectUrl,
      expiration_minutes: input.discovery_expiration_minutes ?? DISCOVERY_LINK_EXPIRATION_MINUTES,
      pkce_code_challenge: input.pkce_code_challenge ?? null,
    });
  }

  async sendCode(project: ProjectContext, input: OtpDiscoverySendInput): Promise<void> {
    await this.queue(project, input.email_address, {
      kind: 'otp_discovery',
      redirect_url: null,
      expiration_minutes: input.discovery_expiration_minutes ?? OTP_EXPIRATION_MINUTES,
      pkce_code_challenge: null,
    });
  }

  private async queue(project: ProjectContext, address: string, email: EmailPlan): Promise<void> {
    await this.knex
      .transaction((trx) =>
        this.emails.queue(trx, {
          ...email,
          project_id: project.id,
          organization_id: null,
          member_id: null,
          to_address: cleanEmail(address),
          job_id: null,
        }),
      )
      .finally(this.outboxWritten);
  }
}
