import type { Knex } from 'knex';
import { AppError, badRequest, notFound } from '../errors';
import { formatId, parseProjectId, ProjectEnv, uuidv7 } from '../ids';
import type { ProjectModel } from '../models/project.model';
import type { ProjectRepository } from '../repositories/project.repository';
import type { ConsoleSessionRepository } from '../repositories/console-session.repository';
import { hashSecret, newSecret, secretMatches } from '../secrets';
import { controlCharacterProblem, unstorableText } from '../text-rules';
import type { ProjectContext } from './project-context';

export const unauthorized = () =>
  new AppError('unauthorized_credentials', 401, 'Unauthorized credentials: check your project_id and secret.');

const projectNotFound = () => notFound('project_not_found', 'Project could not be found.');

/** A project as its operator sees it (the CLI): never its secret, which only exists once, at creation or rotation. */
export interface ProjectSummary {
  projectId: string;
  env: ProjectEnv;
  name: string;
  /** The first is the default. */
  redirectUrls: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface ProjectChanges {
  name?: string;
  /** Appended in order, unless already listed. */
  addRedirectUrls?: string[];
  /** Each must be listed; removing the first makes the next one the default. */
  removeRedirectUrls?: string[];
}

const summarize = (project: ProjectModel): ProjectSummary => ({
  projectId: formatId('project', project.env, project.id),
  env: project.env,
  name: project.name,
  redirectUrls: project.redirect_urls,
  createdAt: project.created_at,
  updatedAt: project.updated_at,
});

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 128) throw badRequest('bad_request', 'A project name is 1 to 128 characters.');
  const unstorable = unstorableText(trimmed);
  const problem = controlCharacterProblem(trimmed) ?? (unstorable && `contains ${unstorable}`);
  if (problem) throw badRequest('bad_request', `The project name ${problem}.`);
  return trimmed;
}

/** Links carry tokens to these URLs, so only absolute http(s) URLs are accepted. */
function checkRedirectUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || /\s/.test(url)) {
    throw badRequest('bad_request', `Not an http(s) URL: ${url}`);
  }
  return url;
}

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
    private readonly consoleSessions: ConsoleSessionRepository,
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
    if (!project) throw projectNotFound();
    return project.context;
  }

  /** Creates a project; its secret is returned here once and only its hash is kept. */
  async create(name: string, env: ProjectEnv, redirectUrls: string[] = []): Promise<{ projectId: string; secret: string }> {
    const id = uuidv7();
    const secret = newSecret();
    await this.projects.insert(this.knex, {
      id,
      env,
      name: checkName(name),
      secret_hash: hashSecret(secret),
      redirect_urls: [...new Set(redirectUrls.map(checkRedirectUrl))],
    });
    return { projectId: formatId('project', env, id), secret };
  }

  async list(): Promise<ProjectSummary[]> {
    return (await this.projects.list(this.knex)).map(summarize);
  }

  /** Renames a project and edits its redirect URL list, in one transaction. */
  async update(publicId: string, changes: ProjectChanges): Promise<ProjectSummary> {
    const name = changes.name === undefined ? undefined : checkName(changes.name);
    const added = (changes.addRedirectUrls ?? []).map(checkRedirectUrl);
    const removed = changes.removeRedirectUrls ?? [];
    return this.knex.transaction(async (trx) => {
      const project = await this.projectFor(publicId, (id) => this.projects.findByIdForUpdate(trx, id));
      const missing = removed.filter((url) => !project.redirect_urls.includes(url));
      if (missing.length > 0) throw badRequest('bad_request', `Not on the project's redirect URL list: ${missing.join(', ')}`);
      const kept = project.redirect_urls.filter((url) => !removed.includes(url));
      const redirectUrls = [...new Set([...kept, ...added])];
      const updated = await this.projects.update(trx, project.id, { name: name ?? project.name, redirect_urls: redirectUrls });
      return summarize(updated!);
    });
  }

  /**
   * Replaces a project's secret: the new one is returned here once and only its hash is kept.
   * The old one stops working at once in this process, and within `cacheMs` in the others; console sessions end.
   */
  async rotateSecret(publicId: string): Promise<{ projectId: string; secret: string }> {
    const project = await this.projectFor(publicId, (id) => this.projects.findById(this.knex, id));
    const secret = newSecret();
    const rotated = await this.knex.transaction(async (trx) => {
      if (!(await this.projects.update(trx, project.id, { secret_hash: hashSecret(secret) }))) return false;
      // Console sign-ins were bought with the old secret: rotating it (after a leak) ends them too.
      await this.consoleSessions.deleteByProject(trx, project.id);
      return true;
    });
    if (!rotated) throw projectNotFound();
    this.known.delete(publicId);
    return { projectId: publicId, secret };
  }

  /** The project a public id names, read with `read`; an id of the wrong environment names nothing. */
  private async projectFor(publicId: string, read: (id: string) => Promise<ProjectModel | undefined>): Promise<ProjectModel> {
    const parsed = parseProjectId(publicId);
    const project = parsed ? await read(parsed.uuid) : undefined;
    if (!parsed || !project || project.env !== parsed.env) throw projectNotFound();
    return project;
  }

  /**
   * Makes sure the configured project exists with this secret. Redirect URLs
   * given replace the project's; none given leave an existing project's list
   * (edited with `roster projects update`) as it is, and its name too.
   */
  async ensure(publicId: string, secret: string, redirectUrls: string[]): Promise<void> {
    const parsed = parseProjectId(publicId);
    if (!parsed) throw new Error(`not a project id: ${publicId}`);
    const row = { id: parsed.uuid, env: parsed.env, name: 'default', secret_hash: hashSecret(secret), redirect_urls: redirectUrls };
    await this.projects.upsert(this.knex, row, redirectUrls.length > 0);
    this.known.delete(publicId);
  }
}
