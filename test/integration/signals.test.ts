import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { B2BClient } from 'stytch';
import { bullPrefix } from '../../src/queues/connection';
import { createTestDatabase, databaseUrl, dropDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { createOrganization } from '../helpers/factories';
import { freePort } from '../helpers/ports';

/**
 * `npm start` as a user runs it (prestart builds incrementally and checks the
 * services, then npm runs node), stopped by a signal sent to npm's PID only.
 */
const ROOT = path.resolve(__dirname, '../..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// The prestart build is incremental: quick after `npm test`'s build, slower after an edit.
const BOOT_DEADLINE_MS = 150_000;
const EXIT_DEADLINE_MS = 15_000;

jest.setTimeout(BOOT_DEADLINE_MS + 60_000);

interface Started {
  npm: ChildProcess;
  port: number;
  baseUrl: string;
  databaseName: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

interface ProcessRow {
  pid: number;
  ppid: number;
  args: string;
}

/** Every process in a process group (npm is started as a group leader, so this is the whole tree it started). */
function processGroup(pgid: number): ProcessRow[] {
  return execFileSync('ps', ['-e', '-o', 'pid=,ppid=,pgid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[3]) === pgid)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[4] }));
}

/** Whether something can listen on the port again, as a restarted Roster would. */
async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function startRoster(env: Record<string, string> = {}): Promise<Started> {
  const databaseName = await createTestDatabase();
  const port = await freePort();
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    // Its own process group, as a shell gives a command it starts: what it leaves behind is findable by group.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      PORT: String(port),
      DATABASE_URL: databaseUrl(databaseName),
      REDIS_URL,
      ROSTER_QUEUE_PREFIX: databaseName,
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  let output = '';
  npm.stdout!.on('data', (chunk) => (output += chunk));
  npm.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    npm.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const started: Started = { npm, port, baseUrl: `http://127.0.0.1:${port}`, databaseName, output: () => output, exited };
  await eventually(
    async () => {
      if (npm.exitCode !== null) throw new Error(`npm start exited with ${npm.exitCode}`);
      return (await fetch(`${started.baseUrl}/healthz`)).status === 200;
    },
    { what: 'npm start to serve /healthz', timeoutMs: BOOT_DEADLINE_MS, intervalMs: 200 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${output}`);
  });
  return started;
}

/** The node process serving Roster: npm's own child, with no shell in between to swallow signals. */
function serverProcess(started: Started): ProcessRow {
  const group = processGroup(started.npm.pid!);
  const server = group.find((p) => p.ppid === started.npm.pid && /\bnode\b.*dist\/src\/main\.js/.test(p.args));
  if (!server) throw new Error(`no node dist/src/main.js child of npm in ${JSON.stringify(group)}`);
  return server;
}

async function exitWithin(started: Started, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`npm start still running ${ms} ms after the signal\n${started.output()}`)), ms);
  });
  try {
    return await Promise.race([started.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function deleteQueueKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${bullPrefix(prefix)}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** Kills what a failed test left running, then drops its database and queues. */
async function cleanUp(started: Started | undefined): Promise<void> {
  if (!started) return;
  if (processGroup(started.npm.pid!).length > 0) {
    process.kill(-started.npm.pid!, 'SIGKILL');
    await started.exited;
  }
  await deleteQueueKeys(started.databaseName);
  await dropDatabase(started.databaseName);
}

describe('npm start, stopped by a signal to its PID', () => {
  let started: Started | undefined;
  afterEach(async () => {
    await cleanUp(started);
    started = undefined;
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('stops cleanly on %s: nothing left running or listening', async (signal) => {
    started = await startRoster();
    const server = serverProcess(started);

    started.npm.kill(signal);
    expect(await exitWithin(started, EXIT_DEADLINE_MS)).toEqual({ code: 0, signal: null });

    expect(isAlive(server.pid)).toBe(false);
    expect(processGroup(started.npm.pid!)).toEqual([]);
    expect(await portIsFree(started.port)).toBe(true);
    expect(started.output()).not.toMatch(/"level":(50|60)/);
  });

  it('puts a job still running at the end of SHUTDOWN_GRACE_MS back in its queue and exits', async () => {
    const projectId = `project-test-${randomUUID()}`;
    const secret = randomBytes(32).toString('base64url');
    started = await startRoster({
      SHUTDOWN_GRACE_MS: '3000',
      // One invite a second: this bulk invite would run for a minute.
      ROSTER_INVITE_RATE_PER_SECOND: '1',
      ROSTER_PROJECT_ID: projectId,
      ROSTER_PROJECT_SECRET: secret,
      ROSTER_REDIRECT_URLS: 'http://localhost:3000/authenticate',
    });
    const auth = `Basic ${Buffer.from(`${projectId}:${secret}`).toString('base64')}`;
    const organization = await createOrganization(new B2BClient({ project_id: projectId, secret, env: `${started.baseUrl}/` }));
    const invitees = Array.from({ length: 60 }, (_, i) => ({ email_address: `invitee${i}@example.com` }));
    const response = await fetch(`${started.baseUrl}/v1/b2b/organizations/${organization.organization_id}/invites`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ invitees }),
    });
    expect(response.status).toBe(202);
    const { job } = (await response.json()) as { job: { job_id: string } };
    const jobOf = async () =>
      ((await (await fetch(`${started!.baseUrl}/v1/b2b/jobs/${job.job_id}`, { headers: { authorization: auth } })).json()) as any).job;
    await eventually(async () => (await jobOf()).progress.processed_rows >= 1, { what: 'the bulk invite to be under way' });

    const signalledAt = Date.now();
    started.npm.kill('SIGTERM');
    expect(await exitWithin(started, EXIT_DEADLINE_MS)).toEqual({ code: 0, signal: null });
    // Within the grace period, not after the minute the job would take.
    expect(Date.now() - signalledAt).toBeLessThan(3000 + 5000);
    expect(processGroup(started.npm.pid!)).toEqual([]);
    expect(started.output()).toMatch(/jobs still running went back to their queues/);

    // Back in its queue at once, for the next worker (not left active until its lock expires).
    const queue = new Queue('invites', { connection: { url: REDIS_URL }, prefix: bullPrefix(started.databaseName) });
    try {
      expect(await queue.getJobCounts('wait', 'active')).toEqual({ wait: 1, active: 0 });
    } finally {
      await queue.close();
    }
  });
});
