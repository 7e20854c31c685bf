import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import type { TestApp } from './app';
import { databaseUrl } from './database';

const ROOT = path.resolve(__dirname, '../..');
/** The compiled bin, as package.json's "bin" names it (run `npx tsc -p tsconfig.json` first). */
export const ROSTER_BIN = path.join(ROOT, 'dist/src/cli/roster.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI in a child process with exactly `env` (plus PATH), asynchronously:
 * the test server runs in this process and must keep answering meanwhile.
 */
export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return runNode([ROSTER_BIN, ...args], ROOT, { LOG_LEVEL: 'silent', ...env });
}

/** Runs a node script to completion with exactly `env` (plus PATH), collecting its output. */
export function runNode(args: string[], cwd: string, env: Record<string, string>): Promise<CliRun> {
  const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The settings that point the CLI at a test app: its server and project for API commands, its database for `projects`. */
export function cliEnv(app: TestApp): Record<string, string> {
  return {
    ROSTER_URL: app.baseUrl,
    ROSTER_PROJECT_ID: app.project.projectId,
    ROSTER_PROJECT_SECRET: app.project.secret,
    DATABASE_URL: databaseUrl(app.databaseName),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ROSTER_QUEUE_PREFIX: app.databaseName,
  };
}

/** A local port nothing listens on (it was just free). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Non-empty lines. */
export const lines = (text: string) => text.split('\n').filter((line) => line !== '');
