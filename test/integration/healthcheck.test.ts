import { spawn } from 'node:child_process';
import path from 'node:path';
import { useTestApp } from '../helpers/app';
import { databaseUrl } from '../helpers/database';
import { freePort } from '../helpers/ports';

/** Runs the compiled container health check (`npm run build` first), as Docker does. */
const HEALTHCHECK = path.resolve(__dirname, '../../dist/src/healthcheck.js');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function healthcheck(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [HEALTHCHECK, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('the container health check', () => {
  const ctx = useTestApp();

  it("passes when the web process's /healthz answers 200, and fails naming the cause when nothing answers", async () => {
    expect(await healthcheck([], { PORT: new URL(ctx.app.baseUrl).port })).toEqual({ code: 0, stderr: '' });
    const down = await healthcheck([], { PORT: String(await freePort()) });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^unhealthy: fetch failed/);
  });

  it('checks Postgres and Redis for the roles without HTTP, naming the one that is down', async () => {
    const backends = { DATABASE_URL: databaseUrl(ctx.app.databaseName), REDIS_URL };
    expect(await healthcheck(['backends'], backends)).toEqual({ code: 0, stderr: '' });
    const redisDown = await healthcheck(['backends'], { ...backends, REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(redisDown.code).toBe(1);
    expect(redisDown.stderr).toMatch(/^unhealthy: redis: connect ECONNREFUSED/);
    const postgresDown = await healthcheck(['backends'], { ...backends, DATABASE_URL: databaseUrl('roster_no_such_database') });
    expect(postgresDown.code).toBe(1);
    expect(postgresDown.stderr).toMatch(/^unhealthy: postgres: database "roster_no_such_database" does not exist/);
  });
});
