import knexFactory, { Knex } from 'knex';
import { types } from 'pg';
import { migrationSource } from '../../migrations';

// int8 (count(*)) as a JS number: counts here stay far below 2^53.
types.setTypeParser(types.builtins.INT8, (value: string) => Number(value));

export function knexConfig(databaseUrl: string, pool: Knex.PoolConfig = { min: 0, max: 10 }): Knex.Config {
  return {
    client: 'pg',
    connection: databaseUrl,
    pool,
    migrations: { migrationSource, tableName: 'knex_migrations' },
  };
}

export function createKnex(databaseUrl: string, pool?: Knex.PoolConfig): Knex {
  return knexFactory(knexConfig(databaseUrl, pool));
}
