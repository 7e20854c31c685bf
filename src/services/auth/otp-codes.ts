import { randomInt } from 'node:crypto';
import { AppError } from '../../errors';
import { uuidv7 } from '../../ids';
import type { Db } from '../../repositories/db';
import type { OtpCodeRepository, OtpCodeRow, OtpTarget } from '../../repositories/otp-code.repository';
import { hashSecret } from '../../secrets';

/** Stytch's default lifetime of a one-time passcode. */
export const OTP_EXPIRATION_MINUTES = 10;
/** Wrong guesses a code survives: after this many it is void, so six digits cannot be walked. */
export const OTP_MAX_ATTEMPTS = 5;

const codeNotFound = () =>
  new AppError('otp_code_not_found', 404, 'The passcode is wrong, expired, already used, or was guessed at too many times.');

/** The hash of a code as stored: codes are short, so each is salted with where it went. */
const hashCode = (target: OtpTarget, code: string) =>
  hashSecret(`${target.project_id}:${target.channel}:${target.destination}:${target.organization_id ?? ''}:${code}`);

/**
 * Six-digit one-time passcodes for email and SMS: minted when they are sent
 * (by the worker, so a code exists only once it is on its way), hashed,
 * single-use, newest-only, and void after OTP_MAX_ATTEMPTS wrong guesses.
 */
export class OtpCodes {
  constructor(private readonly codes: OtpCodeRepository) {}

  /** Mints a code for a target; returns it in clear, to be sent and forgotten. */
  async mint(
    db: Db,
    target: OtpTarget,
    holder: { memberId?: string | null; emailId?: string | null },
    minutes = OTP_EXPIRATION_MINUTES,
  ): Promise<string> {
    const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
    await this.codes.mint(db, {
      ...target,
      id: uuidv7(),
      member_id: holder.memberId ?? null,
      email_id: holder.emailId ?? null,
      code_hash: hashCode(target, code),
      minutes,
    });
    return code;
  }

  /**
   * Redeems a code, or throws otp_code_not_found. Run it on the pool, not in
   * the caller's transaction: a wrong guess must stay counted even though the
   * request fails, and a right one is spent whatever happens next.
   */
  async redeem(db: Db, target: OtpTarget, code: string): Promise<OtpCodeRow> {
    const guessed = await this.codes.guess(db, target, hashCode(target, code), OTP_MAX_ATTEMPTS);
    if (!guessed?.matched) throw codeNotFound();
    return guessed;
  }

  /** How many codes went to an address in the last `seconds`. */
  async sentSince(db: Db, target: Omit<OtpTarget, 'organization_id'>, seconds: number): Promise<number> {
    return this.codes.sentSince(db, target.project_id, target.channel, target.destination, seconds);
  }
}
