import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { createContainer } from '../container';
import { ensureDatabase, migrateToLatest } from '../db/database';
import { logger } from '../logger';

const USAGE = `Usage: npm run roster -- <command>

Commands:
  projects create --name <name> [--live] [--redirect-url <url> ...]
      Creates a project and prints its project_id and secret. The secret is
      shown only this once; Roster keeps only its hash.`;

async function projectsCreate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      live: { type: 'boolean', default: false },
      'redirect-url': { type: 'string', multiple: true, default: [] },
    },
  });
  const name = values.name?.trim();
  if (!name) throw new UsageError('projects create needs --name <name>');
  for (const url of values['redirect-url']!) {
    if (!/^https?:\/\/[^\s]+$/.test(url)) throw new UsageError(`not an http(s) URL: ${url}`);
  }
  const config = loadConfig();
  await ensureDatabase(config.databaseUrl);
  const container = createContainer(config);
  try {
    await migrateToLatest(container.knex);
    const { projectId, secret } = await container.projects.create(name, values.live ? 'live' : 'test', values['redirect-url']);
    process.stdout.write(`project_id: ${projectId}\nsecret:     ${secret}\n`);
    process.stderr.write('Store the secret now: it cannot be shown again.\n');
  } finally {
    await container.close();
  }
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  logger.level = 'warn';
  const [group, command, ...rest] = argv;
  if (group === 'projects' && command === 'create') return projectsCreate(rest);
  throw new UsageError(argv.length ? `unknown command: ${argv.join(' ')}` : 'no command given');
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (err instanceof ConfigError) {
    console.error(err.message);
    process.exitCode = 1;
  } else {
    console.error(`roster: ${err.message}`);
    process.exitCode = 1;
  }
});
