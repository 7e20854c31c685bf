import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { B2BClient } from 'stytch';
import { migrationSource } from '../../migrations';
import { databaseUrl, dropDatabase, uniqueDatabaseName, withAdmin } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { deleteQueueKeys } from '../helpers/redis';
import { createOrganization, stytchError } from '../helpers/factories';
import { freePort } from '../helpers/ports';

/** Spawns the compiled build: run `npm run build` first. */
const ROOT = path.resolve(__dirname, '../..');
const MAIN = path.join(ROOT, 'dist/src/main.js');
const CLI = path.join(ROOT, 'dist/src/cli/roster.js');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BOOT_DEADLINE_MS = 20_000;
const EXIT_DEADLINE_MS = 15_000;

jest.setTimeout(60_000);

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Running {
  child: ChildProcess;
  output: () => string;
  /** Resolves when the process exits, or rejects after `ms`. */
  exited: (ms: number) => Promise<Exited>;
}

function start(script: string, args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<Exited>((resolve) => {
    child.on('exit', (code, signal) => {
      // Let the pipes drain before reporting the output.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
  return {
    child,
    output: () => `stdout:\n${stdout}\nstderr:\n${stderr}`,
    exited: (ms) =>
      new Promise<Exited>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`process still running after ${ms} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`)),
          ms,
        );
        void done.then((result) => {
          clearTimeout(timer);
          resolve(result);
        });
      }),
  };
}

/** Runs a command to completion within the deadline. */
const run = (script: string, args: string[], env: Record<string, string>, ms = EXIT_DEADLINE_MS) => start(script, args, env).exited(ms);

