import { ConfigError, loadConfig } from '../config';
import { logger } from '../logger';
import { ApiClient, ApiError } from './api-client';
import { importCommand } from './commands/import';
import { jobsCommand } from './commands/jobs';
import { projectsCreate } from './commands/projects';
import { USAGE, UsageError } from './usage';

async function main(argv: string[]): Promise<number> {
  logger.level = 'warn';
  const [command, ...rest] = argv;
  const config = loadConfig();
  if (command === 'projects' && rest[0] === 'create') {
    await projectsCreate(config, rest.slice(1));
    return 0;
  }
  if (command !== 'import' && command !== 'jobs') {
    throw new UsageError(argv.length ? `unknown command: ${argv.join(' ')}` : 'no command given');
  }
  if (!config.bootstrapProject) {
    throw new UsageError('set ROSTER_PROJECT_ID and ROSTER_PROJECT_SECRET to the project to act as');
  }
  const api = new ApiClient(config.serverUrl, config.bootstrapProject.projectId, config.bootstrapProject.secret);
  return command === 'import' ? importCommand(api, config.serverUrl, rest) : jobsCommand(api, config.serverUrl, rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (err instanceof ConfigError || err instanceof ApiError) {
      console.error(err.message);
      process.exitCode = 1;
    } else {
      console.error(`roster: ${err.message}`);
      process.exitCode = 1;
    }
  },
);
