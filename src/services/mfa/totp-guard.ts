import type { Knex } from 'knex';
import { AppError, badRequest } from '../../errors';
import type { MemberModel } from '../../models/member.model';
import type { OrganizationModel } from '../../models/organization.model';
import type { Db } from '../../repositories/db';
import type { TotpAttemptRow, TotpRepository, TotpRow } from '../../repositories/totp.repository';
import type { AuthenticationFlow, PriorAuthenticationInput } from '../auth/authentication-flow';
import { allowsMfaMethod } from '../authentication-policy';
import type { MemberService } from '../member.service';
import type { OrganizationService } from '../organization.service';
import type { ProjectContext } from '../project-context';

/** Wrong codes (TOTP or recovery codes, counted together) a registration takes before it locks. */
export const TOTP_MAX_FAILURES = 5;
/** How long a lock lasts; the count starts again after it. */
export const TOTP_LOCK_MINUTES = 30;

export const totpNotFound = () =>
  new AppError('totp_not_found', 404, 'The member has no TOTP registration (or it expired before it was verified).');

export const noRecoveryFactor = () =>
  badRequest('no_active_recovery_code_backed_factor', 'The member has no verified TOTP registration: recovery codes stand in for one.');

const locked = () =>
  new AppError(
    'too_many_requests',
    429,
    `Too many wrong codes: the member's TOTP and recovery codes are locked for up to ${TOTP_LOCK_MINUTES} minutes.`,
  );

const totpRestricted = () =>
  new AppError(
    'operation_restricted_by_organization_mfa_methods',
    403,
    "The organization's mfa_methods is RESTRICTED and its allowed_mfa_methods do not include totp.",
  );

const primaryFirst = () =>
  badRequest(
    'action_available_only_once_primary_authentication_is_met',
    "TOTP codes and recovery codes are MFA factors: present the member's intermediate_session_token (from a primary authentication) or a session of the member.",
  );

/** What an attempt's check found: a value to go on with, or an error (counted as a wrong code, or not). */
export type Verdict<T> = { ok: true; value: T } | { ok: false; error: AppError; counts: boolean };

/** A member of an organization, addressed as Stytch's MFA endpoints address them (ids, slugs or external ids). */
export interface MfaTarget {
  organization: OrganizationModel;
  member: MemberModel;
}

/**
 * What TOTP and recovery codes share: finding the member, the
 * organization's MFA methods, the caller's prior proof, and attempts that
 * count wrong codes on the pool — outside the request's transaction, so a
 * failed request still counts — and lock the registration after too many.
 */
export class TotpGuard {
  constructor(
    private readonly knex: Knex,
    private readonly totps: TotpRepository,
    private readonly organizations: OrganizationService,
    private readonly memberService: MemberService,
    private readonly flow: AuthenticationFlow,
  ) {}

  async target(db: Db, project: ProjectContext, organizationRef: string, memberRef: string): Promise<MfaTarget> {
    const organization = await this.organizations.resolve(db, project, organizationRef);
    const member = await this.memberService.resolveLive(db, project, organization, memberRef);
    return { organization, member };
  }

  /** The organization accepts TOTP (recovery codes stand in for it) from this member; breakglass members bypass the restriction. */
  requireTotpAllowed({ organization, member }: MfaTarget): void {
    if (!allowsMfaMethod(organization, member, 'totp')) throw totpRestricted();
  }

  /** The member's verified registration, for recovery codes. */
  async verified(db: Db, project: ProjectContext, member: MemberModel): Promise<TotpRow> {
    const row = await this.totps.findVerified(db, project.id, member.id);
    if (!row) throw noRecoveryFactor();
    return row;
  }

  /**
   * A proof presented where one is optional (totps.create) must be the
   * member's. Stytch's rule against bypassing MFA: a member who has another
   * verified MFA factor (a phone) must present one.
   */
  async checkOptionalPrior(project: ProjectContext, input: PriorAuthenticationInput, member: MemberModel): Promise<void> {
    await this.flow.priorOfMember(project, input, member, member.mfa_phone_number_verified);
  }

  /**
   * Before a code is checked: an MFA factor completes a prior proof, which
   * must be the member's. Whether it then earns a session the flow decides
   * (`requireSession`), rolling the code's redemption back when it would not.
   */
  async requirePrior(project: ProjectContext, input: PriorAuthenticationInput, member: MemberModel): Promise<void> {
    await this.flow.priorOfMember(project, input, member, true);
  }

  /** For AuthenticationFlow.run's `requireSession`: an MFA code answers with a session, or is refused unspent. */
  static readonly primaryFirst = primaryFirst;

  /** The flow's outcome with its session, which `requireSession` guarantees. */
  static withSession<T extends { session?: unknown }>(outcome: T): T & { session: NonNullable<T['session']> } {
    if (!outcome.session) throw primaryFirst();
    return outcome as T & { session: NonNullable<T['session']> };
  }

  /**
   * One attempt at a registration, in a short transaction on the pool (not
   * the request's): the registration's row is locked, a locked-out
   * registration refuses at once, `check` looks at the code, and a wrong
   * code is counted (and may lock) before the error is thrown.
   */
  async attempt<T>(
    project: ProjectContext,
    totpId: string,
    check: (trx: Db, row: TotpAttemptRow) => Promise<Verdict<T>> | Verdict<T>,
  ): Promise<T> {
    const verdict = await this.knex.transaction(async (trx): Promise<Verdict<T>> => {
      const row = await this.totps.lockForAttempt(trx, project.id, totpId);
      if (!row) return { ok: false, error: totpNotFound(), counts: false };
      if (row.locked) return { ok: false, error: locked(), counts: false };
      const found = await check(trx, row);
      if (!found.ok && found.counts) await this.totps.recordFailure(trx, row, TOTP_MAX_FAILURES, TOTP_LOCK_MINUTES);
      return found;
    });
    if (!verdict.ok) throw verdict.error;
    return verdict.value;
  }
}
