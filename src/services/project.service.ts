import type { Knex } from 'knex';
import { AppError } from '../errors';
import { formatId, parseProjectId, ProjectEnv, uuidv7 } from '../ids';
import type { ProjectRepository } from '../repositories/project.repository';
import { hashSecret, newSecret, secretMatches } from '../secrets';
import type { ProjectContext } from './project-context';

export const unauthorized = () =>
  new AppError('unauthorized_credentials', 401, 'Unauthorized credentials: check your project_id and secret.');

export class ProjectService {
  constructor(
    private readonly knex: Knex,
    private readonly projects: ProjectRepository,
  ) {}

  /** The project whose id and secret these are; every failure looks the same to the caller. */
  async authenticate(publicId: string, secret: string): Promise<ProjectContext> {
    const parsed = parseProjectId(publicId);
    const project = parsed ? await this.projects.findById(this.knex, parsed.uuid) : undefined;
    if (!parsed || !project || project.env !== parsed.env || !secretMatches(secret, project.secret_hash)) {
      throw unauthorized();
    }
    return { id: project.id, publicId, env: project.env };
  }

  /** Creates a project; its secret is returned here once and only its hash is kept. */
  async create(name: string, env: ProjectEnv, redirectUrls: string[] = []): Promise<{ projectId: string; secret: string }> {
    const id = uuidv7();
    const secret = newSecret();
    await this.projects.insert(this.knex, { id, env, name, secret_hash: hashSecret(secret), redirect_urls: redirectUrls });
    return { projectId: formatId('project', env, id), secret };
  }

  /** Makes sure the configured project exists with exactly this secret and these redirect URLs. */
  async ensure(publicId: string, secret: string, redirectUrls: string[]): Promise<void> {
    const parsed = parseProjectId(publicId);
    if (!parsed) throw new Error(`not a project id: ${publicId}`);
    await this.projects.upsert(this.knex, {
      id: parsed.uuid,
      env: parsed.env,
      name: 'default',
      secret_hash: hashSecret(secret),
      redirect_urls: redirectUrls,
    });
  }
}
