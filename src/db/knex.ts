import { AsyncLocalStorage } from 'node:async_hooks';
import knexFactory, { Knex } from 'knex';
import { types } from 'pg';
import { migrationSource } from '../../migrations';
import type { DatabaseSettings } from '../config';
import { logger } from '../logger';

// int8 (count(*)) as a JS number: counts here stay far below 2^53.
types.setTypeParser(types.builtins.INT8, (value: string) => Number(value));

export function knexConfig(databaseUrl: string, s: DatabaseSettings): Knex.Config {
  return {
    client: 'pg',
    // Sent as startup parameters: every pooled session gets them, no extra round trip.
    connection: {
      connectionString: databaseUrl,
      statement_timeout: s.statementTimeoutMs,
      lock_timeout: s.lockTimeoutMs,
      idle_in_transaction_session_timeout: s.idleInTransactionTimeoutMs,
    } as Knex.PgConnectionConfig,
    pool: { min: 0, max: s.poolMax },
    acquireConnectionTimeout: s.acquireTimeoutMs,
    // knex prints to the console by default; its notices belong in our logs.
    log: {
      warn: (message: unknown) => logger.warn({ knex: message }, 'knex warning'),
      error: (message: unknown) => logger.error({ knex: message }, 'knex error'),
      deprecate: (method: string, alternative: string) => logger.warn({ method, alternative }, 'knex deprecation'),
      debug: (message: unknown) => logger.debug({ knex: message }, 'knex debug'),
    },
    migrations: { migrationSource, tableName: 'knex_migrations' },
  };
}

/** Raised when code inside a transaction asks the pool for a second connection. */
export class NestedConnectionError extends Error {
  constructor() {
    super('A query asked the pool for a connection while its caller holds a transaction: pass the transaction down instead.');
  }
}

/**
 * Makes "no code path waits for a second pooled connection while holding
 * one" checkable: a transaction's callback runs in an async context that
 * remembers it, and the pool refuses to hand that context another
 * connection. With a pool of N, N such requests would otherwise wait on each
 * other until the acquire timeout; this fails the first one at once. The
 * tests run with it (every path they take is checked); production leaves it
 * off by default, as on Node 20 the context tracking taxes every promise.
 */
function guardNestedAcquisition(knex: Knex): void {
  const holding = new AsyncLocalStorage<true>();
  type Container = (trx: Knex.Transaction) => unknown;
  const client = knex.client as {
    transaction(container: Container, ...rest: unknown[]): unknown;
    acquireConnection(): Promise<unknown>;
  };
  // Every `knex.transaction(cb)` goes through the client; a transaction's own
  // queries and savepoints use a client of their own, so they never pass here.
  const transaction = client.transaction.bind(client);
  client.transaction = (container, ...rest) =>
    transaction(typeof container === 'function' ? (trx) => holding.run(true, () => container(trx)) : container, ...rest);
  const acquire = client.acquireConnection.bind(client);
  client.acquireConnection = () => (holding.getStore() ? Promise.reject(new NestedConnectionError()) : acquire());
}

export function createKnex(databaseUrl: string, settings: DatabaseSettings): Knex {
  const knex = knexFactory(knexConfig(databaseUrl, settings));
  if (settings.guardNested) guardNestedAcquisition(knex);
  return knex;
}
