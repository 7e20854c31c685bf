import type { WebhookEndpointWire } from '../../contracts/webhook-endpoints';
import { formatId, ProjectEnv } from '../../ids';
import type { WebhookEndpointRow } from '../../repositories/webhook-endpoint.repository';
import { timestamp } from './wire';

const optionalTime = (value: Date | null) => (value ? timestamp(value) : null);

/** Roster's webhook endpoint, as every endpoint of /v1/b2b/webhooks/endpoints answers it (never its secrets). */
export function presentWebhookEndpoint(env: ProjectEnv, row: WebhookEndpointRow): WebhookEndpointWire {
  return {
    endpoint_id: formatId('webhook-endpoint', env, row.id),
    url: row.url,
    description: row.description,
    event_types: row.event_types,
    status: row.status,
    disabled_reason: row.disabled_reason,
    disabled_at: optionalTime(row.disabled_at),
    failing_since: optionalTime(row.failing_since),
    created_at: timestamp(row.created_at),
    updated_at: timestamp(row.updated_at),
  };
}
