import type { Knex } from 'knex';
import type { UnlinkRetiredEmailInput } from '../contracts/otps-sms';
import { badRequest, memberNotFound, notFound } from '../errors';
import { normalizeEmail } from '../email-rules';
import { parseId } from '../ids';
import type { MemberFactorsRepository } from '../repositories/member-factors.repository';
import type { MemberPatch, MemberRepository } from '../repositories/member.repository';
import type { SmsRepository } from '../repositories/sms.repository';
import type { MemberRecord, MemberService } from './member.service';
import type { OrganizationService } from './organization.service';
import type { ProjectContext } from './project-context';

const retiredEmailNotFound = () =>
  notFound(
    'retired_email_not_found',
    'The member has no such retired email (when email_id and email_address are both given, they must name the same one).',
  );

/**
 * Removing what a member no longer uses: the MFA phone number (Stytch's
 * deleteMFAPhoneNumber) and retired email addresses (unlinkRetiredEmail).
 */
export class MemberFactorsService {
  constructor(
    private readonly knex: Knex,
    private readonly organizations: OrganizationService,
    private readonly memberService: MemberService,
    private readonly members: MemberRepository,
    private readonly factors: MemberFactorsRepository,
    private readonly sms: SmsRepository,
  ) {}

  /**
   * Clears the number and its verification; the codes texted to it die.
   * mfa_enrolled stays (Stytch: MFA is asked again at the next login, where
   * the member registers another factor), and sessions that hold the SMS
   * factor live on. A member without a number is answered as it is.
   */
  async deleteMfaPhoneNumber(project: ProjectContext, organizationRef: string, memberRef: string): Promise<MemberRecord> {
    const organization = await this.organizations.resolve(this.knex, project, organizationRef);
    return this.knex.transaction(async (trx) => {
      const found = await this.memberService.resolveLive(trx, project, organization, memberRef);
      const member = await this.members.findById(trx, organization.id, found.id, true);
      if (!member || member.status === 'deleted') throw memberNotFound();
      if (!member.mfa_phone_number && !member.mfa_phone_number_verified) return this.memberService.record(trx, member, organization);
      const patch: MemberPatch = { mfa_phone_number: '', mfa_phone_number_verified: false };
      if (member.default_mfa_method === 'sms_otp') patch.default_mfa_method = '';
      if (member.mfa_phone_number) await this.sms.voidCodes(trx, project.id, organization.id, member.mfa_phone_number);
      return this.memberService.recordChange(trx, project, organization, await this.members.update(trx, organization.id, member.id, patch));
    });
  }

  /** Deletes one of the member's retired emails (by email_id, email_address or both, naming the same one): other members may then use it. */
  async unlinkRetiredEmail(
    project: ProjectContext,
    organizationRef: string,
    memberRef: string,
    input: UnlinkRetiredEmailInput,
  ): Promise<MemberRecord> {
    if (input.email_id === undefined && input.email_address === undefined) {
      throw badRequest('bad_request', 'Give the retired email to unlink: email_id, email_address, or both.');
    }
    const organization = await this.organizations.resolve(this.knex, project, organizationRef);
    const id = input.email_id === undefined ? undefined : parseId('email', project.env, input.email_id);
    if (input.email_id !== undefined && id === undefined) throw retiredEmailNotFound();
    return this.knex.transaction(async (trx) => {
      const member = await this.memberService.resolveLive(trx, project, organization, memberRef);
      const emailNormalized = input.email_address === undefined ? undefined : normalizeEmail(input.email_address);
      // Serialized with whoever claims this address meanwhile (member.service's claimEmail takes the same lock).
      if (emailNormalized !== undefined) await this.members.lockEmail(trx, organization.id, emailNormalized);
      const removed = await this.factors.deleteRetiredEmail(trx, member.id, { id, emailNormalized });
      if (!removed) throw retiredEmailNotFound();
      return this.memberService.recordChange(trx, project, organization, member);
    });
  }
}
