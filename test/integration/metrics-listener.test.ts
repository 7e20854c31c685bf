import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Queue } from 'bullmq';
import { bullPrefix } from '../../src/queues/connection';
import { createTestDatabase, databaseUrl, dropDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/ports';
import { parseMetrics, sampleValue } from '../helpers/prometheus';
import { deleteQueueKeys, REDIS_URL } from '../helpers/redis';

/** Spawns the compiled build: run `npm run build` first. */
const MAIN = path.resolve(__dirname, '../../dist/src/main.js');
const TOKEN = 'metrics-token-0123456789abcdef';
const EXIT_DEADLINE_MS = 15_000;

interface Started {
  child: ChildProcess;
  metricsUrl: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnRole(role: string, env: Record<string, string>): Omit<Started, 'metricsUrl'> {
  const child = spawn(process.execPath, [MAIN, role], {
    env: { PATH: process.env.PATH ?? '', REDIS_URL, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/** `node dist/src/main.js <role>` on a database and queue prefix of its own, once its metrics port answers. */
async function startRole(role: 'worker' | 'scheduler', databaseName: string, env: Record<string, string> = {}): Promise<Started> {
  const port = await freePort();
  const started = {
    ...spawnRole(role, { DATABASE_URL: databaseUrl(databaseName), ROSTER_QUEUE_PREFIX: databaseName, METRICS_PORT: String(port), ...env }),
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
  };
  await eventually(
    async () => {
      if (started.child.exitCode !== null) throw new Error(`the ${role} exited with ${started.child.exitCode}: ${started.output()}`);
      return (await fetch(started.metricsUrl)).status > 0;
    },
    { what: `the ${role}'s metrics port to answer`, timeoutMs: 20_000, intervalMs: 100 },
  );
  return started;
}

async function stop(started: Started | undefined): Promise<void> {
  if (started && started.child.exitCode === null && started.child.signalCode === null) {
    started.child.kill('SIGTERM');
    await started.exited;
  }
}

/** SIGTERM ends the process by itself (nothing left open, the listener included), and nothing listens on the port after. */
async function expectStopsOnSigterm(started: Started): Promise<void> {
  started.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still running ${EXIT_DEADLINE_MS} ms after SIGTERM\n${started.output()}`)),
      EXIT_DEADLINE_MS,
    );
  });
  try {
    expect(await Promise.race([started.exited, late])).toEqual({ code: 0, signal: null });
  } finally {
    clearTimeout(timer);
  }
  await expect(fetch(started.metricsUrl)).rejects.toThrow();
}

describe('GET /metrics of a worker process (METRICS_PORT, METRICS_TOKEN set)', () => {
  let databaseName: string;
  let worker: Started | undefined;
  const scrape = (authorization?: string) => fetch(worker!.metricsUrl, { headers: authorization ? { authorization } : {} });

  beforeAll(async () => {
    databaseName = await createTestDatabase();
    worker = await startRole('worker', databaseName, { METRICS_TOKEN: TOKEN });
  }, 30_000);

  afterAll(async () => {
    await stop(worker);
    await deleteQueueKeys(databaseName);
    await dropDatabase(databaseName);
  });

  it('serves, with the bearer token, the durations of the jobs this worker ran and its process metrics', async () => {
    const queue = new Queue('maintenance', { connection: { url: REDIS_URL }, prefix: bullPrefix(databaseName) });
    try {
      await queue.add('jobs.sweep', {});
    } finally {
      await queue.close();
    }
    const samples = await eventually(
      async () => {
        const response = await scrape(`Bearer ${TOKEN}`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        const text = await response.text();
        expect(text).toContain('# HELP roster_job_duration_seconds ');
        const parsed = parseMetrics(text);
        const runs = sampleValue(parsed, 'roster_job_duration_seconds_count', {
          queue: 'maintenance',
          job: 'jobs.sweep',
          outcome: 'completed',
        });
        if (runs !== 1) throw new Error(`jobs.sweep completed runs: ${runs}`);
        return parsed;
      },
      { what: 'the worker to report the job it ran' },
    );
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it.each([
    ['no credentials', undefined],
    ['a wrong token', `Bearer ${TOKEN.slice(0, -1)}x`],
  ])('refuses %s with 401 in the envelope', async (_, authorization) => {
    const response = await scrape(authorization);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    const requestId = response.headers.get('x-request-id');
    expect(await response.json()).toEqual({
      status_code: 401,
      request_id: requestId,
      error_type: 'unauthorized_credentials',
      error_message: expect.stringContaining('Authorization: Bearer <METRICS_TOKEN>'),
      error_url: expect.any(String),
    });
    expect(requestId).toMatch(/^request-id-/);
  });

  it.each([
    ['GET', '/healthz'],
    ['GET', '/v1/b2b/organizations'],
    ['POST', '/metrics'],
  ])('answers %s %s with 404 in the envelope, and nothing else', async (method, path) => {
    const response = await fetch(new URL(path, worker!.metricsUrl), { method, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({
      status_code: 404,
      request_id: expect.stringMatching(/^request-id-/),
      error_type: 'route_not_found',
      error_message: `No route for ${method} ${path}.`,
      error_url: expect.any(String),
    });
  });

  it('stops serving on SIGTERM and exits by itself', async () => {
    await expectStopsOnSigterm(worker!);
  });
});

describe('GET /metrics of a scheduler process (METRICS_PORT, no METRICS_TOKEN)', () => {
  let databaseName: string;
  let scheduler: Started | undefined;

  beforeAll(async () => {
    databaseName = await createTestDatabase();
    scheduler = await startRole('scheduler', databaseName);
  }, 30_000);

  afterAll(async () => {
    await stop(scheduler);
    await deleteQueueKeys(databaseName);
    await dropDatabase(databaseName);
  });

  it('serves its metrics without credentials, then stops on SIGTERM', async () => {
    const response = await fetch(scheduler!.metricsUrl);
    expect(response.status).toBe(200);
    const samples = parseMetrics(await response.text());
    expect(sampleValue(samples, 'roster_queue_jobs', { queue: 'maintenance', state: 'failed' })).toBe(0);
    await expectStopsOnSigterm(scheduler!);
  });
});

it('refuses to start with an invalid METRICS_PORT', async () => {
  const started = spawnRole('worker', { METRICS_PORT: '70000' });
  expect(await started.exited).toEqual({ code: 1, signal: null });
  expect(started.output()).toContain('METRICS_PORT must be an integer between 0 and 65535 (got "70000")');
});
