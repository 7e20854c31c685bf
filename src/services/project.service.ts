import type { Knex } from 'knex';
import { AppError } from '../errors';
import { formatId, parseProjectId, ProjectEnv, uuidv7 } from '../ids';
import type { ProjectRepository } from '../repositories/project.repository';
import { hashSecret, newSecret, secretMatches } from '../secrets';
import type { ProjectContext } from './project-context';

export const unauthorized = () =>
  new AppError('unauthorized_credentials', 401, 'Unauthorized credentials: check your project_id and secret.');

interface KnownProject {
  context: ProjectContext;
  secretHash: Buffer;
  until: number;
}

export class ProjectService {
  /**
   * Projects read within the last `cacheMs`, by public id: a busy integration
   * authenticates every call, and its secret rarely changes. A rotated or
   * deleted secret therefore takes effect within `cacheMs` in every process.
   */
  private readonly known = new Map<string, KnownProject>();

  constructor(
    private readonly knex: Knex,
    private readonly projects: ProjectRepository,
    private readonly cacheMs: number,
  ) {}

  /** The project of a public id, if it exists in the environment the id names. */
  private async lookup(publicId: string): Promise<KnownProject | undefined> {
    const cached = this.known.get(publicId);
    if (cached && cached.until > Date.now()) return cached;
    const parsed = parseProjectId(publicId);
    const project = parsed ? await this.projects.findById(this.knex, parsed.uuid) : undefined;
    if (!parsed || !project || project.env !== parsed.env) {
      this.known.delete(publicId);
      return undefined;
    }
    const found = {
      context: { id: project.id, publicId, env: project.env },
      secretHash: project.secret_hash,
      until: Date.now() + this.cacheMs,
    };
    if (this.cacheMs > 0) this.known.set(publicId, found);
    return found;
  }

  /** The project whose id and secret these are; every failure looks the same to the caller. */
  async authenticate(publicId: string, secret: string): Promise<ProjectContext> {
    const project = await this.lookup(publicId);
    if (!project || !secretMatches(secret, project.secretHash)) throw unauthorized();
    return project.context;
  }

  /** A project named publicly (the JWKS URL): it must exist, under its own environment's prefix. */
  async find(publicId: string): Promise<ProjectContext> {
    const project = await this.lookup(publicId);
    if (!project) throw new AppError('project_not_found', 404, 'Project could not be found.');
    return project.context;
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
    this.known.delete(publicId);
  }
}
