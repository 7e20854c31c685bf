import { defineContract } from './contract';
import { envelope, object, texts } from './common';

const state = { type: 'string', enum: ['up', 'down'] } as const;

/** 200 when Postgres and Redis answer; 503 with the same body naming what is down. */
export const health = defineContract({
  name: 'health',
  method: 'get',
  path: '/healthz',
  summary: 'Whether Postgres and Redis answer.',
  response: envelope(
    {
      status: { type: 'string', enum: ['ok', 'unavailable'] },
      checks: object({ postgres: state, redis: state }, ['postgres', 'redis']),
      down: texts,
    },
    ['status', 'checks'],
  ),
  status: 200,
});

export const healthContracts = [health];
