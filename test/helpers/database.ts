import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { Client } from 'pg';
import { loadConfig } from '../../src/config';
import { createKnex } from '../../src/db/knex';

/** The server tests run against: DATABASE_URL's, or the local default. */
export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/roster';

/**
 * Every database a test run makes is named after the run (its start time),
 * so concurrent runs never touch each other's databases and a later run can
 * tell which leftovers are stale.
 */
export const RUN_PREFIX = 'roster_t';
export const runId = () => process.env.ROSTER_TEST_RUN_ID!;
export const templateName = (run = runId()) => `${RUN_PREFIX}_${run}_template`;

export function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A database name of this run that no other test uses. */
export const uniqueDatabaseName = () => `${RUN_PREFIX}_${runId()}_${randomBytes(6).toString('hex')}`;

/** A fresh database for one test file: a copy of the migrated template. */
export async function createTestDatabase(): Promise<string> {
  const name = uniqueDatabaseName();
  await withAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${templateName()}`));
  return name;
}

export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/**
 * A database of the test file's own (migrated, as every test database is),
 * with a small pool: for tests that move migrations down and up.
 * Returns its connection, valid from beforeAll to afterAll.
 */
export function useScratchDatabase(): () => Knex {
  let name: string | undefined;
  let knex: Knex | undefined;
  beforeAll(async () => {
    name = await createTestDatabase();
    knex = createKnex(databaseUrl(name), { ...loadConfig({}).database, poolMax: 2, guardNested: true });
  });
  afterAll(async () => {
    await knex?.destroy();
    if (name) await dropDatabase(name);
  });
  return () => knex!;
}
