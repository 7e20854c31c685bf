import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import path from 'node:path';
import { createTestDatabase, databaseUrl, dropDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { parseMetrics, sampleValue } from '../helpers/prometheus';
import { deleteQueueKeys, REDIS_URL } from '../helpers/redis';
import { freePort } from '../helpers/ports';

/** Spawns the compiled build: run `npm run build` first. */
const MAIN = path.resolve(__dirname, '../../dist/src/main.js');
const WEB_PROCESSES = 2;
const POOL_MAX = 4;

/** A GET on a connection of its own (no keep-alive): the primary hands each connection to the next web process. */
function getOnNewConnection(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('GET /metrics with WEB_CONCURRENCY=2 (node:cluster)', () => {
  let databaseName: string;
  let server: ChildProcess;
  let baseUrl: string;
  let output = '';

  beforeAll(async () => {
    databaseName = await createTestDatabase();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [MAIN, 'web'], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: databaseUrl(databaseName),
        REDIS_URL,
        ROSTER_QUEUE_PREFIX: databaseName,
        PORT: String(port),
        WEB_CONCURRENCY: String(WEB_PROCESSES),
        DATABASE_POOL_MAX: String(POOL_MAX),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (chunk) => (output += chunk));
    server.stderr!.on('data', (chunk) => (output += chunk));
    await eventually(
      async () => {
        if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}: ${output}`);
        return (await fetch(`${baseUrl}/healthz`)).status === 200;
      },
      { what: 'the server to be healthy', timeoutMs: 20_000, intervalMs: 100 },
    );
    // Healthy means one web process answers; the tests below want every process up (a busy machine forks slowly).
    await eventually(
      async () => {
        const samples = parseMetrics((await getOnNewConnection(`${baseUrl}/metrics`)).body);
        return sampleValue(samples, 'roster_db_pool_max_connections') === (WEB_PROCESSES + 1) * POOL_MAX;
      },
      { what: 'every web process to be up', timeoutMs: 20_000, intervalMs: 100 },
    );
  }, 50_000);

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    await deleteQueueKeys(databaseName);
    await dropDatabase(databaseName);
  });

  it('answers every scrape for all the processes together, whichever web process takes it', async () => {
    const requests = 12;
    for (let i = 0; i < requests; i++) expect((await getOnNewConnection(`${baseUrl}/docs`)).status).toBe(200);

    // Each scrape lands on one web process; every one must see all the requests and every process's pool.
    for (let i = 0; i < 2 * WEB_PROCESSES; i++) {
      const scrape = await getOnNewConnection(`${baseUrl}/metrics`);
      expect(scrape.status).toBe(200);
      const samples = parseMetrics(scrape.body);
      expect(
        sampleValue(samples, 'roster_http_request_duration_seconds_count', { method: 'GET', route: '/docs', status_code: '200' }),
      ).toBe(requests);
      // The primary and each web process have a pool of their own.
      expect(sampleValue(samples, 'roster_db_pool_max_connections')).toBe((WEB_PROCESSES + 1) * POOL_MAX);
      // Queues are shared: reported once, by the primary, not once per process.
      expect(sampleValue(samples, 'roster_queue_jobs', { queue: 'emails', state: 'waiting' })).toBe(0);
    }
  });
});
