import type { Db } from './db';

/**
 * Tables of single-use or expiring credentials: the key a batch deletes by,
 * and the column that marks a row spent before it expires (none: only expiry counts).
 */
export const PURGEABLE = {
  magic_link_tokens: { key: ['id'], spent: 'used_at' },
  otp_codes: { key: ['id'], spent: 'used_at' },
  member_sessions: { key: ['id'], spent: 'revoked_at' },
  intermediate_sessions: { key: ['id'], spent: 'used_at' },
  sso_flows: { key: ['id'], spent: 'used_at' },
  sso_tokens: { key: ['id'], spent: 'used_at' },
  // Replay protection needs an assertion id until its assertion expires, consumed or not.
  saml_assertion_ids: { key: ['connection_id', 'assertion_id'], spent: null },
} as const;
export type PurgeableTable = keyof typeof PURGEABLE;

/**
 * The scheduled clean-ups' SQL. Deletes go a batch at a time (a key
 * subselect with a LIMIT), so that a backlog of millions never becomes one
 * long transaction holding locks and bloating WAL.
 */
export class MaintenanceRepository {
  /** Deletes up to `limit` rows of `table` spent or expired more than `retentionSeconds` ago; answers how many went. */
  async purgeBatch(db: Db, table: PurgeableTable, retentionSeconds: number, limit: number): Promise<number> {
    const { key, spent } = PURGEABLE[table];
    const columns = key.join(', ');
    const dead = ['expires_at', ...(spent ? [spent] : [])].map((column) => `${column} < now() - make_interval(secs => :retention)`);
    const { rowCount } = await db.raw(
      `DELETE FROM ${table} WHERE (${columns}) IN (
         SELECT ${columns} FROM ${table} WHERE ${dead.join(' OR ')} LIMIT :limit)`,
      { retention: retentionSeconds, limit },
    );
    return rowCount ?? 0;
  }

  /** Deletes up to `limit` invite links that expired unused; answers how many went. */
  async voidExpiredInvitesBatch(db: Db, limit: number): Promise<number> {
    const { rowCount } = await db.raw(
      `DELETE FROM magic_link_tokens WHERE id IN (
         SELECT id FROM magic_link_tokens WHERE kind = 'invite' AND used_at IS NULL AND expires_at < now() LIMIT ?)`,
      [limit],
    );
    return rowCount ?? 0;
  }

  /** Invited members holding no invite link that can still be used: they wait for a new invite. */
  async countInvitedWithoutLiveInvite(db: Db): Promise<number> {
    const { rows } = await db.raw(
      `SELECT count(*) AS n FROM members m
        WHERE m.status = 'invited'
          AND NOT EXISTS (SELECT 1 FROM magic_link_tokens t
                           WHERE t.member_id = m.id AND t.kind = 'invite' AND t.used_at IS NULL AND t.expires_at > now())`,
    );
    return Number(rows[0].n);
  }
}
