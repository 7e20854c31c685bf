import type { Db } from './db';

export interface ProjectCounts {
  organizations: number;
  members: number;
  jobs: number;
}

/** What a project holds, counted in one round trip (the console's overview). */
export class ProjectOverviewRepository {
  async counts(db: Db, projectId: string): Promise<ProjectCounts> {
    const { rows } = await db.raw(
      `SELECT (SELECT count(*) FROM organizations WHERE project_id = :projectId AND deleted_at IS NULL)::int AS organizations,
              (SELECT count(*) FROM members WHERE project_id = :projectId AND status <> 'deleted')::int AS members,
              (SELECT count(*) FROM jobs WHERE project_id = :projectId)::int AS jobs`,
      { projectId },
    );
    return rows[0];
  }
}
