import type { Knex } from 'knex';
import { logger } from '../../logger';
import type { MaintenanceRepository, PurgeableTable } from '../../repositories/maintenance.repository';

/** Rows deleted per statement: small enough that each delete is a short transaction. */
const BATCH = 5000;
/**
 * Spent and expired credentials stay this long before they are deleted, so
 * that a late click still meets "already used" / "expired" rather than
 * nothing, and support can see what happened.
 */
export const TOKEN_RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * The scheduled expiry of credentials: invite links, intermediate sessions,
 * and spent tokens and sessions. Each job is idempotent (a second run finds
 * nothing) and answers what it did, which BullMQ keeps as the job's result.
 */
export class CredentialExpiry {
  constructor(
    private readonly knex: Knex,
    private readonly maintenance: MaintenanceRepository,
    private readonly batch = BATCH,
  ) {}

  /**
   * Stytch keeps an invited member `invited` until it accepts or is deleted
   * (inviting again sends a fresh link), so the members stay; only their
   * expired, unused invite links go. `awaiting_reinvite` counts the invited
   * members left without a usable link.
   */
  async expireInvites(): Promise<{ expired_invite_links: number; awaiting_reinvite: number }> {
    const expired = await this.batched(() => this.maintenance.voidExpiredInvitesBatch(this.knex, this.batch));
    const outcome = { expired_invite_links: expired, awaiting_reinvite: await this.maintenance.countInvitedWithoutLiveInvite(this.knex) };
    logger.info(outcome, 'expired invite links voided');
    return outcome;
  }

  /** Intermediate sessions live minutes; once expired (or spent) nothing can use them. */
  async purgeIntermediateSessions(): Promise<{ intermediate_sessions: number }> {
    const outcome = { intermediate_sessions: await this.purge('intermediate_sessions', 0) };
    logger.info(outcome, 'expired intermediate sessions purged');
    return outcome;
  }

  /**
   * Spent or expired links, passcodes, sessions and SSO sign-in steps (flows,
   * tokens). SAML assertion ids count only by expiry: a replay is refused by
   * its row until the assertion itself has expired.
   */
  async purgeTokens(): Promise<Record<Exclude<PurgeableTable, 'intermediate_sessions'>, number>> {
    const outcome = {
      magic_link_tokens: await this.purge('magic_link_tokens', TOKEN_RETENTION_SECONDS),
      otp_codes: await this.purge('otp_codes', TOKEN_RETENTION_SECONDS),
      member_sessions: await this.purge('member_sessions', TOKEN_RETENTION_SECONDS),
      sso_flows: await this.purge('sso_flows', TOKEN_RETENTION_SECONDS),
      sso_tokens: await this.purge('sso_tokens', TOKEN_RETENTION_SECONDS),
      saml_assertion_ids: await this.purge('saml_assertion_ids', TOKEN_RETENTION_SECONDS),
    };
    logger.info(outcome, 'spent tokens and sessions purged');
    return outcome;
  }

  private purge(table: PurgeableTable, retentionSeconds: number): Promise<number> {
    return this.batched(() => this.maintenance.purgeBatch(this.knex, table, retentionSeconds, this.batch));
  }

  /** Runs one batch after another until a batch comes back short. */
  private async batched(deleteBatch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await deleteBatch();
      total += deleted;
      if (deleted < this.batch) return total;
    }
  }
}
