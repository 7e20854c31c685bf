import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuthenticateSmsInput, SendSmsInput } from '../../../contracts/otps-sms';
import { AppError, badRequest, memberNotFound, notFound } from '../../../errors';
import { formatId, uuidv7 } from '../../../ids';
import type { MemberModel } from '../../../models/member.model';
import type { OrganizationModel } from '../../../models/organization.model';
import type { Db } from '../../../repositories/db';
import type { MemberPatch, MemberRepository } from '../../../repositories/member.repository';
import type { OutboxRepository } from '../../../repositories/outbox.repository';
import type { SmsRepository } from '../../../repositories/sms.repository';
import { allowsMfaMethod } from '../../authentication-policy';
import type { AuthenticationFlow, AuthOutcome } from '../../auth/authentication-flow';
import { factors } from '../../auth/factors';
import type { OtpCodes } from '../../auth/otp-codes';
import type { MemberRecord, MemberService } from '../../member.service';
import type { OrganizationService } from '../../organization.service';
import type { ProjectContext } from '../../project-context';
import { smsLocale } from './sms-templates';

/** Per number and project: one text per 30 seconds, five per hour (toll fraud and SMS pumping are billed per text). */
export const SMS_RATE_LIMITS = [
  { seconds: 30, max: 1 },
  { seconds: 3600, max: 5 },
] as const;

export const smsTooSoon = () =>
  new AppError(
    'too_many_requests',
    429,
    `Too many passcodes were texted to this number: at most ${SMS_RATE_LIMITS.map((l) => `${l.max} per ${l.seconds} seconds`).join(' and ')}. Wait before sending another.`,
  );

const smsNotAllowed = () =>
  badRequest('sms_otp_not_allowed', "The organization's mfa_methods is RESTRICTED and its allowed_mfa_methods do not include sms_otp.");

const primaryFirst = () =>
  badRequest(
    'action_available_only_once_primary_authentication_is_met',
    "An SMS passcode is an MFA factor: present the member's intermediate_session_token (from a primary authentication) or a session of the member.",
  );

/** Stytch's phone_id: stable for a member and number (the factor on sessions names it), without a table of its own. */
export function phoneIdOf(env: ProjectContext['env'], memberId: string, phoneNumber: string): string {
  const hex = createHash('sha256').update(`phone:${memberId}:${phoneNumber}`).digest('hex');
  // Shaped as an RFC 9562 version-8 (custom) UUID.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return formatId('phone-number', env, uuid);
}

export interface SmsAuthentication extends AuthOutcome {
  session: NonNullable<AuthOutcome['session']>;
}

/**
 * SMS one-time passcodes as an MFA factor. A send records the text in the
 * request's transaction (with its outbox entry: a 200 is always followed by
 * a text); the worker mints the code when it sends (SmsDelivery).
 * Authentication redeems the code, then runs the authentication flow.
 */
export class SmsOtpService {
  constructor(
    private readonly knex: Knex,
    private readonly organizations: OrganizationService,
    private readonly memberService: MemberService,
    private readonly members: MemberRepository,
    private readonly sms: SmsRepository,
    private readonly outbox: OutboxRepository,
    private readonly codes: OtpCodes,
    private readonly flow: AuthenticationFlow,
    /** Tells the outbox relay that committed entries wait (it also polls, so this only saves latency). */
    private readonly outboxWritten: () => void,
  ) {}

  /**
   * Stytch's otps.sms.send: texts a code to the member's number, or to the
   * number given when the member has none (it becomes theirs, unverified). A
   * member who has a number keeps it: another one is refused (delete it first).
   */
  async send(project: ProjectContext, input: SendSmsInput): Promise<MemberRecord> {
    const organization = await this.organizations.resolve(this.knex, project, input.organization_id);
    // Stytch's rule against bypassing MFA: once the member has a verified factor, only the member may ask for a code.
    const current = await this.memberService.resolveLive(this.knex, project, organization, input.member_id);
    await this.flow.priorOfMember(project, input, current, current.mfa_phone_number_verified);
    const record = await this.knex
      .transaction(async (trx) => {
        const found = await this.memberService.resolveLive(trx, project, organization, input.member_id);
        // Locked: a concurrent send or delete of the number waits for this one.
        const member = await this.members.findById(trx, organization.id, found.id, true);
        if (!member || member.status === 'deleted') throw memberNotFound();
        if (member.status !== 'active') {
          throw badRequest('action_available_only_for_active_members', 'You may not attach an MFA factor to a member that is not active.');
        }
        if (!allowsMfaMethod(organization, member, 'sms_otp')) throw smsNotAllowed();
        // An empty mfa_phone_number (the schema's pattern allows it, as Stytch's member fields do) names no number.
        const given = input.mfa_phone_number || undefined;
        const number = member.mfa_phone_number || given;
        if (!number) {
          throw badRequest('invalid_phone_number', 'The member has no MFA phone number: mfa_phone_number is required.');
        }
        if (given !== undefined && member.mfa_phone_number && given !== member.mfa_phone_number) {
          throw badRequest(
            'mfa_phone_number_mismatch',
            'The member already has another MFA phone number; delete it (organizations.members.deleteMFAPhoneNumber) before using a new one.',
          );
        }
        const holder = member.mfa_phone_number
          ? member
          : await this.memberService.patchIn(trx, project, organization, member, {
              mfa_phone_number: number,
              mfa_phone_number_verified: false,
            });
        if (!(await this.queue(trx, project, organization, holder, number, input.locale))) throw smsTooSoon();
        return this.memberService.record(trx, holder, organization);
      })
      .finally(this.outboxWritten);
    return record;
  }

