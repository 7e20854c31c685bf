import { Client } from 'pg';
import { loadConfig } from './config';
import { fastFailConnection } from './queues/connection';

/** Docker runs a health check every few seconds: one that hangs must fail well before the next. */
const TIMEOUT_MS = 3000;

/**
 * The container health check (Dockerfile HEALTHCHECK, compose.yaml), for
 * images without curl: `node dist/src/healthcheck.js` asks this container's
 * `web` process for GET /healthz on PORT; `node dist/src/healthcheck.js backends`,
 * for `worker` and `scheduler`, which serve no HTTP, checks that Postgres and
 * Redis answer from here. Exits 0 when healthy, 1 (saying why) when not.
 */
async function check(target: string | undefined): Promise<void> {
  const config = loadConfig();
  if (target === 'backends') {
    const postgres = new Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: TIMEOUT_MS });
    const redis = fastFailConnection(config.redisUrl, { connectTimeout: TIMEOUT_MS, lazyConnect: true, retryStrategy: () => null });
    // Reported below, once, naming the backend: ioredis rejects with a bare "Connection is closed".
    let redisError: Error | undefined;
    redis.on('error', (err: Error) => (redisError = err));
    try {
      const results = await Promise.allSettled([
        postgres.connect().then(() => postgres.query('SELECT 1')),
        redis.connect().then(
          () => redis.ping(),
          (err: Error) => Promise.reject(redisError ?? err),
        ),
      ]);
      const down = results.flatMap((result, i) =>
        result.status === 'rejected' ? [`${['postgres', 'redis'][i]}: ${(result.reason as Error).message}`] : [],
      );
      if (down.length > 0) throw new Error(down.join('; '));
    } finally {
      redis.disconnect();
      await postgres.end().catch(() => undefined);
    }
    return;
  }
  const response = await fetch(`http://127.0.0.1:${config.port}/healthz`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (response.status !== 200) throw new Error(`GET /healthz answered ${response.status}: ${await response.text()}`);
}

check(process.argv[2]).then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`unhealthy: ${err.message}`);
    process.exit(1);
  },
);
