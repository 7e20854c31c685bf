import { ProjectModel } from '../models/project.model';
import type { Db } from './db';

type ProjectRow = Pick<ProjectModel, 'id' | 'env' | 'name' | 'secret_hash' | 'redirect_urls'>;

export class ProjectRepository {
  async findById(db: Db, id: string): Promise<ProjectModel | undefined> {
    return ProjectModel.query(db).findById(id);
  }

  /** Locks the row, so that read-modify-write changes (a redirect URL added and one removed at once) never lose each other. */
  async findByIdForUpdate(db: Db, id: string): Promise<ProjectModel | undefined> {
    return ProjectModel.query(db).findById(id).forUpdate();
  }

  /** Every project, oldest first (there are few: one per application). */
  async list(db: Db): Promise<ProjectModel[]> {
    return ProjectModel.query(db).orderBy([{ column: 'created_at' }, { column: 'id' }]);
  }

  async insert(db: Db, row: ProjectRow): Promise<ProjectModel> {
    return ProjectModel.query(db).insert(row).returning('*');
  }

  /** The project as changed, or undefined if there is no such project. */
  async update(
    db: Db,
    id: string,
    patch: Partial<Pick<ProjectModel, 'name' | 'secret_hash' | 'redirect_urls'>>,
  ): Promise<ProjectModel | undefined> {
    const [row] = await db('projects')
      .where({ id })
      .update({ ...patch, updated_at: db.fn.now() })
      .returning('*');
    return row && ProjectModel.fromDatabaseJson(row);
  }

  /** Creates the project or resets its secret and redirect URLs (boot-time bootstrap). */
  /** Inserts a project, or gives an existing one this secret (and these redirect URLs, when `replaceRedirectUrls`). */
  async upsert(db: Db, row: ProjectRow, replaceRedirectUrls: boolean): Promise<void> {
    await db('projects')
      .insert(row)
      .onConflict('id')
      .merge({ secret_hash: row.secret_hash, ...(replaceRedirectUrls && { redirect_urls: row.redirect_urls }), updated_at: db.fn.now() });
  }
}
