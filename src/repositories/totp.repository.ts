import type { Db } from './db';

export interface TotpRow {
  id: string;
  project_id: string;
  organization_id: string;
  member_id: string;
  /** Base32. Readable on purpose: verifying a TOTP code needs the key, a hash of it cannot. */
  secret: string;
  verified_at: Date | null;
  expires_at: Date | null;
  /** The newest time step a code was accepted for (bigint, read as a string by pg). */
  last_used_step: string | null;
  failed_attempts: number;
  locked_until: Date | null;
  created_at: Date;
}

/** A registration as an attempt sees it, its row locked: whether it is locked out now (by the database's clock). */
export interface TotpAttemptRow extends TotpRow {
  locked: boolean;
}

export interface NewTotp {
  id: string;
  project_id: string;
  organization_id: string;
  member_id: string;
  secret: string;
  /** Null: verified at once (migrated); otherwise pending for this many minutes. */
  pendingMinutes: number | null;
}

export interface NewRecoveryCode {
  id: string;
  position: number;
  code_hash: Buffer;
  code_sealed: Buffer;
}

/** Live: not deleted, and verified or still within its time to be verified. */
const LIVE = 'deleted_at IS NULL AND (verified_at IS NOT NULL OR expires_at > now())';

/**
 * A member's TOTP registration and its recovery codes. Queries name the
 * project and the member; a member has at most one registration that is
 * not deleted (a unique partial index).
 */
export class TotpRepository {
  async insert(db: Db, row: NewTotp): Promise<TotpRow> {
    const { pendingMinutes, ...fields } = row;
    const [inserted] = await db('member_totps')
      .insert({
        ...fields,
        verified_at: pendingMinutes === null ? db.fn.now() : null,
        expires_at: pendingMinutes === null ? null : db.raw('now() + make_interval(mins => ?)', [pendingMinutes]),
      })
      .returning('*');
    return inserted;
  }

  /** The member's live registration (pending or verified), if any. */
  async findLive(db: Db, projectId: string, memberId: string): Promise<TotpRow | undefined> {
    return db('member_totps').where({ project_id: projectId, member_id: memberId }).whereRaw(LIVE).first();
  }

  /** The member's verified registration, if any. */
  async findVerified(db: Db, projectId: string, memberId: string, forUpdate = false): Promise<TotpRow | undefined> {
    const query = db('member_totps')
      .where({ project_id: projectId, member_id: memberId })
      .whereNull('deleted_at')
      .whereNotNull('verified_at')
      .first();
    return forUpdate ? query.forUpdate() : query;
  }

  /**
   * Deletes the member's registration that is not deleted yet (only a
   * pending one when `pendingOnly`, so that a new one may take its place);
   * returns its id, if there was one.
   */
  async retire(db: Db, projectId: string, memberId: string, pendingOnly: boolean): Promise<string | undefined> {
    const query = db('member_totps').where({ project_id: projectId, member_id: memberId }).whereNull('deleted_at');
    if (pendingOnly) query.whereNull('verified_at');
    const [row] = await query.update({ deleted_at: db.fn.now() }).returning('id');
    return row?.id;
  }

  /** Locks a live registration for one attempt (a code checked, the outcome counted). */
  async lockForAttempt(db: Db, projectId: string, id: string): Promise<TotpAttemptRow | undefined> {
    return db('member_totps')
      .select('*', db.raw('coalesce(locked_until > now(), false) AS locked'))
      .where({ project_id: projectId, id })
      .whereRaw(LIVE)
      .forUpdate()
      .first();
  }

  /**
   * Counts a wrong code: the count starts again once an earlier lock has
   * passed, and reaching `maxFailures` locks the registration for `lockMinutes`.
   */
  async recordFailure(db: Db, row: TotpAttemptRow, maxFailures: number, lockMinutes: number): Promise<{ locked: boolean }> {
    const failures = (row.locked_until === null ? row.failed_attempts : 0) + 1;
    const locked = failures >= maxFailures;
    await db('member_totps')
      .where({ id: row.id })
      .update({
        failed_attempts: locked ? 0 : failures,
        locked_until: locked ? db.raw('now() + make_interval(mins => ?)', [lockMinutes]) : null,
      });
    return { locked };
  }

  /**
   * Spends a time step in the caller's transaction, the row locked: only
   * when the registration is still live and no code of this step or a later
   * one was accepted (so, of concurrent attempts with one code, one wins).
   * The first success verifies a pending registration; any success clears
   * the count of wrong codes.
   */
  async spendStep(db: Db, id: string, step: number): Promise<'gone' | 'replayed' | { wasVerified: boolean }> {
    const row: TotpRow | undefined = await db('member_totps').where({ id }).whereRaw(LIVE).forUpdate().first();
    if (!row) return 'gone';
    if (row.last_used_step !== null && Number(row.last_used_step) >= step) return 'replayed';
    await db('member_totps')
      .where({ id })
      .update({
        last_used_step: step,
        failed_attempts: 0,
        locked_until: null,
        verified_at: row.verified_at ?? db.fn.now(),
        expires_at: null,
      });
    return { wasVerified: row.verified_at !== null };
  }

  /** Clears the count of wrong codes after a success that spent no time step (a recovery code). */
  async clearFailures(db: Db, id: string): Promise<void> {
    await db('member_totps').where({ id }).update({ failed_attempts: 0, locked_until: null });
  }

  /** Stytch's Member.totp_registration_id: the member's verified registration, or null. */
  async linkMember(db: Db, projectId: string, memberId: string, totpId: string | null): Promise<void> {
    await db('members').where({ project_id: projectId, id: memberId }).update({ totp_registration_id: totpId });
  }

  async insertRecoveryCodes(db: Db, projectId: string, totpId: string, codes: NewRecoveryCode[]): Promise<void> {
    if (codes.length === 0) return;
    await db('totp_recovery_codes').insert(codes.map((code) => ({ ...code, project_id: projectId, totp_id: totpId })));
  }

  /** Removes a registration's recovery codes (rotated or deleted with it). */
  async deleteRecoveryCodes(db: Db, totpId: string): Promise<void> {
    await db('totp_recovery_codes').where({ totp_id: totpId }).delete();
  }

  /** The unused codes, sealed, in the order they were issued. */
  async unusedRecoveryCodes(db: Db, totpId: string): Promise<{ id: string; code_sealed: Buffer }[]> {
    return db('totp_recovery_codes').select('id', 'code_sealed').where({ totp_id: totpId }).whereNull('used_at').orderBy('position');
  }

  async findRecoveryCode(db: Db, totpId: string, codeHash: Buffer): Promise<{ id: string; used_at: Date | null } | undefined> {
    return db('totp_recovery_codes').select('id', 'used_at').where({ totp_id: totpId, code_hash: codeHash }).first();
  }

  /** Spends a recovery code in the caller's transaction; of concurrent spenders, one gets true. */
  async spendRecoveryCode(db: Db, id: string): Promise<boolean> {
    const spent = await db('totp_recovery_codes').where({ id }).whereNull('used_at').update({ used_at: db.fn.now() });
    return spent === 1;
  }

  async countUnusedRecoveryCodes(db: Db, totpId: string): Promise<number> {
    const [{ count }] = await db('totp_recovery_codes')
      .where({ totp_id: totpId })
      .whereNull('used_at')
      .count<{ count: string }[]>('* as count');
    return Number(count);
  }
}
