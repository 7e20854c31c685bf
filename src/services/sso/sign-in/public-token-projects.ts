import type { Knex } from 'knex';
import { formatId, parseId } from '../../../ids';
import { projectOfPublicToken } from '../../../repositories/sso-sign-in.repository';
import type { ProjectContext } from '../../project-context';
import type { PublicTokenLookup } from './start';

/** Which project a public token (`public-token-test-<uuid>`) names; a revoked or malformed one names none. */
export class PublicTokenProjects implements PublicTokenLookup {
  constructor(private readonly knex: Knex) {}

  async projectOf(publicToken: string): Promise<ProjectContext | undefined> {
    for (const env of ['test', 'live'] as const) {
      const id = parseId('public-token', env, publicToken);
      const project = id && (await projectOfPublicToken(this.knex, id));
      if (project && project.env === env) return { id: project.id, env, publicId: formatId('project', env, project.id) };
    }
    return undefined;
  }
}
