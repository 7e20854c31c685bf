import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B, envelope, object, text, texts, time } from './common';

/** The longest endpoint URL accepted (the usual browser and proxy limit). */
export const WEBHOOK_URL_MAX_LENGTH = 2048;

const url = {
  type: 'string',
  minLength: 1,
  maxLength: WEBHOOK_URL_MAX_LENGTH,
  errorType: 'invalid_webhook_url',
} as const;
const description = { type: 'string', maxLength: 500, text: 'line', errorType: 'invalid_webhook_description' } as const;
// Names are checked against the catalogue by the service, which names the unknown one.
const eventTypes = {
  type: 'array',
  description:
    "Event names to deliver (GET /v1/b2b/webhooks/event_types lists them). Empty: every event except bulk jobs' per-member events (migration.member.*, and scim.member.* from SCIM reconciles and role refreshes), which go only to endpoints that name them.",
  maxItems: 500,
  items: { type: 'string', maxLength: 200, errorType: 'invalid_webhook_event_type' },
  errorType: 'invalid_webhook_event_type',
} as const;

/** An endpoint's state: `disabled` ones are sent nothing (Roster disables one that answers 410 or keeps failing). */
export const WEBHOOK_ENDPOINT_STATUSES = ['enabled', 'disabled'] as const;

export const endpointParams = {
  type: 'object',
  properties: { endpoint_id: { type: 'string', minLength: 1, maxLength: 256 } },
  required: ['endpoint_id'],
} as const;

export const createWebhookEndpointBody = {
  type: 'object',
  properties: { url, description, event_types: eventTypes },
  required: ['url'],
} as const;
export type CreateWebhookEndpointInput = FromSchema<typeof createWebhookEndpointBody>;

export const updateWebhookEndpointBody = {
  type: 'object',
  properties: {
    url,
    description,
    event_types: eventTypes,
    status: { type: 'string', enum: WEBHOOK_ENDPOINT_STATUSES, errorType: 'invalid_webhook_endpoint_status' },
  },
} as const;
export type UpdateWebhookEndpointInput = FromSchema<typeof updateWebhookEndpointBody>;

const nullableText = { type: ['string', 'null'] } as const;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;

/**
 * Roster's webhook endpoint. `event_types` empty = every event except bulk jobs' per-member events
 * (`migration.member.*`), which go only to endpoints that name them.
 */
export const webhookEndpointObject = object(
  {
    endpoint_id: text,
    url: text,
    description: text,
    event_types: texts,
    status: { type: 'string', enum: WEBHOOK_ENDPOINT_STATUSES },
    // null | manual | gone (the endpoint answered 410) | failing (it kept failing for days)
    disabled_reason: nullableText,
    disabled_at: nullableTime,
    failing_since: nullableTime,
    created_at: time,
    updated_at: time,
  },
  [
    'endpoint_id',
    'url',
    'description',
    'event_types',
    'status',
    'disabled_reason',
    'disabled_at',
    'failing_since',
    'created_at',
    'updated_at',
  ],
);
export type WebhookEndpointWire = FromSchema<typeof webhookEndpointObject>;

const endpointResponse = envelope({ endpoint: webhookEndpointObject }, ['endpoint']);
/** The endpoint with its signing secret (`whsec_…`), shown by creation and rotation only. */
const endpointWithSecretResponse = envelope({ endpoint: webhookEndpointObject, secret: text }, ['endpoint', 'secret']);

const PATH = `${B2B}/webhooks/endpoints`;

export const createWebhookEndpoint = defineContract({
  name: 'webhooks.endpoints.create',
  method: 'post',
  path: PATH,
  summary: 'Create a webhook endpoint; its signing secret (Standard Webhooks `whsec_…`) is shown in this response only.',
  body: createWebhookEndpointBody,
  response: endpointWithSecretResponse,
  status: 200,
});

export const listWebhookEndpoints = defineContract({
  name: 'webhooks.endpoints.list',
  method: 'get',
  path: PATH,
  summary: "The project's webhook endpoints, newest first.",
  response: envelope({ endpoints: { type: 'array', items: webhookEndpointObject } }, ['endpoints']),
  status: 200,
});

export const getWebhookEndpoint = defineContract({
  name: 'webhooks.endpoints.get',
  method: 'get',
  path: `${PATH}/:endpoint_id`,
  summary: 'A webhook endpoint.',
  params: endpointParams,
  response: endpointResponse,
  status: 200,
});

export const updateWebhookEndpoint = defineContract({
  name: 'webhooks.endpoints.update',
  method: 'put',
  path: `${PATH}/:endpoint_id`,
  summary: "Change a webhook endpoint's URL, description or event types, or disable / re-enable it.",
  params: endpointParams,
  body: updateWebhookEndpointBody,
  response: endpointResponse,
  status: 200,
});

export const deleteWebhookEndpoint = defineContract({
  name: 'webhooks.endpoints.delete',
  method: 'delete',
  path: `${PATH}/:endpoint_id`,
  summary: 'Delete a webhook endpoint with its secrets and delivery log.',
  params: endpointParams,
  response: envelope({ endpoint_id: text }, ['endpoint_id']),
  status: 200,
});

export const rotateWebhookSecret = defineContract({
  name: 'webhooks.endpoints.rotateSecret',
  method: 'post',
  path: `${PATH}/:endpoint_id/rotate_secret`,
  summary: 'Mint a new signing secret (shown in this response only); the previous one keeps signing beside it for 24 hours.',
  params: endpointParams,
  response: endpointWithSecretResponse,
  status: 200,
});

export const listWebhookEventTypes = defineContract({
  name: 'webhooks.eventTypes.list',
  method: 'get',
  path: `${B2B}/webhooks/event_types`,
  summary: 'The event names a webhook endpoint may subscribe to.',
  response: envelope({ event_types: texts }, ['event_types']),
  status: 200,
});

export const webhookEndpointContracts = [
  createWebhookEndpoint,
  listWebhookEndpoints,
  getWebhookEndpoint,
  updateWebhookEndpoint,
  deleteWebhookEndpoint,
  rotateWebhookSecret,
  listWebhookEventTypes,
];
