import type { Knex } from 'knex';
import type { InviteInput } from '../contracts/magic-links';
import { AppError, badRequest, memberNotFound } from '../errors';
import { parseId } from '../ids';
import type { MemberModel } from '../models/member.model';
import type { OrganizationModel } from '../models/organization.model';
import type { Db } from '../repositories/db';
import type { MemberRepository, NewMember } from '../repositories/member.repository';
import { cleanEmail, normalizeEmail } from '../email-rules';
import { tooSoon, type EmailService } from './email/email.service';
import type { MemberRecord, MemberService } from './member.service';
import { newMemberRow } from './new-member';
import type { OrganizationService } from './organization.service';
import { checkMetadataSize, mergeMetadata } from './organization-rules';
import type { ProjectContext } from './project-context';
import type { RedirectUrls } from './redirect-urls';
import { checkDirectRoles } from './roles';

export const INVITE_EXPIRATION_MINUTES = 10_080;

/** A member an email was queued for, as members.get answers it. */
export interface SentEmail extends MemberRecord {
  memberCreated: boolean;
}

/** An invitee's member, before its record is read. */
interface Invited {
  member: MemberModel;
  memberCreated: boolean;
}

/** What an invite carries for the person invited. */
export interface Invitee {
  email_address: string;
  name?: string;
  roles?: string[];
  trusted_metadata?: Record<string, unknown>;
  untrusted_metadata?: Record<string, unknown>;
}

export interface InviteSettings {
  redirectUrl: string;
  expirationMinutes: number;
}

export const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1);

/** Stytch's email invites, one at a time or set-based for the bulk-invite job. */
export class InviteService {
  constructor(
    private readonly knex: Knex,
    private readonly organizations: OrganizationService,
    private readonly memberService: MemberService,
    private readonly members: MemberRepository,
    private readonly redirectUrls: RedirectUrls,
    private readonly emails: EmailService,
    /** Tells the outbox relay that committed entries wait (it also polls, so this only saves latency). */
    private readonly outboxWritten: () => void,
  ) {}

  /**
   * Invites a person: a new member is created as `invited` (an existing
   * pending or invited one is updated and moved to `invited`), and the
   * invite email is queued in the same transaction.
   */
  async invite(project: ProjectContext, input: InviteInput): Promise<SentEmail> {
    const organization = await this.organizations.resolve(this.knex, project, input.organization_id);
    const settings = await this.inviteSettings(project, organization, input);
    try {
      const [outcome] = await this.knex
        .transaction((trx) => this.inviteMany(trx, project, organization, [input], settings))
        .finally(this.outboxWritten);
      if (outcome instanceof AppError) throw outcome;
      return outcome;
    } catch (err) {
      throw await this.memberService.nameHolder(err, project, organization.id, input.email_address);
    }
  }

  /** What every invite of a request shares, checked once: the organization allows invites, the redirect URL, the inviter. */
  async inviteSettings(
    project: ProjectContext,
    organization: OrganizationModel,
    input: { invite_redirect_url?: string; invited_by_member_id?: string; invite_expiration_minutes?: number },
  ): Promise<InviteSettings> {
    if (organization.email_invites === 'NOT_ALLOWED') {
      throw badRequest('invalid_email_for_invites', 'The organization does not allow email invites (email_invites is NOT_ALLOWED).');
    }
    const redirectUrl = await this.redirectUrls.resolve(project, 'invite', input.invite_redirect_url);
    if (input.invited_by_member_id) {
      const inviterId = parseId('member', project.env, input.invited_by_member_id);
      const inviter = inviterId ? await this.members.findById(this.knex, organization.id, inviterId) : undefined;
      if (!inviter || inviter.status === 'deleted') throw memberNotFound();
    }
    return { redirectUrl, expirationMinutes: input.invite_expiration_minutes ?? INVITE_EXPIRATION_MINUTES };
  }

