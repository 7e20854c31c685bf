import { ProjectModel } from '../models/project.model';
import type { Db } from './db';

export class ProjectRepository {
  async findById(db: Db, id: string): Promise<ProjectModel | undefined> {
    return ProjectModel.query(db).findById(id);
  }

  async insert(db: Db, row: Pick<ProjectModel, 'id' | 'env' | 'name' | 'secret_hash' | 'redirect_urls'>): Promise<ProjectModel> {
    return ProjectModel.query(db).insert(row).returning('*');
  }

  /** Creates the project or resets its secret and redirect URLs (boot-time bootstrap). */
  async upsert(db: Db, row: Pick<ProjectModel, 'id' | 'env' | 'name' | 'secret_hash' | 'redirect_urls'>): Promise<void> {
    await db('projects')
      .insert(row)
      .onConflict('id')
      .merge({ secret_hash: row.secret_hash, redirect_urls: row.redirect_urls, updated_at: db.fn.now() });
  }
}
