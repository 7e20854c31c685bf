import type { Knex } from 'knex';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { AuthenticateTotpInput, CreateTotpInput, MigrateTotpInput } from '../../contracts/totps';
import { AppError, badRequest, memberNotFound } from '../../errors';
import { formatId, uuidv7 } from '../../ids';
import type { MemberModel } from '../../models/member.model';
import type { Db } from '../../repositories/db';
import type { MemberPatch, MemberRepository } from '../../repositories/member.repository';
import type { ProjectRepository } from '../../repositories/project.repository';
import type { TotpRepository, TotpRow } from '../../repositories/totp.repository';
import type { AuthenticationFlow, AuthOutcome } from '../auth/authentication-flow';
import { factors } from '../auth/factors';
import type { MemberRecord, MemberService } from '../member.service';
import type { OrganizationService } from '../organization.service';
import type { ProjectContext } from '../project-context';
import { RECOVERY_CODE_SHAPE, type RecoveryCodes } from './recovery-codes.service';
import { type MfaTarget, TotpGuard, totpNotFound } from './totp-guard';

/** Stytch's default (and bounds, in the contract) for verifying a new registration. */
export const TOTP_PENDING_MINUTES = 60;
/** Codes of the time steps either side of now are accepted too (clock drift), as in Stytch. */
const WINDOW = 1;

const activeTotpExists = () =>
  badRequest(
    'active_totp_exists',
    'The member already has a verified TOTP registration: delete it (organizations.members.deleteTOTP) before creating another.',
  );

const cannotAuthenticate = () =>
  new AppError('unable_to_authenticate_totp', 401, 'The TOTP code is wrong (or too far from the current time).');

const alreadyAuthenticated = () =>
  new AppError(
    'totp_code_already_authenticated',
    401,
    'This TOTP code (or a later one) was already authenticated: wait for the next code of the authenticator app.',
  );

export interface CreatedTotp {
  record: MemberRecord;
  registrationId: string;
  secret: string;
  qrCode: string;
  recoveryCodes: string[];
}

export interface MigratedTotp {
  record: MemberRecord;
  registrationId: string;
  recoveryCodes: string[];
}

export interface TotpAuthentication extends AuthOutcome {
  session: NonNullable<AuthOutcome['session']>;
}

/**
 * Authenticator apps (TOTP, RFC 6238) as an MFA factor: one registration per
 * member, pending until its first code is authenticated, with ten recovery
 * codes; a code's time step is accepted once; wrong codes lock it for a while.
 */
export class TotpService {
  constructor(
    private readonly knex: Knex,
    private readonly totps: TotpRepository,
    private readonly projects: ProjectRepository,
    private readonly organizations: OrganizationService,
    private readonly memberService: MemberService,
    private readonly members: MemberRepository,
    private readonly guard: TotpGuard,
    private readonly recoveryCodes: RecoveryCodes,
    private readonly flow: AuthenticationFlow,
  ) {}

  /** Stytch's totps.create: a new pending registration (replacing a pending one); a verified one must be deleted first. */
  async create(project: ProjectContext, input: CreateTotpInput): Promise<CreatedTotp> {
    const target = await this.guard.target(this.knex, project, input.organization_id, input.member_id);
    this.guard.requireTotpAllowed(target);
    if (target.member.status !== 'active') {
      throw badRequest('action_available_only_for_active_members', 'You may not attach an MFA factor to a member that is not active.');
    }
    await this.guard.checkOptionalPrior(project, input, target.member);
    const secret = new Secret({ size: 20 }).base32;
    const issuer = (await this.projects.findById(this.knex, project.id))?.name ?? 'Roster';
    const created = await this.knex.transaction(async (trx) => {
      const member = await this.lockMember(trx, target);
      if (await this.totps.findVerified(trx, project.id, member.id)) throw activeTotpExists();
      await this.totps.retire(trx, project.id, member.id, true);
      const registration = await this.totps.insert(trx, {
        ...this.owner(project, member),
        secret,
        pendingMinutes: input.expiration_minutes ?? TOTP_PENDING_MINUTES,
      });
      const recoveryCodes = await this.recoveryCodes.issue(trx, project, registration);
      return { record: await this.record(trx, target, member), registration, recoveryCodes };
    });
    const uri = new TOTP({ issuer, label: target.member.email, secret: Secret.fromBase32(secret) }).toString();
    return {
      record: created.record,
      registrationId: formatId('member-totp', project.env, created.registration.id),
      secret,
      qrCode: await QRCode.toDataURL(uri),
      recoveryCodes: created.recoveryCodes,
    };
  }

  /** Stytch's totps.migrate: a secret (and recovery codes) from another system, verified at once; ten codes are minted when none are given. */
  async migrate(project: ProjectContext, input: MigrateTotpInput): Promise<MigratedTotp> {
    const target = await this.guard.target(this.knex, project, input.organization_id, input.member_id);
    const secret = input.secret.toUpperCase().replace(/=+$/, '');
    const given = input.recovery_codes && [...new Set(input.recovery_codes.map((c) => c.trim()).filter((c) => c !== ''))];
    const migrated = await this.knex.transaction(async (trx) => {
      const member = await this.lockMember(trx, target);
      if (await this.totps.findVerified(trx, project.id, member.id)) throw activeTotpExists();
      await this.totps.retire(trx, project.id, member.id, true);
      const registration = await this.totps.insert(trx, { ...this.owner(project, member), secret, pendingMinutes: null });
      await this.totps.linkMember(trx, project.id, member.id, registration.id);
      const linked = await this.memberService.patchIn(trx, project, target.organization, member, {}, true);
      const recoveryCodes = await this.recoveryCodes.issue(trx, project, registration, given?.length ? given : undefined);
      return { record: await this.record(trx, target, linked), registration, recoveryCodes };
    });
    return {
      record: migrated.record,
      registrationId: formatId('member-totp', project.env, migrated.registration.id),
      recoveryCodes: migrated.recoveryCodes,
    };
  }

