import { createKnex } from '../src/db/knex';
import { migrateToLatest } from '../src/db/database';
import { databaseUrl, TEMPLATE_DB, withAdmin } from './helpers/database';

/**
 * Builds the migrated template every test file copies its own database
 * from, and removes databases left by interrupted runs.
 */
export default async function globalSetup(): Promise<void> {
  await withAdmin(async (c) => {
    const stale = await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'roster_test_%'");
    for (const { datname } of stale.rows) await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  });
  const knex = createKnex(databaseUrl(TEMPLATE_DB), { min: 0, max: 1 });
  try {
    await migrateToLatest(knex);
  } finally {
    await knex.destroy();
  }
}