async function databaseExists(name: string): Promise<boolean> {
  return withAdmin(async (c) => ((await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount ?? 0) > 0);
}

/** Polls /healthz until it answers 200, the process dies, or the deadline passes. */
async function waitHealthy(running: Running, baseUrl: string): Promise<Record<string, unknown>> {
  const outcome = await eventually(
    async () => {
      // A dead server ends the wait at once (with its output) rather than at the deadline.
      if (running.child.exitCode !== null) return { exitCode: running.child.exitCode };
      const res = await fetch(`${baseUrl}/healthz`); // throws while the server is not listening yet
      if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
      return { health: (await res.json()) as Record<string, unknown> };
    },
    { what: 'the server to be healthy', timeoutMs: BOOT_DEADLINE_MS, intervalMs: 100 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${running.output()}`);
  });
  if ('exitCode' in outcome) throw new Error(`server exited with ${outcome.exitCode}\n${running.output()}`);
  return outcome.health;
}

/** A server booted on a database that does not exist yet, with a bootstrap project. */
interface Booted {
  databaseName: string;
  env: Record<string, string>;
  baseUrl: string;
  projectId: string;
  secret: string;
  running: Running;
  health: Record<string, unknown>;
  existedBefore: boolean;
}

async function boot(): Promise<Booted> {
  const databaseName = uniqueDatabaseName();
  const existedBefore = await databaseExists(databaseName);
  const port = await freePort();
  const projectId = `project-test-${randomUUID()}`;
  const secret = randomBytes(32).toString('base64url');
  const env = {
    DATABASE_URL: databaseUrl(databaseName),
    REDIS_URL,
    ROSTER_QUEUE_PREFIX: databaseName,
    PORT: String(port),
    ROSTER_PROJECT_ID: projectId,
    ROSTER_PROJECT_SECRET: secret,
  };
  const running = start(MAIN, [], env);
  const baseUrl = `http://127.0.0.1:${port}`;
  const health = await waitHealthy(running, baseUrl);
  return { databaseName, env, baseUrl, projectId, secret, running, health, existedBefore };
}

/** Stops the server if it still runs, then removes its database and queues. */
async function cleanUp(booted: Booted | undefined): Promise<void> {
  if (!booted) return;
  if (booted.running.child.exitCode === null && booted.running.child.signalCode === null) {
    booted.running.child.kill('SIGKILL');
    await booted.running.exited(EXIT_DEADLINE_MS);
  }
  await deleteQueueKeys(booted.databaseName);
  await dropDatabase(booted.databaseName);
}

const clientFor = (booted: Booted, projectId: string, secret: string) =>
  new B2BClient({ project_id: projectId, secret, env: `${booted.baseUrl}/` });

describe('the compiled server', () => {
  describe('booted on a fresh database', () => {
    let booted: Booted;
    beforeAll(async () => {
      booted = await boot();
    });
    afterAll(() => cleanUp(booted));

    it('creates the missing database and applies every migration', async () => {
      expect(booted.existedBefore).toBe(false);
      expect(await databaseExists(booted.databaseName)).toBe(true);
      const client = new Client({ connectionString: booted.env.DATABASE_URL });
      await client.connect();
      try {
        const { rows } = await client.query('SELECT name FROM knex_migrations ORDER BY id');
        expect(rows.map((r) => r.name)).toEqual(await migrationSource.getMigrations([]));
      } finally {
        await client.end();
      }
    });

    it('answers /healthz with 200 and Postgres and Redis up', () => {
      expect(booted.health).toMatchObject({ status_code: 200, checks: { postgres: 'up', redis: 'up' } });
    });

    it('lets the SDK authenticate as the project from ROSTER_PROJECT_ID and ROSTER_PROJECT_SECRET', async () => {
      const client = clientFor(booted, booted.projectId, booted.secret);
      const organization = await createOrganization(client);
      const { organization: got } = await client.organizations.get({ organization_id: organization.organization_id });
      expect(got.organization_slug).toBe(organization.organization_slug);
    });

    it('refuses the bootstrap project with another secret', async () => {
      const client = clientFor(booted, booted.projectId, `${booted.secret}-wrong`);
      const error = await stytchError(client.organizations.search({}));
      expect([error.status_code, error.error_type]).toEqual([401, 'unauthorized_credentials']);
    });

    it('creates a project with the CLI whose printed id and secret authenticate against the server', async () => {
      const result = await run(CLI, ['projects', 'create', '--name', 'CLI Project'], booted.env);
      expect(result.code).toBe(0);
      const projectId = /^project_id:\s*(\S+)$/m.exec(result.stdout)?.[1];
      const secret = /^secret:\s*(\S+)$/m.exec(result.stdout)?.[1];
      expect(projectId).toMatch(/^project-test-[0-9a-f-]{36}$/);
      expect(secret).toBeDefined();
      const client = clientFor(booted, projectId!, secret!);
      const organization = await createOrganization(client);
      expect(organization.organization_id).toMatch(/^organization-test-/);
      // A separate tenant: the bootstrap project cannot see it.
      const error = await stytchError(
        clientFor(booted, booted.projectId, booted.secret).organizations.get({ organization_id: organization.organization_id }),
      );
      expect(error.status_code).toBe(404);
    });

    it('creates a live project with the CLI when asked', async () => {
      const result = await run(CLI, ['projects', 'create', '--name', 'Live', '--live'], booted.env);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^project_id:\s*project-live-[0-9a-f-]{36}$/m);
    });
  });

  describe('shutdown', () => {
    let booted: Booted | undefined;
    afterAll(() => cleanUp(booted));

    it('exits with code 0 soon after SIGTERM', async () => {
      booted = await boot();
      booted.running.child.kill('SIGTERM');
      const result = await booted.running.exited(EXIT_DEADLINE_MS);
      expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
    });
  });

  describe('bad settings', () => {
    it.each([
      ['PORT', { PORT: 'abc' }],
      ['REDIS_URL', { REDIS_URL: 'http://not-redis' }],
      ['ROSTER_PROJECT_SECRET', { ROSTER_PROJECT_ID: `project-test-${randomUUID()}`, ROSTER_PROJECT_SECRET: 'short' }],
    ])('stops boot with a non-zero exit naming %s', async (variable, env) => {
      const result = await run(MAIN, [], { DATABASE_URL: databaseUrl('roster_test_never_created'), ...env });
      expect(result.code).not.toBe(0);
      expect(result.code).not.toBeNull();
      expect(result.stderr).toContain(variable);
      expect(await databaseExists('roster_test_never_created')).toBe(false);
    });
  });

  describe('the CLI', () => {
    it('exits with code 2 and prints usage when --name is missing', async () => {
      const result = await run(CLI, ['projects', 'create'], {});
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--name');
      expect(result.stderr).toContain('Usage:');
      expect(result.stdout).toBe('');
    });

    it('exits with code 2 and prints usage for an unknown command', async () => {
      const result = await run(CLI, ['projects', 'destroy'], {});
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Usage:');
    });

    it('exits non-zero naming a bad setting', async () => {
      const result = await run(CLI, ['projects', 'create', '--name', 'X'], { DATABASE_URL: 'mysql://nowhere/x' });
      // The CLI's exit code for a usage or settings error (README, "Command line").
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('DATABASE_URL');
    });
  });
});
