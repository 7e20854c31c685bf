import { Router } from 'express';
import type { Container } from '../../container';
import { respond } from '../respond';

const CHECK_TIMEOUT_MS = 2000;

async function probe(check: () => Promise<unknown>): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /healthz`: 200 when Postgres and Redis answer, 503 naming what is down. */
export function healthRoutes(container: Pick<Container, 'knex' | 'redis'>): Router {
  const router = Router();
  router.get('/healthz', async (req, res) => {
    const [postgres, redis] = await Promise.all([
      probe(() => container.knex.raw('SELECT 1')),
      probe(() => container.redis.ping()),
    ]);
    const healthy = postgres === 'up' && redis === 'up';
    respond(req, res, healthy ? 200 : 503, {
      status: healthy ? 'ok' : 'unavailable',
      checks: { postgres, redis },
      ...(healthy ? {} : { down: Object.entries({ postgres, redis }).filter(([, s]) => s === 'down').map(([name]) => name) }),
    });
  });
  return router;
}
