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
}
