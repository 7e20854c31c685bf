import type { Knex } from 'knex';
import { notFound } from '../errors';
import { formatId, parseId, parseProjectId, ProjectEnv, uuidv7 } from '../ids';
import type { PublicTokenRepository, PublicTokenRow } from '../repositories/public-token.repository';
import { publicTokenNotFound } from './sso/sign-in/start';

/** A public token as the CLI shows it. */
export interface PublicTokenSummary {
  publicToken: string;
  projectId: string;
  createdAt: Date;
  revokedAt: Date | null;
}

const projectNotFound = (projectId: string) => notFound('project_not_found', `Project "${projectId}" does not exist.`);

/**
 * Stytch-style public tokens (`public-token-test-<uuid>`): they name a
 * project in browser-facing URLs (the SSO start URL). Public by design; the
 * CLI creates, lists and revokes them in the database directly, as it does projects.
 */
export class PublicTokenService {
  constructor(
    private readonly knex: Knex,
    private readonly tokens: PublicTokenRepository,
  ) {}

  async create(projectPublicId: string): Promise<PublicTokenSummary> {
    const project = await this.project(projectPublicId);
    const row = await this.tokens.insert(this.knex, { id: uuidv7(), project_id: project.uuid });
    return summary(project.env, projectPublicId, row);
  }

  async list(projectPublicId: string): Promise<PublicTokenSummary[]> {
    const project = await this.project(projectPublicId);
    return (await this.tokens.listByProject(this.knex, project.uuid)).map((row) => summary(project.env, projectPublicId, row));
  }

  /** Revokes a token at once: the SSO start URL refuses it from then on (public_token_not_found). */
  async revoke(publicToken: string): Promise<PublicTokenSummary> {
    for (const env of ['test', 'live'] as const) {
      const id = parseId('public-token', env, publicToken);
      const row = id && (await this.tokens.revoke(this.knex, id, env));
      if (row) return summary(env, formatId('project', env, row.project_id), row);
    }
    throw publicTokenNotFound();
  }

  private async project(projectPublicId: string): Promise<{ env: ProjectEnv; uuid: string }> {
    const project = parseProjectId(projectPublicId);
    if (!project || !(await this.tokens.projectExists(this.knex, project.uuid, project.env))) throw projectNotFound(projectPublicId);
    return project;
  }
}

function summary(env: ProjectEnv, projectId: string, row: PublicTokenRow): PublicTokenSummary {
  return { publicToken: formatId('public-token', env, row.id), projectId, createdAt: row.created_at, revokedAt: row.revoked_at };
}
