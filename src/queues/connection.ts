import { Redis, RedisOptions } from 'ioredis';

/**
 * Connections per BullMQ's production guide: workers block on Redis, so they
 * must retry forever (`maxRetriesPerRequest: null`); producers and health
 * checks fail fast instead of queueing commands while Redis is away.
 */
/**
 * How long a closing connection may take before its socket is destroyed.
 * ioredis' 2 s default keeps a stopped process alive that long when Redis
 * was unreachable (the socket it waits on has long gone).
 */
const DISCONNECT_TIMEOUT_MS = 200;

export function workerConnection(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true, disconnectTimeout: DISCONNECT_TIMEOUT_MS });
}

export function fastFailConnection(redisUrl: string, extra: RedisOptions = {}): Redis {
  return new Redis(redisUrl, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    ...extra,
  });
}

/** BullMQ key prefix; the braces make it a Redis Cluster hash tag so a queue's keys share a slot. */
export function bullPrefix(queuePrefix: string): string {
  return `{${queuePrefix}}`;
}