  /**
   * The authentication flow's hook (Stytch's secondary_auth_initiated): in
   * the flow's transaction, texts a code when the member has a verified
   * number, the organization accepts SMS and SMS is the member's method
   * (default_mfa_method sms_otp, or none chosen). Rate-limited like a send:
   * false, not an error, when it is not the time for another text.
   */
  async initiate(trx: Db, project: ProjectContext, organization: OrganizationModel, member: MemberModel): Promise<boolean> {
    if (!member.mfa_phone_number || !member.mfa_phone_number_verified || member.status !== 'active') return false;
    if (!allowsMfaMethod(organization, member, 'sms_otp')) return false;
    if (member.default_mfa_method !== 'sms_otp' && member.default_mfa_method !== '') return false;
    // No relay poke here: this runs in the flow's transaction, whose async context refuses the relay a pooled
    // connection (src/db/knex.ts); the relay's own poll (every second) moves the entry once the flow commits.
    return this.queue(trx, project, organization, member, member.mfa_phone_number, undefined);
  }

  /** Records a text and its outbox entry in the caller's transaction; false when the number's rate limit says no. */
  private async queue(
    trx: Db,
    project: ProjectContext,
    organization: OrganizationModel,
    member: MemberModel,
    number: string,
    locale: string | undefined,
  ): Promise<boolean> {
    await this.sms.lockNumber(trx, project.id, number);
    const counts = await this.sms.sentWithin(
      trx,
      project.id,
      number,
      SMS_RATE_LIMITS.map((l) => l.seconds),
    );
    if (SMS_RATE_LIMITS.some((limit, i) => counts[i] >= limit.max)) return false;
    const id = uuidv7();
    await this.sms.insert(trx, {
      id,
      project_id: project.id,
      organization_id: organization.id,
      member_id: member.id,
      to_number: number,
      locale: smsLocale(locale),
    });
    await this.outbox.add(trx, 'sms.send', { smsId: id }, `sms.${id}`);
    return true;
  }

  /**
   * Stytch's otps.sms.authenticate. Everything that can be refused without
   * spending the code is checked first; the code is then redeemed on the
   * pool (a wrong guess stays counted though the request fails), and the
   * flow marks the number verified and grants the session.
   */
  async authenticate(project: ProjectContext, input: AuthenticateSmsInput): Promise<SmsAuthentication> {
    const organization = await this.organizations.resolve(this.knex, project, input.organization_id);
    const member = await this.memberService.resolveLive(this.knex, project, organization, input.member_id);
    if (!allowsMfaMethod(organization, member, 'sms_otp')) throw smsNotAllowed();
    if (!member.mfa_phone_number)
      throw notFound('otp_code_not_found', 'The member has no MFA phone number, so no passcode was texted to it.');
    await this.flow.priorOfMember(project, input, member, true);
    const number = member.mfa_phone_number;
    const factor = factors.smsOtp(phoneIdOf(project.env, member.id, number), number);

    const target = { project_id: project.id, channel: 'sms' as const, destination: number, organization_id: organization.id };
    // On the pool, once the prior is known good: a wrong guess stays counted though the request fails.
    const redeem = async () => {
      const redeemed = await this.codes.redeem(this.knex, target, input.code);
      if (redeemed.member_id !== member.id) {
        throw new AppError('otp_code_not_found', 404, 'The passcode is wrong, expired, already used, or was guessed at too many times.');
      }
    };
    const outcome = await this.flow.run(
      project,
      input,
      async (trx) => {
        const locked = await this.members.findById(trx, organization.id, member.id, true);
        if (!locked || locked.status === 'deleted') throw memberNotFound();
        // The number changed (deleted, replaced) since the code was texted: the code proves the old one only.
        if (locked.mfa_phone_number !== number) {
          throw new AppError('otp_code_not_found', 404, 'The passcode was sent to a number that is no longer the member’s.');
        }
        const patch: MemberPatch = { mfa_phone_number_verified: true };
        // Stytch ignores set_mfa_enrollment where the organization requires MFA of everyone (as TOTP does).
        if (organization.mfa_policy !== 'REQUIRED_FOR_ALL' && input.set_mfa_enrollment) {
          patch.mfa_enrolled = input.set_mfa_enrollment === 'enroll';
        }
        // A first MFA method becomes the default, as in Stytch; set_default_mfa makes it so whatever came before.
        if (input.set_default_mfa || locked.default_mfa_method === '') patch.default_mfa_method = 'sms_otp';
        const updated = await this.memberService.patchIn(trx, project, organization, locked, patch);
        return { organization, member: updated, factor };
      },
      { before: redeem, requireSession: primaryFirst },
    );
    return outcome as SmsAuthentication;
  }
}