  /**
   * Invites several people in the caller's transaction, with a handful of
   * statements whatever their number (bulk invites call it per batch). Each
   * invitee gets its member, or the AppError that refused it.
   */
  async inviteMany(
    trx: Db,
    project: ProjectContext,
    organization: OrganizationModel,
    invitees: Invitee[],
    settings: InviteSettings,
    jobId?: string,
  ): Promise<(SentEmail | AppError)[]> {
    const emails = invitees.map((i) => cleanEmail(i.email_address));
    const normalized = emails.map(normalizeEmail);
    const existing = new Map((await this.members.lockLiveByEmails(trx, organization.id, normalized)).map((m) => [m.email_normalized, m]));
    const retired = await this.members.retiredAmong(trx, organization.id, normalized);
    const tooRecent = await this.emails.tooSoonFor(trx, project.id, normalized);
    const named = invitees.flatMap((i) => i.roles ?? []);
    const definedRoles = await this.organizations.definedRoleIds(trx, project.id, organization, named);

    const outcomes: (Invited | AppError | NewMember)[] = [];
    for (const [index, invitee] of invitees.entries()) {
      try {
        const email = normalized[index];
        if (organization.email_invites === 'RESTRICTED' && !organization.email_allowed_domains.includes(domainOf(email))) {
          throw badRequest('invalid_email_for_invites', `Invites are restricted to ${organization.email_allowed_domains.join(', ')}.`);
        }
        const current = existing.get(email);
        if (current?.status === 'active') {
          throw badRequest(
            'member_already_active',
            'This person is already an active member of the organization; send a login link instead.',
          );
        }
        if (tooRecent.has(email)) throw tooSoon();
        const roles = invitee.roles && checkDirectRoles(invitee.roles, definedRoles);
        checkMetadataSize('trusted_metadata', invitee.trusted_metadata ?? {});
        checkMetadataSize('untrusted_metadata', invitee.untrusted_metadata ?? {});
        if (current) {
          const member = await this.members.update(trx, organization.id, current.id, {
            status: 'invited',
            ...(invitee.name !== undefined ? { name: invitee.name.trim() } : {}),
            ...(roles ? { roles } : {}),
            ...(invitee.trusted_metadata ? { trusted_metadata: mergeMetadata(current.trusted_metadata, invitee.trusted_metadata) } : {}),
            ...(invitee.untrusted_metadata
              ? { untrusted_metadata: mergeMetadata(current.untrusted_metadata, invitee.untrusted_metadata) }
              : {}),
          });
          outcomes.push({ member, memberCreated: false });
        } else {
          if (retired.has(email)) {
            throw badRequest(
              'retired_member_email',
              'This email address was retired by a member of the organization and cannot be reused until it is unlinked.',
            );
          }
          outcomes.push(
            newMemberRow(project.id, organization.id, {
              email_address: emails[index],
              status: 'invited',
              name: invitee.name,
              roles,
              trusted_metadata: invitee.trusted_metadata,
              untrusted_metadata: invitee.untrusted_metadata,
            }),
          );
        }
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        outcomes.push(err);
      }
    }

    const fresh = outcomes.filter((o): o is NewMember => !(o instanceof AppError) && !('member' in o));
    const inserted = new Map((await this.members.insertMany(trx, fresh)).map((m) => [m.id, m]));
    const settled = outcomes.map((o): Invited | AppError => {
      if (o instanceof AppError || 'member' in o) return o;
      const member = inserted.get(o.id);
      // A concurrent writer took the email between our read and our insert.
      return member
        ? { member, memberCreated: true }
        : badRequest('duplicate_member_email', 'A member with this email was created meanwhile.');
    });
    const sent = settled.filter((o): o is Invited => !(o instanceof AppError));
    // Bulk invites act as their job (MIGRATION): their migration.member.* events are written only when subscribed.
    const records = await this.memberService.recordMany(
      trx,
      project,
      organization,
      sent.filter((s) => s.memberCreated).map((s) => s.member),
      sent.filter((s) => !s.memberCreated).map((s) => s.member),
    );
    const recordOf = new Map(records.map((r) => [r.member.id, r]));
    const final = settled.map((o): SentEmail | AppError =>
      o instanceof AppError ? o : { ...recordOf.get(o.member.id)!, memberCreated: o.memberCreated },
    );
    await this.emails.queueMany(
      trx,
      sent.map(({ member }) => ({
        project_id: project.id,
        organization_id: organization.id,
        member_id: member.id,
        kind: 'invite' as const,
        to_address: member.email,
        redirect_url: settings.redirectUrl,
        expiration_minutes: settings.expirationMinutes,
        pkce_code_challenge: null,
        job_id: jobId ?? null,
      })),
    );
    return final;
  }
}
