import cluster, { Worker as WebProcess } from 'node:cluster';
import { createApp } from './api/app';
import { drainHttpServer } from './api/drain';
import { createRequestListener } from './api/hot-routes';
import { createApiServer } from './api/server';
import { ConfigError, loadConfig } from './config';
import { createContainer } from './container';
import { ensureDatabase, migrateToLatest } from './db/database';
import { logger } from './logger';
import { listenForScrapes } from './metrics/listener';
import { startScheduler } from './scheduler';
import { Shutdown } from './shutdown';
import { startWorkers, Workers } from '../workers';

const ROLES = ['all', 'web', 'worker', 'scheduler'] as const;
type Role = (typeof ROLES)[number];

/**
 * One entry point for every process role of the Procfile. `all` (what
 * `npm start` runs) also creates the database and applies migrations, so a
 * fresh machine needs nothing else.
 */
async function main(requested: Role): Promise<void> {
  const config = loadConfig();
  logger.level = config.logLevel;
  // With WEB_CONCURRENCY > 1 the primary keeps its role's other work and
  // forks the HTTP servers; each forked process is a plain `web` process.
  const forksWeb = cluster.isPrimary && config.webProcesses > 1 && (requested === 'all' || requested === 'web');
  const role: Role = cluster.isWorker ? 'web' : requested;
  if (!config.smtpUrl && cluster.isPrimary)
    logger.warn('SMTP_URL is not set: emails go to the dev outbox and their links (with live tokens) are logged');
  if (role === 'all') {
    await ensureDatabase(config.databaseUrl);
  }
  const container = createContainer(config);
  if (role === 'all') {
    const applied = await migrateToLatest(container.knex);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  if (config.bootstrapProject && (role === 'all' || role === 'web') && cluster.isPrimary) {
    const { projectId, secret, redirectUrls } = config.bootstrapProject;
    await container.projects.ensure(projectId, secret, redirectUrls);
    logger.info({ project_id: projectId }, 'project from ROSTER_PROJECT_ID ensured');
  }

  // Signal handlers go in before anything starts, so a SIGTERM during boot
  // still stops whatever has started by then.
  let workers: Workers | undefined;
  const shutdown = new Shutdown({
    graceMs: config.shutdownGraceMs,
    async close() {
      await container.close();
      // A forked web process ends once its channel to the primary is gone too.
      if (cluster.isWorker && process.connected) process.disconnect();
    },
    async overrun() {
      await container.sessionToucher.flush();
      const jobs = (await workers?.returnActiveJobs()) ?? [];
      logger.warn({ returned_jobs: jobs }, 'grace period over: jobs still running went back to their queues; exiting');
    },
    exit: (code) => process.exit(code),
  });
  process.on('SIGTERM', () => void shutdown.signal('SIGTERM'));
  process.on('SIGINT', () => void shutdown.signal('SIGINT'));
  // A forked web process stops with its primary (which signals it on shutdown) or if the primary dies.
  cluster.worker?.on('disconnect', () => {
    if (!shutdown.started) void shutdown.signal('disconnect');
  });

  // Every role relays the outbox: whichever process runs, committed follow-up work reaches the queues.
  container.relay.start();
  if (role === 'all' || role === 'worker') {
    const started = startWorkers(container);
    workers = started;
    shutdown.add(() => started.close());
  }
  if (role === 'all' || role === 'scheduler') {
    const scheduler = await startScheduler(config);
    // A signal that came while it was starting has already begun the stop without it.
    if (shutdown.started) await scheduler.close();
    else shutdown.add(() => scheduler.close());
  }
  // `web` and `all` serve /metrics on PORT; these roles serve no API, so their metrics need a port of their own.
  if ((role === 'worker' || role === 'scheduler') && config.metricsPort !== undefined && !shutdown.started) {
    const scrapes = await listenForScrapes(container.metrics, {
      port: config.metricsPort,
      token: config.metricsToken,
      docsUrl: config.docsUrl,
    });
    if (shutdown.started) await drainHttpServer(scrapes, 0);
    else shutdown.add(() => drainHttpServer(scrapes, shutdown.drainMs));
  }
  if (forksWeb && !shutdown.started) {
    shutdown.add(forkWebProcesses(config.webProcesses, () => shutdown.started));
  } else if ((role === 'all' || role === 'web') && !shutdown.started) {
    const server = createApiServer(createRequestListener(container, createApp(container)), () => config.docsUrl).listen(config.port, () => {
      logger.info({ port: config.port, public_url: config.publicUrl }, 'Roster API listening');
    });
    shutdown.add(() => drainHttpServer(server, shutdown.drainMs));
  }
}

/**
 * Forks `count` web processes sharing the port (node:cluster), replaces one
 * that dies while Roster runs, and returns the stop that shuts them down
 * gracefully: each gets SIGTERM and drains its server within its own grace period.
 */
function forkWebProcesses(count: number, stopping: () => boolean): () => Promise<void> {
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping()) return;
    logger.error({ pid: worker.process.pid, code, signal }, 'web process died; starting another');
    cluster.fork();
  });
  return async () => {
    const live = Object.values(cluster.workers ?? {}).filter((worker): worker is WebProcess => worker !== undefined && !worker.isDead());
    await Promise.all(
      live.map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
  };
}

const role = (process.argv[2] ?? 'all') as Role;
if (!ROLES.includes(role)) {
  console.error(`Unknown role "${role}". Use one of: ${ROLES.join(', ')}.`);
  process.exit(2);
}
main(role).catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else logger.fatal({ err }, 'Roster failed to start');
  process.exit(1);
});
