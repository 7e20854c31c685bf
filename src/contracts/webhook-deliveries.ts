import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B, count, envelope, noBody, object, text, time } from './common';
import { endpointParams } from './webhook-endpoints';

/** `pending`: waiting for its next attempt (or for an earlier event of the same object); `failed`: retries spent, or its endpoint was disabled. */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

const nullableText = { type: ['string', 'null'] } as const;
const nullableCount = { type: ['integer', 'null'] } as const;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;

const deliveryProperties = {
  delivery_id: text,
  endpoint_id: text,
  event_id: text,
  event_name: { type: 'string', description: 'The event type, e.g. `direct.member.create`.' },
  object_id: { type: 'string', description: 'The changed object: deliveries of one object to one endpoint go out in event order.' },
  status: { type: 'string', enum: WEBHOOK_DELIVERY_STATUSES },
  attempt_count: count,
  next_attempt_at: { ...nullableTime, description: 'When the next attempt is due; null once the delivery is finished.' },
  last_status_code: { ...nullableCount, description: "The last attempt's HTTP status; null before any answer." },
  created_at: time,
  updated_at: time,
} as const;
const deliveryRequired = [
  'delivery_id',
  'endpoint_id',
  'event_id',
  'event_name',
  'object_id',
  'status',
  'attempt_count',
  'next_attempt_at',
  'last_status_code',
  'created_at',
  'updated_at',
] as const;

/** One event to one webhook endpoint. */
export const webhookDeliveryObject = object(deliveryProperties, deliveryRequired);

export const webhookAttemptObject = object(
  {
    attempted_at: time,
    status_code: { ...nullableCount, description: 'Null when no answer came (refused address, timeout, connection error).' },
    latency_ms: count,
    response_excerpt: { type: 'string', description: "The first KiB of the receiver's answer." },
    error: nullableText,
  },
  ['attempted_at', 'status_code', 'latency_ms', 'response_excerpt', 'error'],
);

export const deliveryParams = {
  type: 'object',
  properties: { delivery_id: { type: 'string', minLength: 1, maxLength: 256 } },
  required: ['delivery_id'],
} as const;

export const listDeliveriesQuery = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: WEBHOOK_DELIVERY_STATUSES, errorType: 'invalid_webhook_delivery_status' },
    limit: {
      type: 'string',
      pattern: '^([1-9][0-9]{0,2}|1000)$',
      errorType: 'invalid_limit',
      errorMessage: 'must be a whole number from 1 to 1000',
    },
    cursor: { type: 'string', maxLength: 1000, errorType: 'invalid_cursor' },
  },
  // A misspelt filter must not silently list every delivery.
  additionalProperties: false,
} as const;
export type ListDeliveriesQuery = FromSchema<typeof listDeliveriesQuery>;

export const listWebhookDeliveries = defineContract({
  name: 'webhooks.deliveries.list',
  method: 'get',
  path: `${B2B}/webhooks/endpoints/:endpoint_id/deliveries`,
  summary: "A webhook endpoint's deliveries, newest first, a page at a time; filter by status.",
  params: endpointParams,
  query: listDeliveriesQuery,
  response: envelope(
    {
      deliveries: { type: 'array', items: webhookDeliveryObject },
      // Roster's own endpoint: next_cursor is null on the last page.
      results_metadata: object({ total: count, next_cursor: nullableText }, ['total', 'next_cursor']),
    },
    ['deliveries', 'results_metadata'],
  ),
  status: 200,
});

export const getWebhookDelivery = defineContract({
  name: 'webhooks.deliveries.get',
  method: 'get',
  path: `${B2B}/webhooks/deliveries/:delivery_id`,
  summary: 'A webhook delivery with every attempt (status, latency, response excerpt, error).',
  params: deliveryParams,
  response: envelope(
    {
      delivery: object({ ...deliveryProperties, attempts: { type: 'array', items: webhookAttemptObject } }, [
        ...deliveryRequired,
        'attempts',
      ]),
    },
    ['delivery'],
  ),
  status: 200,
});

export const replayWebhookDelivery = defineContract({
  name: 'webhooks.deliveries.replay',
  method: 'post',
  path: `${B2B}/webhooks/deliveries/:delivery_id/replay`,
  summary:
    'Send a finished delivery again (same event, same webhook-id): it goes back to pending, due now. A pending delivery is answered as it is.',
  params: deliveryParams,
  // Stytch-style POST: a JSON object, here with nothing in it.
  body: noBody,
  response: envelope({ delivery: webhookDeliveryObject }, ['delivery']),
  status: 200,
});

export const webhookDeliveryContracts = [listWebhookDeliveries, getWebhookDelivery, replayWebhookDelivery];