  /**
   * Stytch's totps.authenticate. What can be refused without spending
   * anything is checked first; the code is checked on the pool (a wrong one
   * stays counted though the request fails); its time step is spent in the
   * flow's transaction, with the first success verifying the registration.
   */
  async authenticate(project: ProjectContext, input: AuthenticateTotpInput): Promise<TotpAuthentication> {
    const target = await this.guard.target(this.knex, project, input.organization_id, input.member_id);
    this.guard.requireTotpAllowed(target);
    const code = input.code.trim();
    if (!/^[0-9]{6}$/.test(code)) {
      if (RECOVERY_CODE_SHAPE.test(code.toLowerCase())) {
        throw badRequest('recovery_code_used_as_totp_code', 'That is a recovery code: use it with recovery_codes.recover.');
      }
      throw badRequest('invalid_totp_code', 'code must be the six digits the authenticator app shows.');
    }
    const registration = await this.totps.findLive(this.knex, project.id, target.member.id);
    if (!registration) throw totpNotFound();
    const factor = factors.totp(formatId('member-totp', project.env, registration.id));
    await this.guard.requirePrior(project, input, target.member);

    const step = await this.guard.attempt(project, registration.id, (_trx, row) => {
      const timestamp = Date.now();
      const delta = TOTP.validate({ token: code, secret: Secret.fromBase32(row.secret), window: WINDOW, timestamp });
      if (delta === null) return { ok: false, counts: true, error: cannotAuthenticate() };
      const used = TOTP.counter({ timestamp }) + delta;
      // A replay proves nothing new about the secret: refused, not counted.
      if (row.last_used_step !== null && Number(row.last_used_step) >= used)
        return { ok: false, counts: false, error: alreadyAuthenticated() };
      return { ok: true, value: used };
    });

    const outcome = await this.flow.run(
      project,
      input,
      async (trx) => {
        const member = await this.lockMember(trx, target);
        const spent = await this.totps.spendStep(trx, registration.id, step);
        if (spent === 'gone') throw totpNotFound();
        if (spent === 'replayed') throw alreadyAuthenticated();
        if (!spent.wasVerified) await this.totps.linkMember(trx, project.id, member.id, registration.id);
        const patch: MemberPatch = {};
        // Stytch ignores set_mfa_enrollment where the organization requires MFA of everyone.
        if (target.organization.mfa_policy !== 'REQUIRED_FOR_ALL' && input.set_mfa_enrollment) {
          patch.mfa_enrolled = input.set_mfa_enrollment === 'enroll';
        }
        // A first MFA method becomes the default, as in Stytch; set_default_mfa makes it so whatever came before.
        if (input.set_default_mfa || member.default_mfa_method === '') patch.default_mfa_method = 'totp';
        // Verifying the registration links it to the Member: a change even when the patch changes nothing.
        const updated = await this.memberService.patchIn(trx, project, target.organization, member, patch, !spent.wasVerified);
        return { organization: target.organization, member: updated, factor };
      },
      { requireSession: TotpGuard.primaryFirst },
    );
    return TotpGuard.withSession(outcome);
  }

  /**
   * Stytch's organizations.members.deleteTOTP: the registration and its
   * recovery codes go; sessions holding the factor stay (MFA is asked again
   * at the next login). A member without one is answered as it is.
   */
  async deleteForMember(project: ProjectContext, organizationRef: string, memberRef: string): Promise<MemberRecord> {
    const organization = await this.organizations.resolve(this.knex, project, organizationRef);
    return this.knex.transaction(async (trx) => {
      const found = await this.memberService.resolveLive(trx, project, organization, memberRef);
      const target = { organization, member: found };
      let member = await this.lockMember(trx, target);
      const retired = await this.totps.retire(trx, project.id, member.id, false);
      if (retired) {
        await this.totps.deleteRecoveryCodes(trx, retired);
        await this.totps.linkMember(trx, project.id, member.id, null);
        const patch: MemberPatch = member.default_mfa_method === 'totp' ? { default_mfa_method: '' } : {};
        member = await this.memberService.patchIn(trx, project, organization, member, patch, true);
      }
      return this.record(trx, target, member);
    });
  }

  /** The member, locked for the rest of the transaction: writers of one member's registration run one after another. */
  private async lockMember(trx: Db, { organization, member }: MfaTarget): Promise<MemberModel> {
    const locked = await this.members.findById(trx, organization.id, member.id, true);
    if (!locked || locked.status === 'deleted') throw memberNotFound();
    return locked;
  }

  private owner(project: ProjectContext, member: MemberModel): Pick<TotpRow, 'id' | 'project_id' | 'organization_id' | 'member_id'> {
    return { id: uuidv7(), project_id: project.id, organization_id: member.organization_id, member_id: member.id };
  }

  private async record(db: Db, { organization }: MfaTarget, member: MemberModel): Promise<MemberRecord> {
    return this.memberService.record(db, member, organization);
  }
}
