import type { ProjectEnv } from '../ids';
import type { Db } from './db';

export interface ScimConnectionRow {
  id: string;
  project_id: string;
  organization_id: string;
  display_name: string;
  identity_provider: string;
  status: string;
  bearer_token_hash: Buffer;
  bearer_token_last_four: string;
  bearer_token_expires_at: Date | null;
  next_bearer_token_hash: Buffer | null;
  next_bearer_token_last_four: string;
  next_bearer_token_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A connection as a SCIM request meets it: with its project's env, for public ids. */
export interface ScimConnectionWithProject extends ScimConnectionRow {
  project_env: ProjectEnv;
}

export class ScimConnectionRepository {
  /**
   * The connection a bearer token opens: its current token (unless expired)
   * or, during a rotation, the next one. One indexed lookup per SCIM request.
   */
  async findByTokenHash(db: Db, tokenHash: Buffer): Promise<ScimConnectionWithProject | undefined> {
    return db('scim_connections as c')
      .join('projects as p', 'p.id', 'c.project_id')
      .select('c.*', 'p.env as project_env')
      .where((q) =>
        q
          .where('c.bearer_token_hash', tokenHash)
          .andWhere((e) => e.whereNull('c.bearer_token_expires_at').orWhere('c.bearer_token_expires_at', '>', db.fn.now())),
      )
      .orWhere((q) =>
        q
          .where('c.next_bearer_token_hash', tokenHash)
          .andWhere((e) => e.whereNull('c.next_bearer_token_expires_at').orWhere('c.next_bearer_token_expires_at', '>', db.fn.now())),
      )
      .first();
  }
}
