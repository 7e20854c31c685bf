import type { Knex } from 'knex';
import { badRequest } from '../errors';
import { cleanEmail, normalizeEmail } from '../email-rules';
import type { MemberModel } from '../models/member.model';
import type { OrganizationModel } from '../models/organization.model';
import type { MemberRepository } from '../repositories/member.repository';
import type { EmailPlan, EmailService } from './email/email.service';
import { domainOf, type SentEmail } from './invite.service';
import type { MemberService } from './member.service';
import type { OrganizationService } from './organization.service';
import type { ProjectContext } from './project-context';

/** Who an organization email is for: the member with that address, if any. */
export type Recipient = Pick<MemberModel, 'status'> | undefined;

/**
 * Stytch's login-or-signup by email, whatever the email carries (a magic
 * link or a one-time passcode): a member with the address gets its email; a
 * stranger gets a sign-up email, as a new pending member, only where the
 * organization provisions that address's domain just in time. The factor
 * plans the email (kind, redirect, expiry) before anything is written; the
 * member and the queued email are then written in one transaction.
 */
export class LoginOrSignup {
  constructor(
    private readonly knex: Knex,
    private readonly organizations: OrganizationService,
    private readonly memberService: MemberService,
    private readonly members: MemberRepository,
    private readonly emails: EmailService,
    /** Tells the outbox relay that committed entries wait (it also polls, so this only saves latency). */
    private readonly outboxWritten: () => void,
  ) {}

  async send(
    project: ProjectContext,
    input: { organization_id: string; email_address: string },
    plan: (existing: Recipient) => Promise<EmailPlan>,
  ): Promise<SentEmail> {
    const organization = await this.organizations.resolve(this.knex, project, input.organization_id);
    const email = cleanEmail(input.email_address);
    const existing = await this.members.findByEmail(this.knex, organization.id, normalizeEmail(email));
    if (!existing) {
      const jit =
        organization.email_jit_provisioning === 'RESTRICTED' &&
        organization.email_allowed_domains.includes(domainOf(normalizeEmail(email)));
      if (!jit) {
        throw badRequest(
          'invalid_email_for_jit_provisioning',
          'No member has this email, and the organization does not let this email domain sign up (email_jit_provisioning and email_allowed_domains).',
        );
      }
    }
    const planned = await plan(existing);
    try {
      return await this.knex
        .transaction(async (trx) => {
          await this.emails.holdAddress(trx, project.id, email);
          const joined = existing ? { member: existing, created: false } : await this.joinOrInsert(trx, project, organization, email);
          const member = joined.member;
          await this.emails.queue(trx, {
            ...planned,
            project_id: project.id,
            organization_id: organization.id,
            member_id: member.id,
            to_address: member.email,
            job_id: null,
          });
          // A member who was there already answers with what it has registered (SSO, SCIM) and retired.
          const record = joined.created
            ? { member, organization, retiredEmails: [] }
            : await this.memberService.record(trx, member, organization);
          return { ...record, memberCreated: joined.created };
        })
        .finally(this.outboxWritten);
    } catch (err) {
      throw await this.memberService.nameHolder(err, project, organization.id, email);
    }
  }

  /**
   * The sign-up half: the member another writer (a SCIM POST, an invite) may
   * have created since the lookup above is joined, not refused — the email's
   * lock is taken first, so the second look sees any committed twin.
   */
  private async joinOrInsert(
    trx: Knex.Transaction,
    project: ProjectContext,
    organization: OrganizationModel,
    email: string,
  ): Promise<{ member: MemberModel; created: boolean }> {
    await this.members.lockEmail(trx, organization.id, normalizeEmail(email));
    const raced = await this.members.findByEmail(trx, organization.id, normalizeEmail(email));
    if (raced) return { member: raced, created: false };
    return {
      member: await this.memberService.insertIn(trx, project, organization, { email_address: email, status: 'pending' }),
      created: true,
    };
  }
}
