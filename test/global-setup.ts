import { loadConfig } from '../src/config';
import { createKnex } from '../src/db/knex';
import { migrateToLatest } from '../src/db/database';
import { databaseUrl, RUN_PREFIX, templateName, withAdmin } from './helpers/database';
import { keysMatching, runKeysPattern, runOfKey, unlinkKeys } from './helpers/redis';

const STALE_AFTER_MS = 6 * 3600 * 1000;

/**
 * Builds the migrated template every test file of this run copies its
 * database from, and drops the databases and queue keys that runs older
 * than a few hours left behind (a run that was killed never tore down).
 */
export default async function globalSetup(): Promise<void> {
  const run = String(Date.now());
  // Inherited by the test workers, which jest starts after this returns.
  process.env.ROSTER_TEST_RUN_ID = run;
  await withAdmin(async (c) => {
    const leftovers = await c.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${RUN_PREFIX}\\_%`]);
    for (const { datname } of leftovers.rows as { datname: string }[]) {
      const started = Number(datname.split('_')[2]);
      if (Number.isFinite(started) && Date.now() - started > STALE_AFTER_MS) {
        await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      }
    }
    await c.query(`CREATE DATABASE ${templateName(run)}`);
  });
  const staleKeys = (await keysMatching(runKeysPattern())).filter((key) => Date.now() - runOfKey(key) > STALE_AFTER_MS);
  await unlinkKeys(staleKeys);
  const knex = createKnex(databaseUrl(templateName(run)), { ...loadConfig({}).database, poolMax: 1 });
  try {
    await migrateToLatest(knex);
  } finally {
    await knex.destroy();
  }
}
