import type { Knex } from 'knex';
import type { Db } from './db';

export interface MagicLinkTokenRow {
  id: string;
  project_id: string;
  /** Null for a discovery link, which proves an address before any organization is chosen. */
  organization_id: string | null;
  member_id: string | null;
  email_id: string;
  kind: 'invite' | 'login' | 'signup' | 'discovery';
  email_normalized: string;
  pkce_code_challenge: string | null;
  expires_at: Date;
  used_at: Date | null;
}

export class MagicLinkRepository {
  /**
   * The emails' tokens, replacing earlier ones (a retried send must not
   * leave two live links), with each attempt counted — one statement.
   */
  async mintForEmails(
    db: Db,
    rows: (Omit<MagicLinkTokenRow, 'used_at' | 'expires_at'> & { token_hash: Buffer; expires_in_minutes: number })[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const col = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((r) => r[key]) as unknown as Knex.RawBinding;
    await db.raw(
      `WITH replaced AS (DELETE FROM magic_link_tokens WHERE email_id = ANY(?::uuid[]) AND used_at IS NULL),
            counted AS (UPDATE emails SET attempts = attempts + 1 WHERE id = ANY(?::uuid[]))
       INSERT INTO magic_link_tokens (id, project_id, organization_id, member_id, email_id, kind, email_normalized, token_hash, pkce_code_challenge, expires_at)
       SELECT id, project_id, organization_id, member_id, email_id, kind, email_normalized, token_hash, pkce_code_challenge, now() + make_interval(mins => minutes)
       FROM unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::bytea[], ?::text[], ?::int[])
         AS t(id, project_id, organization_id, member_id, email_id, kind, email_normalized, token_hash, pkce_code_challenge, minutes)`,
      [
        col('email_id'),
        col('email_id'),
        col('id'),
        col('project_id'),
        col('organization_id'),
        col('member_id'),
        col('email_id'),
        col('kind'),
        col('email_normalized'),
        col('token_hash'),
        col('pkce_code_challenge'),
        col('expires_in_minutes'),
      ],
    );
  }

  async findByHash(db: Db, projectId: string, tokenHash: Buffer): Promise<MagicLinkTokenRow | undefined> {
    return db('magic_link_tokens').where({ project_id: projectId, token_hash: tokenHash }).first();
  }

  /** Spends a token: true for exactly one caller, however many redeem it at once. */
  async consume(db: Db, id: string): Promise<boolean> {
    const count = await db('magic_link_tokens')
      .where({ id })
      .whereNull('used_at')
      .where('expires_at', '>', db.fn.now())
      .update({ used_at: db.fn.now() });
    return count > 0;
  }

  /** Voids a member's outstanding links (the member was deleted, merged away, or changed its email). */
  async voidForMember(db: Db, memberId: string): Promise<void> {
    await db('magic_link_tokens').where({ member_id: memberId }).whereNull('used_at').delete();
  }
}
