import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import type { MemberRefInput, RecoverInput } from '../../contracts/recovery-codes';
import { AppError, badRequest, memberNotFound } from '../../errors';
import { formatId, uuidv7 } from '../../ids';
import type { Db } from '../../repositories/db';
import type { MemberRepository } from '../../repositories/member.repository';
import type { TotpRepository, TotpRow } from '../../repositories/totp.repository';
import { hashSecret } from '../../secrets';
import type { AuthenticationFlow, AuthOutcome } from '../auth/authentication-flow';
import { factors } from '../auth/factors';
import type { MemberRecord, MemberService } from '../member.service';
import type { ProjectContext } from '../project-context';
import { noRecoveryFactor, TotpGuard } from './totp-guard';

/** Stytch issues ten recovery codes with a TOTP registration. */
export const RECOVERY_CODE_COUNT = 10;

/** Roster's recovery codes: three groups of four base32 letters (60 random bits), e.g. `k2fq-7xma-pd4c`. */
export const RECOVERY_CODE_SHAPE = /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

const mintCode = () =>
  Array.from({ length: 3 }, () => Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')).join('-');

/** Codes are looked up by hash, salted with their registration (equal codes of two members never collide). */
const hashCode = (totpId: string, code: string) => hashSecret(`${totpId}:${code}`);

/**
 * Stytch's recovery_codes.get shows a member's codes again, so a hash alone
 * cannot do: each code is also sealed (AES-256-GCM) under a key derived from
 * its registration's TOTP secret. That secret must stay readable (a TOTP code
 * is verified with it), so the codes are exactly as readable as it is — a
 * copy of the codes table alone reveals none.
 */
function sealingKey(registration: Pick<TotpRow, 'id' | 'secret'>): Buffer {
  return Buffer.from(hkdfSync('sha256', registration.secret, registration.id, 'roster totp recovery codes', 32));
}

function seal(key: Buffer, code: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(code, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
}

function unseal(key: Buffer, sealed: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
}

const cannotRecover = (why: string) =>
  new AppError('unable_to_authenticate_recovery_code', 401, `The recovery code cannot be used: ${why}.`);

export interface Recovery extends AuthOutcome {
  session: NonNullable<AuthOutcome['session']>;
  remaining: number;
}

/**
 * A TOTP registration's recovery codes: single-use stand-ins for its codes
 * (Stytch's recovery_codes.*). They work once the registration is verified;
 * wrong ones count toward the registration's lock like wrong TOTP codes.
 */
export class RecoveryCodes {
  constructor(
    private readonly knex: Knex,
    private readonly totps: TotpRepository,
    private readonly members: MemberRepository,
    private readonly memberService: MemberService,
    private readonly guard: TotpGuard,
    private readonly flow: AuthenticationFlow,
  ) {}

  /**
   * In the caller's transaction: stores a registration's codes (those given,
   * as imported by totps.migrate, or ten new ones) and returns them in clear.
   */
  async issue(trx: Db, project: ProjectContext, registration: Pick<TotpRow, 'id' | 'secret'>, given?: string[]): Promise<string[]> {
    const codes = given ?? Array.from({ length: RECOVERY_CODE_COUNT }, mintCode);
    const key = sealingKey(registration);
    await this.totps.insertRecoveryCodes(
      trx,
      project.id,
      registration.id,
      codes.map((code, position) => ({ id: uuidv7(), position, code_hash: hashCode(registration.id, code), code_sealed: seal(key, code) })),
    );
    return codes;
  }

  /** Stytch's recovery_codes.get: the unused codes of the member's verified registration. */
  async get(project: ProjectContext, input: MemberRefInput): Promise<{ record: MemberRecord; codes: string[] }> {
    const target = await this.guard.target(this.knex, project, input.organization_id, input.member_id);
    const registration = await this.guard.verified(this.knex, project, target.member);
    const key = sealingKey(registration);
    const codes = (await this.totps.unusedRecoveryCodes(this.knex, registration.id)).map((row) => unseal(key, row.code_sealed));
    return { record: await this.memberService.record(this.knex, target.member, target.organization), codes };
  }

  /** Stytch's recovery_codes.rotate: ten new codes; the old ones stop working in the same transaction. */
  async rotate(project: ProjectContext, input: MemberRefInput): Promise<{ record: MemberRecord; codes: string[] }> {
    const target = await this.guard.target(this.knex, project, input.organization_id, input.member_id);
    return this.knex.transaction(async (trx) => {
      // Locked: concurrent rotations run one after another, and the last one's codes are the set.
      const registration = await this.totps.findVerified(trx, project.id, target.member.id, true);
      if (!registration) throw noRecoveryFactor();
      await this.totps.deleteRecoveryCodes(trx, registration.id);
      const codes = await this.issue(trx, project, registration);
      return { record: await this.memberService.record(trx, target.member, target.organization), codes };
    });
  }

  /**
   * Stytch's recovery_codes.recover. What can be refused without spending
   * anything is checked first; the code is checked on the pool (a wrong one
   * stays counted though the request fails), and spent in the flow's
   * transaction, so it is used up only by the session it earns.
   */
  async recover(project: ProjectContext, input: RecoverInput): Promise<Recovery> {
    const target = await this.guard.target(this.knex, project, input.organization_id, input.member_id);
    this.guard.requireTotpAllowed(target);
    const code = input.recovery_code.trim();
    if (/^[0-9]{6}$/.test(code)) {
      throw badRequest('totp_code_used_as_recovery_code', 'That is a TOTP code: authenticate it with totps.authenticate.');
    }
    const registration = await this.guard.verified(this.knex, project, target.member);
    await this.guard.requirePrior(project, input, target.member);

    const codeId = await this.guard.attempt(project, registration.id, async (trx, row) => {
      if (row.verified_at === null) return { ok: false, counts: false, error: cannotRecover('the TOTP registration is not verified') };
      const found = await this.totps.findRecoveryCode(trx, row.id, hashCode(row.id, code));
      if (!found) return { ok: false, counts: true, error: cannotRecover('it is not one of the member’s recovery codes') };
      if (found.used_at) return { ok: false, counts: false, error: cannotRecover('it was already used') };
      return { ok: true, value: found.id };
    });

    let remaining = 0;
    const outcome = await this.flow.run(
      project,
      input,
      async (trx) => {
        const member = await this.members.findById(trx, target.organization.id, target.member.id, true);
        if (!member || member.status === 'deleted') throw memberNotFound();
        // Of concurrent recoveries with one code, one spends it; a rotation or deletion meanwhile leaves nothing to spend.
        if (!(await this.totps.spendRecoveryCode(trx, codeId))) throw cannotRecover('it was already used');
        await this.totps.clearFailures(trx, registration.id);
        remaining = await this.totps.countUnusedRecoveryCodes(trx, registration.id);
        return { organization: target.organization, member, factor: factors.recoveryCode(formatId('recovery-code', project.env, codeId)) };
      },
      { requireSession: TotpGuard.primaryFirst },
    );
    return { ...TotpGuard.withSession(outcome), remaining };
  }
}
