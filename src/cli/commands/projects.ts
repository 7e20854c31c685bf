import { parseArgs } from 'node:util';
import type { Config } from '../../config';
import { createContainer } from '../../container';
import { ensureDatabase, migrateToLatest } from '../../db/database';
import { UsageError } from '../usage';

/** `projects create`: talks to the database directly (there is no API to create projects). */
export async function projectsCreate(config: Readonly<Config>, args: string[]): Promise<void> {
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
