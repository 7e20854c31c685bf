/**
 * npm run bench:scim -- [--connections 16] [--duration 10] [--users 2000]
 *
 * In one run, at the same concurrency, against one fresh database:
 *  (a) the raw Postgres rate of the equivalent work, straight through `pg`
 *      with as many clients as load connections: a member row and its SCIM
 *      registration inserted in one transaction; one lookup of a
 *      registration by (connection, lower(userName)) with its member;
 *  (b) Roster's SCIM `POST /Users` (each request a new person), as Okta or
 *      Entra send it, through the connection's bearer token;
 *  (c) Roster's SCIM `GET /Users?filter=userName eq "…"` over the users (b)
 *      created and a set-up population (--users).
 * Roster runs as its own `web` role (one process). Prints req/s, p50 and p99
 * latency and the ratios to the raw rates. Gates nothing.
 */
import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { loadConfig } from '../src/config';
import { migrateToLatest } from '../src/db/database';
import { createContainer } from '../src/container';
import { formatId, uuidv7 } from '../src/ids';
import { logger } from '../src/logger';
import { hashSecret, newSecret } from '../src/secrets';
import { freshDatabase } from './fresh-database';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '16' },
    duration: { type: 'string', default: '10' },
    users: { type: 'string', default: '2000' },
    database: { type: 'string', default: 'roster_bench_scim' },
  },
});
const CONNECTIONS = Number(values.connections);
const DURATION = Number(values.duration);
const USERS = Number(values.users);
const PORT = 3903;

interface Measured {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  failed: number;
}

/** Runs `op` from CONNECTIONS concurrent callers for DURATION seconds: ops/s and latency percentiles. */
async function rawRate(name: string, op: (n: number) => Promise<void>): Promise<Measured> {
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const deadline = performance.now() + DURATION * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        try {
          await op(next++);
        } catch {
          failed++;
        }
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
  return { name, rps: latencies.length / DURATION, p50: at(0.5), p99: at(0.99), failed };
}

async function load(name: string, options: autocannon.Options): Promise<Measured> {
  await autocannon({ ...options, duration: 2 }); // warm-up: JIT, pools, plans
  const result = await autocannon({ ...options, connections: CONNECTIONS, duration: DURATION });
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, failed: result.non2xx + result.errors };
}

async function startWeb(env: Record<string, string>): Promise<ChildProcess> {
  const child = fork(join(__dirname, '../src/main.js'), ['web'], {
    env: { ...process.env, ...env, PORT: String(PORT) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${PORT}/healthz`);
      return child;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('roster web did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A SCIM connection for an organization, with a bearer token (inserted as the connection service stores it). */
async function scimConnection(pool: Pool, projectId: string, organizationId: string): Promise<{ id: string; token: string }> {
  const id = uuidv7();
  const token = newSecret();
  await pool.query(
    `INSERT INTO scim_connections (id, project_id, organization_id, display_name, identity_provider, bearer_token_hash, bearer_token_last_four)
     VALUES ($1, $2, $3, 'bench', 'okta', $4, $5)`,
    [id, projectId, organizationId, hashSecret(token), token.slice(-4)],
  );
  return { id, token };
}

const userBody = (userName: string) =>
  JSON.stringify({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Ada Lovelace',
    active: true,
  });

async function main(): Promise<void> {
  logger.level = 'warn';
  const base = loadConfig();
  const databaseUrl = await freshDatabase(base.databaseUrl, values.database!);
  const container = createContainer({ ...base, databaseUrl, queuePrefix: `bench-scim-${Date.now()}` });
  await migrateToLatest(container.knex);
  const { projectId, secret } = await container.projects.create('bench', 'test', []);
  const project = await container.projects.authenticate(projectId, secret);
  const roster = await container.organizations.create(project, { organization_name: 'Acme', organization_slug: 'acme' });
  const raw = await container.organizations.create(project, { organization_name: 'Raw', organization_slug: 'raw' });
  await container.close();

  const pool = new Pool({ connectionString: databaseUrl, max: CONNECTIONS });
  const connection = await scimConnection(pool, project.id, roster.id);
  const rawConnection = await scimConnection(pool, project.id, raw.id);
  const env = { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ROSTER_QUEUE_PREFIX: `bench-scim-${Date.now()}` };
  const web = await startWeb(env);
  try {
    const baseUrl = `http://127.0.0.1:${PORT}/v1/b2b/scim/${formatId('scim-connection', project.env, connection.id)}`;
    const headers = { authorization: `Bearer ${connection.token}`, 'content-type': 'application/scim+json' };
    // A population to search among, provisioned through SCIM itself.
    for (let i = 0; i < USERS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, USERS - i) }, (_, j) =>
          fetch(`${baseUrl}/Users`, { method: 'POST', headers, body: userBody(`seed${i + j}@acme.com`) }).then((r) => r.arrayBuffer()),
        ),
      );
    }

    const insertRaw = async (n: number) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const memberId = uuidv7();
        const email = `raw${n}@acme.com`;
        await client.query(
          `INSERT INTO members (id, project_id, organization_id, email, email_normalized, status, name, email_address_verified)
             VALUES ($1, $2, $3, $4, $4, 'active', 'Ada Lovelace', true)`,
          [memberId, project.id, raw.id, email],
        );
        await client.query(
          `INSERT INTO scim_users (id, project_id, organization_id, connection_id, member_id, user_name, attributes)
             VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [uuidv7(), project.id, raw.id, rawConnection.id, memberId, email, userBody(email)],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      } finally {
        client.release();
      }
    };
    const lookupRaw = async (n: number) => {
      await pool.query(
        `SELECT u.*, m.* FROM scim_users u JOIN members m ON m.id = u.member_id
         WHERE u.connection_id = $1 AND lower(u.user_name) = lower($2)`,
        [rawConnection.id, `raw${n % 1000}@acme.com`],
      );
    };
    const results: [Measured, Measured][] = [];
    const insertFloor = await rawRate('(a) raw: INSERT member + registration', insertRaw);
    let created = 0;
    const post = await load('(b) SCIM POST /Users', {
      url: `${baseUrl}/Users`,
      method: 'POST',
      headers,
      requests: [{ setupRequest: (request) => ({ ...request, body: userBody(`load${created++}@acme.com`) }) }],
    });
    results.push([insertFloor, post]);
    const lookupFloor = await rawRate('(a) raw: registration by lower(userName)', lookupRaw);
    let looked = 0;
    const population = USERS;
    const get = await load('(c) SCIM GET /Users?filter=userName eq', {
      url: `${baseUrl}/Users`,
      method: 'GET',
      headers,
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            path: `${new URL(baseUrl).pathname}/Users?filter=${encodeURIComponent(`userName eq "SEED${looked++ % population}@acme.com"`)}`,
          }),
        },
      ],
    });
    results.push([lookupFloor, get]);

    console.log(`bench:scim — ${CONNECTIONS} connections, ${DURATION} s each, ${USERS} users provisioned first`);
    for (const [floor, measured] of results) {
      for (const r of [floor, measured]) {
        const ratio =
          r === floor
            ? ''
            : `  → ${(r.rps / floor.rps).toFixed(2)}× raw req/s, p99 ${(r.p99 / Math.max(1, floor.p99)).toFixed(2)}× raw p99`;
        console.log(
          `${r.name.padEnd(44)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  failed ${r.failed}${ratio}`,
        );
      }
    }
  } finally {
    web.kill('SIGTERM');
    await once(web, 'exit');
    await pool.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
