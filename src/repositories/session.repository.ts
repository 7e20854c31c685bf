import type { Db } from './db';

export interface AuthenticationFactor {
  type: string;
  delivery_method: string;
  last_authenticated_at: string;
  email_factor?: { email_id: string; email_address: string };
}

export interface SessionRow {
  id: string;
  project_id: string;
  organization_id: string;
  member_id: string;
  authentication_factors: AuthenticationFactor[];
  custom_claims: Record<string, unknown>;
  started_at: Date;
  last_accessed_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface SigningKeyRow {
  kid: string;
  project_id: string;
  private_jwk: Record<string, unknown>;
  public_jwk: Record<string, unknown>;
  created_at: Date;
  retired_at: Date | null;
}

/** Member sessions, intermediate sessions and the keys that sign session JWTs. */
export class SessionRepository {
  async insert(db: Db, row: Omit<SessionRow, 'started_at' | 'last_accessed_at' | 'revoked_at' | 'expires_at'> & { token_hash: Buffer; duration_minutes: number }): Promise<SessionRow> {
    const { duration_minutes, ...fields } = row;
    const [session] = await db('member_sessions')
      .insert({
        ...fields,
        authentication_factors: JSON.stringify(fields.authentication_factors),
        custom_claims: JSON.stringify(fields.custom_claims),
        expires_at: db.raw('now() + make_interval(mins => ?)', [duration_minutes]),
      })
      .returning('*');
    return session;
  }

  private live(db: Db, id: string) {
    return db('member_sessions').where({ id }).whereNull('revoked_at').where('expires_at', '>', db.fn.now());
  }

  /** A live (unrevoked, unexpired) session of the project. */
  async findLive(db: Db, projectId: string, where: { id?: string; token_hash?: Buffer }): Promise<SessionRow | undefined> {
    return db('member_sessions')
      .where({ project_id: projectId, ...where })
      .whereNull('revoked_at')
      .where('expires_at', '>', db.fn.now())
      .first();
  }

  async listLive(db: Db, projectId: string, memberId: string): Promise<SessionRow[]> {
    return db('member_sessions')
      .where({ project_id: projectId, member_id: memberId })
      .whereNull('revoked_at')
      .where('expires_at', '>', db.fn.now())
      .orderBy('started_at');
  }

  /**
   * Touches a session that is still live (a revoke that won the race leaves
   * nothing to touch: undefined); a duration moves its expiry to that many minutes from now.
   */
  async touch(db: Db, id: string, durationMinutes: number | undefined, customClaims: Record<string, unknown> | undefined): Promise<SessionRow | undefined> {
    const [session] = await this.live(db, id)
      .update({
        last_accessed_at: db.fn.now(),
        ...(durationMinutes !== undefined ? { expires_at: db.raw('now() + make_interval(mins => ?)', [durationMinutes]) } : {}),
        ...(customClaims !== undefined ? { custom_claims: JSON.stringify(customClaims) } : {}),
      })
      .returning('*');
    return session;
  }

  /** Records one more factor on a live session (replacing an earlier one of the same kind) and touches it. */
  async addFactor(
    db: Db,
    id: string,
    factors: AuthenticationFactor[],
    durationMinutes: number | undefined,
    customClaims: Record<string, unknown> | undefined,
  ): Promise<SessionRow | undefined> {
    const [session] = await this.live(db, id)
      .update({
        authentication_factors: JSON.stringify(factors),
        last_accessed_at: db.fn.now(),
        ...(durationMinutes !== undefined ? { expires_at: db.raw('now() + make_interval(mins => ?)', [durationMinutes]) } : {}),
        ...(customClaims !== undefined ? { custom_claims: JSON.stringify(customClaims) } : {}),
      })
      .returning('*');
    return session;
  }

  async revoke(db: Db, projectId: string, where: { id?: string; member_id?: string }): Promise<number> {
    return db('member_sessions').where({ project_id: projectId, ...where }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
  }

  async insertIntermediate(db: Db, row: { id: string; project_id: string; organization_id: string; member_id: string; token_hash: Buffer; authentication_factors: AuthenticationFactor[]; minutes: number }): Promise<Date> {
    const { minutes, ...fields } = row;
    const [{ expires_at }] = await db('intermediate_sessions')
      .insert({ ...fields, authentication_factors: JSON.stringify(fields.authentication_factors), expires_at: db.raw('now() + make_interval(mins => ?)', [minutes]) })
      .returning('expires_at');
    return expires_at;
  }

  async activeKey(db: Db, projectId: string): Promise<SigningKeyRow | undefined> {
    return db('signing_keys').where({ project_id: projectId }).whereNull('retired_at').first();
  }

  async insertKey(db: Db, row: Omit<SigningKeyRow, 'created_at' | 'retired_at'>): Promise<void> {
    await db('signing_keys').insert(row).onConflict(db.raw('(project_id) WHERE retired_at IS NULL')).ignore();
  }

  /** The keys whose signatures may still be in use: the active one and those retired within `graceSeconds`. */
  async publishedKeys(db: Db, projectId: string, graceSeconds: number): Promise<SigningKeyRow[]> {
    return db('signing_keys')
      .where({ project_id: projectId })
      .where((q) => q.whereNull('retired_at').orWhere('retired_at', '>', db.raw('now() - make_interval(secs => ?)', [graceSeconds])))
      .orderBy('created_at', 'desc');
  }

  async findKey(db: Db, kid: string): Promise<SigningKeyRow | undefined> {
    return db('signing_keys').where({ kid }).first();
  }

  /** Retires active keys older than `maxAgeSeconds`; returns the projects that need a new one. */
  async retireOld(db: Db, maxAgeSeconds: number): Promise<string[]> {
    const rows = await db('signing_keys')
      .whereNull('retired_at')
      .where('created_at', '<', db.raw('now() - make_interval(secs => ?)', [maxAgeSeconds]))
      .update({ retired_at: db.fn.now() })
      .returning('project_id');
    return rows.map((r: { project_id: string }) => r.project_id);
  }

  async deleteRetired(db: Db, olderThanSeconds: number): Promise<number> {
    return db('signing_keys').whereNotNull('retired_at').where('retired_at', '<', db.raw('now() - make_interval(secs => ?)', [olderThanSeconds])).delete();
  }
}
