import type { ProjectEnv } from '../ids';
import type { Db } from './db';

export interface PublicTokenRow {
  id: string;
  project_id: string;
  created_at: Date;
  revoked_at: Date | null;
}

/** A project's public tokens (project_public_tokens). */
export class PublicTokenRepository {
  /** Whether the project exists with this env (a public id names both). */
  async projectExists(db: Db, projectId: string, env: ProjectEnv): Promise<boolean> {
    return (await db('projects').where({ id: projectId, env }).first('id')) !== undefined;
  }

  async insert(db: Db, row: Pick<PublicTokenRow, 'id' | 'project_id'>): Promise<PublicTokenRow> {
    const [inserted] = await db('project_public_tokens').insert(row).returning('*');
    return inserted;
  }

  async listByProject(db: Db, projectId: string): Promise<PublicTokenRow[]> {
    return db('project_public_tokens').where({ project_id: projectId }).orderBy('id');
  }

  /**
   * Revokes a token of a project of this env in one statement; a token
   * revoked already keeps its first revocation time (concurrent revokes
   * agree on it). Undefined when there is no such token.
   */
  async revoke(db: Db, tokenId: string, env: ProjectEnv): Promise<PublicTokenRow | undefined> {
    const { rows } = await db.raw(
      `UPDATE project_public_tokens t SET revoked_at = coalesce(t.revoked_at, now())
         FROM projects p WHERE t.id = ? AND p.id = t.project_id AND p.env = ? RETURNING t.*`,
      [tokenId, env],
    );
    return rows[0];
  }
}
