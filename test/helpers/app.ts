import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { B2BClient } from 'stytch';
import { createApp } from '../../src/api/app';
import { createRequestListener } from '../../src/api/hot-routes';
import { createApiServer } from '../../src/api/server';
import { loadConfig } from '../../src/config';
import { Container, createContainer } from '../../src/container';
import type { ProjectEnv } from '../../src/ids';
import { startWorkers, Workers } from '../../workers';
import { createTestDatabase, databaseUrl, dropDatabase } from './database';
import { deleteQueueKeys } from './redis';
import { SdkWireCheck } from './sdk-wire-check';
import { TestSmtpServer } from './smtp';

export interface TestProject {
  projectId: string;
  secret: string;
  client: B2BClient;
}

export interface TestApp {
  baseUrl: string;
  container: Container;
  /** The Express app the server runs (its router table is what the route-walking test walks). */
  express: Express;
  databaseName: string;
  /** Every SDK-called response this app served, held to the SDK's types (useTestApp fails the file on a mismatch). */
  sdkWire: SdkWireCheck;
  /** A project created for this app, with an SDK client authenticated as it. */
  project: TestProject;
  /** Another project on the same server (tenant isolation tests). */
  newProject(env?: ProjectEnv): Promise<TestProject>;
  /** Raw HTTP, for what the SDK cannot send. Authenticated as `project` unless `auth` says otherwise. */
  http(method: string, path: string, init?: RawRequest): Promise<RawResponse>;
  close(): Promise<void>;
}

export interface RawRequest {
  /** A value to send as JSON, or a string or Buffer sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** `null` sends no Authorization header; a pair overrides the credentials. */
  auth?: { projectId: string; secret: string } | null;
}

export interface RawResponse {
  status: number;
  body: Record<string, any>;
  headers: Headers;
}

/** Every test project allows these redirect URLs; the first is its default. */
export const TEST_REDIRECT_URLS = ['https://app.example.com/authenticate', 'https://app.example.com/signup'];

/** The real app on a database of its own, listening on an ephemeral port. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const databaseName = await createTestDatabase();
  // Listen first: PUBLIC_URL (the JWT issuer the SDK checks) must name the real port.
  // Roster's own error types link to the server's own error reference (ROSTER_DOCS_URL defaults to PUBLIC_URL).
  const server: Server = createApiServer(undefined, () => baseUrl);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    DATABASE_URL: databaseUrl(databaseName),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ROSTER_QUEUE_PREFIX: databaseName,
    PORT: '0',
    PUBLIC_URL: baseUrl,
    LOG_LEVEL: 'silent',
    // Every response is held to its contract: a mismatch is a 500 that fails the test.
    ROSTER_CHECK_RESPONSES: 'true',
    // And no code path may take a second pooled connection inside a transaction: it fails at once.
    DATABASE_GUARD_NESTED: 'true',
    ...env,
  });
  const container = createContainer(config);
  const express = createApp(container);
  const sdkWire = new SdkWireCheck();
  server.on('request', sdkWire.observe(createRequestListener(container, express)));

  const newProject = async (projectEnv: ProjectEnv = 'test'): Promise<TestProject> => {
    const { projectId, secret } = await container.projects.create(`project ${projectEnv}`, projectEnv, TEST_REDIRECT_URLS);
    return { projectId, secret, client: new B2BClient({ project_id: projectId, secret, env: `${baseUrl}/` }) };
  };
  const project = await newProject();

  const http = async (method: string, path: string, init: RawRequest = {}): Promise<RawResponse> => {
    const headers: Record<string, string> = { ...init.headers };
    const auth = init.auth === undefined ? project : init.auth;
    if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.projectId}:${auth.secret}`).toString('base64')}`;
    let body: string | Buffer | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' || Buffer.isBuffer(init.body) ? init.body : JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    // A Buffer is a valid body; the DOM typings preact's JSX types pull in say otherwise.
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body as BodyInit | undefined });
    const text = await response.text();
    let parsed: Record<string, any>;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { raw: text };
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };

  return {
    baseUrl,
    container,
    express,
    databaseName,
    sdkWire,
    project,
    newProject,
    http,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await container.close();
      // On the suite's Redis, whatever REDIS_URL the app had: processes a test runs beside it share its prefix there.
      await deleteQueueKeys(config.queuePrefix);
      await dropDatabase(databaseName);
    },
  };
}

export interface TestAppHolder {
  app: TestApp;
  /** The SDK client of `app.project`. */
  client: B2BClient;
  /** In-process workers on the app's queues and the outbox relay (only with `{ workers: true }`); closed before `app` is. */
  workers?: Workers;
  /** A real SMTP server the app sends to (only with `{ smtp: true }`). */
  smtp: TestSmtpServer;
}

/**
 * Starts the app in beforeAll (with in-process workers when asked) and closes it in afterAll.
 * The returned holder is filled in beforeAll: read its properties inside hooks and tests.
 */
export function useTestApp(env: Record<string, string> = {}, options: { workers?: boolean; smtp?: boolean } = {}): TestAppHolder {
  const holder = {} as TestAppHolder;
  beforeAll(async () => {
    if (options.smtp) holder.smtp = new TestSmtpServer();
    const smtpEnv: Record<string, string> = options.smtp ? { SMTP_URL: await holder.smtp.start() } : {};
    holder.app = await startTestApp({ ...smtpEnv, ...env });
    holder.client = holder.app.project.client;
    if (options.workers) {
      holder.workers = startWorkers(holder.app.container);
      holder.app.container.relay.start();
    }
  });
  afterAll(async () => {
    await holder.workers?.close();
    await holder.app?.close();
    await holder.smtp?.stop();
    const mismatches = holder.app?.sdkWire.problems() ?? [];
    if (mismatches.length > 0) throw new Error(`responses that differ from the stytch SDK's types:\n${mismatches.join('\n')}`);
  });
  return holder;
}
