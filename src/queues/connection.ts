import { Redis, RedisOptions } from 'ioredis';

/**
 * Connections per BullMQ's production guide: workers block on Redis, so they
 * must retry forever (`maxRetriesPerRequest: null`); producers and health
 * checks fail fast instead of queueing commands while Redis is away.
 */
export function workerConnection(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

export function fastFailConnection(redisUrl: string, extra: RedisOptions = {}): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false, ...extra });
}

/** BullMQ key prefix; the braces make it a Redis Cluster hash tag so a queue's keys share a slot. */
export function bullPrefix(queuePrefix: string): string {
  return `{${queuePrefix}}`;
}
