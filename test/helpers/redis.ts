import { Redis } from 'ioredis';
import { bullPrefix } from '../../src/queues/connection';
import { RUN_PREFIX } from './database';

/** The Redis the suite runs against: REDIS_URL's, or the local default. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The match pattern of the queue keys of one test run, or of every run.
 * Test apps, and the processes tests spawn, take their database's name
 * (`roster_t_<run>_<hex>`) as their queue prefix, which BullMQ wraps in
 * braces: their keys are `{roster_t_<run>_<hex>}:…`.
 */
export const runKeysPattern = (run?: string) => (run === undefined ? `{${RUN_PREFIX}_*` : `{${RUN_PREFIX}_${run}_*`);

/** The run (its start time) a key matching runKeysPattern() belongs to. */
export const runOfKey = (key: string): number => Number(key.slice(`{${RUN_PREFIX}_`.length).split('_')[0]);

async function withRedis<T>(fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** Every key matching `pattern` (by SCAN: a large Redis is not blocked). */
export function keysMatching(pattern: string): Promise<string[]> {
  return withRedis(async (redis) => {
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<string[]>) keys.push(...batch);
    return keys;
  });
}

export async function unlinkKeys(keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await withRedis(async (redis) => {
    for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
  });
}

/** Deletes every BullMQ key of a queue prefix: the queues, jobs, events and schedulers of one test app. */
export async function deleteQueueKeys(queuePrefix: string): Promise<void> {
  await unlinkKeys(await keysMatching(`${bullPrefix(queuePrefix)}:*`));
}
