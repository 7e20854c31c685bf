import type { Router } from 'express';
import { health } from '../../contracts/health';
import type { Container } from '../../container';
import { route, routerAt } from '../route';

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
  const router = routerAt('');
  route(router, health, async (_req, res) => {
    const [postgres, redis] = await Promise.all([probe(() => container.knex.raw('SELECT 1')), probe(() => container.redis.ping())]);
    if (postgres === 'up' && redis === 'up') return { status: 'ok' as const, checks: { postgres, redis } };
    res.status(503);
    return {
      status: 'unavailable' as const,
      checks: { postgres, redis },
      down: Object.entries({ postgres, redis })
        .filter(([, s]) => s === 'down')
        .map(([name]) => name),
    };
  });
  return router;
}
