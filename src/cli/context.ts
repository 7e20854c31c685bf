import { Config, ConfigError, loadConfig } from '../config';
import type { ProjectService } from '../services/project.service';
import type { PublicTokenService } from '../services/public-tokens';
import { ApiClient } from './api-client';
import { EXIT, isNetworkFailure, networkCause, redactUrl, UnreachableError } from './errors';

/**
 * What every command reaches through: settings (read when a command runs, so
 * `--help` works whatever the environment), the API as the configured project,
 * or the database, and the output streams.
 */
export class CliContext {
  private config: Readonly<Config> | undefined;
  /** What the process exits with once the command has run (see EXIT). */
  exitCode: number = EXIT.OK;

  constructor(
    readonly out: NodeJS.WriteStream = process.stdout,
    readonly err: NodeJS.WriteStream = process.stderr,
  ) {}

  get settings(): Readonly<Config> {
    return (this.config ??= loadConfig());
  }

  /** The API as the project in ROSTER_PROJECT_ID / ROSTER_PROJECT_SECRET. */
  api(): ApiClient {
    const { bootstrapProject, serverUrl } = this.settings;
    if (!bootstrapProject) throw new ConfigError(['set ROSTER_PROJECT_ID and ROSTER_PROJECT_SECRET to the project to act as']);
    return new ApiClient(serverUrl, bootstrapProject.projectId, bootstrapProject.secret);
  }

  /**
   * Runs `work` on the projects of the database in DATABASE_URL (projects have no API).
   * `prepare` first creates the database and applies migrations, for a first project before any server ran.
   */
  async withProjects<T>(work: (projects: ProjectService) => Promise<T>, options: { prepare?: boolean } = {}): Promise<T> {
    return this.withDatabase((services) => work(services.projects), options);
  }

  /** Runs `work` on projects' public tokens, in the database of DATABASE_URL like projects. */
  async withPublicTokens<T>(work: (tokens: PublicTokenService) => Promise<T>): Promise<T> {
    return this.withDatabase((services) => work(services.publicTokens));
  }

  private async withDatabase<T>(
    work: (services: { projects: ProjectService; publicTokens: PublicTokenService }) => Promise<T>,
    { prepare = false } = {},
  ): Promise<T> {
    const { databaseUrl } = this.settings;
    const unreachable = (err: unknown) =>
      isNetworkFailure(err)
        ? new UnreachableError(redactUrl(databaseUrl), networkCause(err), 'is Postgres running? (set DATABASE_URL)')
        : err;
    // Loaded here, not at the top: the whole server graph takes seconds to load, and API commands never need it.
    const [{ createContainer }, { ensureDatabase, migrateToLatest }, { logger }] = await Promise.all([
      import('../container'),
      import('../db/database'),
      import('../logger'),
    ]);
    // The CLI reports failures itself; logs (e.g. knex retrying a refused connection) would only repeat them.
    // LOG_LEVEL=debug or trace still shows everything.
    logger.level = ['info', 'warn'].includes(this.settings.logLevel) ? 'error' : this.settings.logLevel;
    if (prepare) await ensureDatabase(databaseUrl).catch((err) => Promise.reject(unreachable(err)));
    const container = createContainer(this.settings);
    try {
      if (prepare) await migrateToLatest(container.knex);
      return await work(container);
    } catch (err) {
      throw unreachable(err);
    } finally {
      await container.close();
    }
  }

  /** A command's data, on stdout. */
  print(text: string): void {
    this.out.write(text);
  }

  /** The raw JSON of an answer (`--json`), for scripts. */
  printJson(value: unknown): void {
    this.out.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Hints and summaries, on stderr, so that stdout stays the data alone. */
  note(text: string): void {
    this.err.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}
