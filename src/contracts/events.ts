import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { anyObject, B2B, envelope, object, text, time } from './common';

const nullableText = { type: ['string', 'null'] } as const;

/** One audit-log entry: who did what to which object, when, through which door; `payload` is the event as webhooks deliver it. */
export const eventObject = object(
  {
    event_id: text,
    name: text,
    timestamp: time,
    source: text,
    action: text,
    object_type: text,
    object_id: text,
    organization_id: nullableText,
    actor: object({ type: text, id: nullableText }, ['type', 'id']),
    payload: anyObject,
  },
  ['event_id', 'name', 'timestamp', 'source', 'action', 'object_type', 'object_id', 'organization_id', 'actor', 'payload'],
);

const idText = { type: 'string', minLength: 1, maxLength: 256 } as const;
const eventTypeText = { type: 'string', minLength: 1, maxLength: 200, errorType: 'invalid_event_type' } as const;
const isoTime = (name: string) =>
  ({
    type: 'string',
    format: 'date-time',
    errorType: 'invalid_date',
    errorMessage: `is not an RFC 3339 date-time with a time zone (e.g. 2026-01-31T12:00:00Z); ${name}`,
  }) as const;

export const listEventsQuery = {
  type: 'object',
  properties: {
    // Repeat the parameter (or separate names with commas) for several types; `scim.member.*` takes every name under a prefix.
    event_type: {
      anyOf: [eventTypeText, { type: 'array', items: eventTypeText, maxItems: 50, errorType: 'invalid_event_type' }],
      errorType: 'invalid_event_type',
    },
    object_id: idText,
    organization_id: { ...idText, errorType: 'invalid_organization_id' },
    // Checked against the actor types and sources by the service.
    actor_type: { ...idText, errorType: 'invalid_actor_type' },
    actor_id: idText,
    source: { ...idText, errorType: 'invalid_event_source' },
    // Both bounds are inclusive, to the millisecond.
    from: isoTime('from is the earliest time listed'),
    to: isoTime('to is the latest time listed'),
    limit: {
      type: 'string',
      pattern: '^([1-9][0-9]{0,2}|1000)$',
      errorType: 'invalid_limit',
      errorMessage: 'must be a whole number from 1 to 1000',
    },
    cursor: { type: 'string', maxLength: 200, errorType: 'invalid_cursor' },
  },
} as const;
export type ListEventsQuery = FromSchema<typeof listEventsQuery>;

export const listEvents = defineContract({
  name: 'events.list',
  method: 'get',
  path: `${B2B}/events`,
  summary:
    "The project's audit log, newest first, a page at a time: filter by event type, object, organization, actor, source and time. " +
    'next_cursor is null on the last page; there is no total (the log may hold millions of events).',
  query: listEventsQuery,
  response: envelope({ events: { type: 'array', items: eventObject }, next_cursor: nullableText }, ['events', 'next_cursor']),
  status: 200,
});

export const eventParams = {
  type: 'object',
  properties: { event_id: { type: 'string', minLength: 1, maxLength: 256 } },
  required: ['event_id'],
} as const;

export const getEvent = defineContract({
  name: 'events.get',
  method: 'get',
  path: `${B2B}/events/:event_id`,
  summary: 'One event of the audit log.',
  params: eventParams,
  response: envelope({ event: eventObject }, ['event']),
  status: 200,
});

export const eventContracts = [listEvents, getEvent];
