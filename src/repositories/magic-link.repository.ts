import type { Db } from './db';

export interface MagicLinkTokenRow {
  id: string;
  project_id: string;
  organization_id: string;
  member_id: string;
  email_id: string;
  kind: 'invite' | 'login' | 'signup';
  pkce_code_challenge: string | null;
  expires_at: Date;
  used_at: Date | null;
}

export class MagicLinkRepository {
  /** The email's token, replacing any earlier one (a retried send must not leave two live links). */
  async replaceForEmail(db: Db, row: Omit<MagicLinkTokenRow, 'used_at' | 'expires_at'> & { token_hash: Buffer; expires_in_minutes: number }): Promise<void> {
    const { expires_in_minutes, ...fields } = row;
    await db('magic_link_tokens').where({ email_id: row.email_id }).whereNull('used_at').delete();
    await db('magic_link_tokens').insert({ ...fields, expires_at: db.raw('now() + make_interval(mins => ?)', [expires_in_minutes]) });
  }

  async findByHash(db: Db, projectId: string, tokenHash: Buffer): Promise<MagicLinkTokenRow | undefined> {
    return db('magic_link_tokens').where({ project_id: projectId, token_hash: tokenHash }).first();
  }

  /** Spends a token: true for exactly one caller, however many redeem it at once. */
  async consume(db: Db, id: string): Promise<boolean> {
    const count = await db('magic_link_tokens').where({ id }).whereNull('used_at').where('expires_at', '>', db.fn.now()).update({ used_at: db.fn.now() });
    return count > 0;
  }

  /** Voids a member's outstanding links (the member was deleted or merged away). */
  async voidForMember(db: Db, memberId: string): Promise<void> {
    await db('magic_link_tokens').where({ member_id: memberId }).whereNull('used_at').delete();
  }
}
