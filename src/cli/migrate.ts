import { loadConfig } from '../config';
import { ensureDatabase, migrateToLatest } from '../db/database';
import { createKnex } from '../db/knex';
import { logger } from '../logger';

/** The `release` role: create the database if needed and apply migrations. */
async function main(): Promise<void> {
  const config = loadConfig();
  await ensureDatabase(config.databaseUrl);
  const knex = createKnex(config.databaseUrl, { ...config.database, poolMax: 1 });
  try {
    const applied = await migrateToLatest(knex);
    logger.info({ applied }, applied.length ? 'migrations applied' : 'database already up to date');
  } finally {
    await knex.destroy();
  }
}

main().catch((err) => {
  logger.fatal({ err }, 'migration failed');
  process.exitCode = 1;
});
