import type { Knex } from 'knex';
import type { ProjectEnv } from '../../ids';
import type { ProjectCounts, ProjectOverviewRepository } from '../../repositories/project-overview.repository';
import type { ProjectRepository } from '../../repositories/project.repository';
import type { ProjectContext } from '../project-context';

export interface ProjectOverview extends ProjectCounts {
  projectId: string;
  env: ProjectEnv;
  name: string;
  /** The first is the default. */
  redirectUrls: string[];
  createdAt: Date;
}

/** The signed-in project at a glance: its settings and how many organizations, live members and jobs it has. */
export class ProjectOverviews {
  constructor(
    private readonly knex: Knex,
    private readonly projects: ProjectRepository,
    private readonly overview: ProjectOverviewRepository,
  ) {}

  async get(project: ProjectContext): Promise<ProjectOverview> {
    const [row, counts] = await Promise.all([this.projects.findById(this.knex, project.id), this.overview.counts(this.knex, project.id)]);
    if (!row) throw new Error(`project ${project.publicId} vanished while signed in`);
    return {
      projectId: project.publicId,
      env: row.env,
      name: row.name,
      redirectUrls: row.redirect_urls,
      createdAt: row.created_at,
      ...counts,
    };
  }
}
