import type { Db } from './db';

export type OtpChannel = 'email' | 'sms';

export interface OtpCodeRow {
  id: string;
  project_id: string;
  organization_id: string | null;
  member_id: string | null;
  channel: OtpChannel;
  destination: string;
  email_id: string | null;
  attempts: number;
  expires_at: Date;
  used_at: Date | null;
}

/** Where a code went: the project, the channel and address, and the organization it is for (null: discovery). */
export interface OtpTarget {
  project_id: string;
  channel: OtpChannel;
  destination: string;
  organization_id: string | null;
}

export class OtpCodeRepository {
  /** Mints a code, voiding the live ones sent before to the same address for the same organization: only the newest works. */
  async mint(
    db: Db,
    row: OtpTarget & { id: string; member_id: string | null; email_id: string | null; code_hash: Buffer; minutes: number },
  ): Promise<void> {
    const { minutes, ...fields } = row;
    await db.raw(
      `WITH voided AS (
         UPDATE otp_codes SET used_at = now()
          WHERE project_id = ? AND channel = ? AND destination = ? AND organization_id IS NOT DISTINCT FROM ?::uuid AND used_at IS NULL)
       INSERT INTO otp_codes (id, project_id, organization_id, member_id, channel, destination, email_id, code_hash, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, now() + make_interval(mins => ?))`,
      [
        row.project_id,
        row.channel,
        row.destination,
        row.organization_id,
        fields.id,
        fields.project_id,
        fields.organization_id,
        fields.member_id,
        fields.channel,
        fields.destination,
        fields.email_id,
        fields.code_hash,
        minutes,
      ],
    );
  }

  /**
   * One guess at the newest live code for a target, in one statement: the
   * guess is counted, and the code is spent when it matches or when this was
   * its last allowed guess. Returns the code and whether it matched, or
   * undefined when no live code exists.
   */
  async guess(db: Db, target: OtpTarget, codeHash: Buffer, maxAttempts: number): Promise<(OtpCodeRow & { matched: boolean }) | undefined> {
    const { rows } = await db.raw(
      `WITH target AS (
         SELECT id FROM otp_codes
          WHERE project_id = ? AND channel = ? AND destination = ? AND organization_id IS NOT DISTINCT FROM ?::uuid
            AND used_at IS NULL AND expires_at > now()
          ORDER BY created_at DESC LIMIT 1
          FOR UPDATE)
       UPDATE otp_codes o
          SET attempts = o.attempts + 1,
              used_at = CASE WHEN o.code_hash = ? OR o.attempts + 1 >= ? THEN now() END
         FROM target WHERE o.id = target.id
       RETURNING o.id, o.project_id, o.organization_id, o.member_id, o.channel, o.destination, o.email_id, o.attempts,
                 o.expires_at, o.used_at, o.code_hash = ? AS matched`,
      [target.project_id, target.channel, target.destination, target.organization_id, codeHash, maxAttempts, codeHash],
    );
    return rows[0];
  }

  /** How many codes went to an address in the last `seconds` (the per-address send limit). */
  async sentSince(db: Db, projectId: string, channel: OtpChannel, destination: string, seconds: number): Promise<number> {
    const [{ count }] = await db('otp_codes')
      .where({ project_id: projectId, channel, destination })
      .where('created_at', '>', db.raw('now() - make_interval(secs => ?)', [seconds]))
      .count<{ count: string }[]>('* as count');
    return Number(count);
  }
}
