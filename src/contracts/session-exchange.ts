import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B } from './common';
import { exchangeResponse } from './discovery';
import { sessionUpdateProperties } from './sessions';

export const exchangeSessionBody = {
  type: 'object',
  properties: {
    organization_id: { type: 'string', minLength: 1, maxLength: 256 },
    ...sessionUpdateProperties,
    locale: { type: 'string' },
    telemetry_id: { type: 'string' },
  },
  required: ['organization_id'],
} as const;
export type ExchangeSessionInput = FromSchema<typeof exchangeSessionBody>;

/**
 * A session of one organization becomes a session (or an intermediate
 * session naming what is missing) in another where the same address has a
 * membership or an invite; only factors that travel across organizations
 * are carried.
 */
export const exchangeSession = defineContract({
  name: 'sessions.exchange',
  method: 'post',
  path: `${B2B}/sessions/exchange`,
  summary: "Exchange a member's session for one in another organization the same email address belongs to.",
  body: exchangeSessionBody,
  response: exchangeResponse,
  status: 200,
  sdk: 'sessions.exchange',
});

export const sessionExchangeContracts = [exchangeSession];
