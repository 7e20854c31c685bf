import { loadConfig } from '../../src/config';
import type { Knex } from 'knex';
import { createKnex, NestedConnectionError } from '../../src/db/knex';
import { independentReads } from '../../src/repositories/db';
import { useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';
import { createTestDatabase, databaseUrl, dropDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';

describe('connection discipline', () => {
  describe('the pool guard', () => {
    let name: string;
    let knex: Knex;
    beforeAll(async () => {
      name = await createTestDatabase();
      knex = createKnex(databaseUrl(name), { ...loadConfig({}).database, poolMax: 2, acquireTimeoutMs: 2000, guardNested: true });
    });
    afterAll(async () => {
      await knex.destroy();
      await dropDatabase(name);
    });

    it('refuses a pooled connection to code running inside a transaction', async () => {
      const outcome = knex.transaction(async (trx) => {
        await trx.raw('SELECT 1');
        await knex.raw('SELECT 1');
      });
      await expect(outcome).rejects.toBeInstanceOf(NestedConnectionError);
    });

    it('refuses a second transaction opened on the pool from inside one, even after awaits and timers', async () => {
      const outcome = knex.transaction(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await knex.transaction((inner) => inner.raw('SELECT 1'));
      });
      await expect(outcome).rejects.toBeInstanceOf(NestedConnectionError);
    });

    it('allows queries and savepoints on the transaction itself, and the pool again after commit', async () => {
      const result = await knex.transaction(async (trx) => {
        const [a, b] = await Promise.all([trx.raw('SELECT 1 AS v'), trx.transaction((savepoint) => savepoint.raw('SELECT 2 AS v'))]);
        return a.rows[0].v + b.rows[0].v;
      });
      expect(result).toBe(3);
      expect((await knex.raw('SELECT 4 AS v')).rows[0].v).toBe(4);
    });

    it('leaves concurrent callers outside the transaction free to use the pool', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const transaction = knex.transaction(async (trx) => {
        await trx.raw('SELECT 1');
        await held;
      });
      expect((await knex.raw('SELECT 5 AS v')).rows[0].v).toBe(5);
      release();
      await transaction;
    });

    it('runs independent reads at once on the pool, and one after another in a transaction', async () => {
      const spans: [number, number][] = [];
      const read = (db: Knex) => async () => {
        const started = performance.now();
        await db.raw('SELECT pg_sleep(0.05)');
        spans.push([started, performance.now()]);
      };
      const overlapping = () => spans[0][0] < spans[1][1] && spans[1][0] < spans[0][1];
      await independentReads(knex, [read(knex), read(knex)]);
      expect(overlapping()).toBe(true);
      spans.length = 0;
      // One connection runs one query at a time: the second read starts once the first has its answer.
      await knex.transaction((trx) => independentReads(trx, [read(trx), read(trx)]));
      expect(spans).toHaveLength(2);
      expect(overlapping()).toBe(false);
    });
  });

  describe('an exhausted pool', () => {
    const ctx = useTestApp({ DATABASE_POOL_MAX: '2', DATABASE_ACQUIRE_TIMEOUT_MS: '300' });

    it('answers 503 in the envelope instead of stalling, and serves again once connections return', async () => {
      const knex = ctx.app.container.knex;
      // Warm the credential cache so the request needs the pool only for its own work.
      expect((await ctx.app.http('POST', '/v1/b2b/organizations/search', { body: {} })).status).toBe(200);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let started = 0;
      const holders = [1, 2].map(() =>
        knex.transaction(async (trx) => {
          await trx.raw('SELECT 1');
          started++;
          await held;
        }),
      );
      await eventually(() => started === 2, { what: 'both transactions holding a connection', intervalMs: 5 });

      const busy = await ctx.app.http('POST', '/v1/b2b/organizations/search', { body: {} });
      release();
      await Promise.all(holders);

      expect(busy.status).toBe(503);
      expectErrorEnvelope(busy.body, 503, 'database_unavailable');
      expect((await ctx.app.http('POST', '/v1/b2b/organizations/search', { body: {} })).status).toBe(200);
    });
  });
});
