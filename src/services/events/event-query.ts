import type { Knex } from 'knex';
import type { ListEventsQuery } from '../../contracts/events';
import { badRequest, notFound } from '../../errors';
import { formatId, parseId } from '../../ids';
import type { EventFilter, EventQueryRepository } from '../../repositories/event-query.repository';
import type { EventRow } from '../../repositories/event.repository';
import type { ProjectContext } from '../project-context';
import { ACTOR_TYPES, EVENT_SOURCES, webhookEventTypes } from './event-types';

const LIMIT_DEFAULT = 100;
const LIMIT_MAX = 1000;
/** More names than any prefix of the catalogue expands to; each is one index walk. */
const EVENT_TYPES_MAX = 100;
const EVENT_PREFIX = /^([a-z_]+\.)+\*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** RFC 3339 with a zone: Date.parse alone would take `2026-01-01` (local midnight) or `March 7`. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** One audit-log entry as GET /v1/b2b/events answers it (and the console shows it). */
export interface AuditEvent {
  event_id: string;
  name: string;
  timestamp: string;
  source: string;
  action: string;
  object_type: string;
  object_id: string;
  organization_id: string | null;
  actor: { type: string; id: string | null };
  payload: Record<string, unknown>;
}

export interface EventPage {
  events: AuditEvent[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/**
 * The first and last UUIDv7 of a millisecond: ids begin with their 48-bit Unix
 * time in milliseconds, so a time range is an id range.
 */
function idBound(ms: number, edge: 'first' | 'last'): string {
  const time = ms.toString(16).padStart(12, '0');
  const rest = edge === 'first' ? '0000-0000-000000000000' : 'ffff-ffff-ffffffffffff';
  return `${time.slice(0, 8)}-${time.slice(8)}-${rest}`;
}

/** Cursors are opaque to callers: the id of the previous page's last (oldest) event. */
const encodeCursor = (id: string) => Buffer.from(`events:${id}`).toString('base64url');

function decodeCursor(cursor: string): string {
  const [kind, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  if (kind !== 'events' || id === undefined || !UUID.test(id)) {
    throw badRequest('invalid_cursor', 'cursor is not a cursor returned by a previous page.');
  }
  return id;
}

function parseTime(value: string, field: 'from' | 'to'): number {
  const ms = ISO_TIME.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms) || ms < 0) {
    throw badRequest('invalid_date', `${field} is not an RFC 3339 date-time with a time zone (e.g. 2026-01-31T12:00:00Z).`);
  }
  return ms;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return LIMIT_DEFAULT;
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1 || limit > LIMIT_MAX) {
    throw badRequest('invalid_limit', `limit must be a whole number from 1 to ${LIMIT_MAX}.`);
  }
  return limit;
}

const isOneOf = <T extends string>(value: string, allowed: readonly T[]): value is T => (allowed as readonly string[]).includes(value);
const mustBeOneOf = (field: string, allowed: readonly string[]) =>
  `${field} must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}.`;

/**
 * The event names a filter asks for: exact names of the catalogue, or a prefix
 * (`scim.member.*`) expanded against it, so that every name is an equality the
 * (project_id, name, id) index answers. Repeated parameters and commas both separate names.
 */
function eventNames(eventType: string | string[]): string[] {
  const catalogue = webhookEventTypes();
  const asked = (Array.isArray(eventType) ? eventType : [eventType]).flatMap((v) => v.split(',')).map((v) => v.trim());
  const names = new Set<string>();
  for (const type of asked) {
    const matches = EVENT_PREFIX.test(type)
      ? catalogue.filter((name) => name.startsWith(type.slice(0, -1)))
      : catalogue.filter((name) => name === type);
    if (matches.length === 0) {
      throw badRequest(
        'invalid_event_type',
        `event_type ${JSON.stringify(type)} is not an event type (like direct.member.create or job.completed) nor a prefix of one (like scim.member.*).`,
      );
    }
    for (const name of matches) names.add(name);
  }
  if (names.size > EVENT_TYPES_MAX) throw badRequest('invalid_event_type', `event_type names more than ${EVENT_TYPES_MAX} event types.`);
  return [...names];
}

/** The audit log: a project's events, filtered and paged newest first; never another project's. */
export class EventQueryService {
  constructor(
    private readonly knex: Knex,
    private readonly events: EventQueryRepository,
  ) {}

  async list(project: ProjectContext, query: ListEventsQuery): Promise<EventPage> {
    const limit = parseLimit(query.limit);
    const rows = await this.events.list(this.knex, project.id, this.filterOf(project, query), limit + 1);
    const page = rows.slice(0, limit);
    return {
      events: page.map((row) => this.present(project, row)),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  async get(project: ProjectContext, eventId: string): Promise<AuditEvent> {
    const id = parseId('event', project.env, eventId);
    const row = id ? await this.events.find(this.knex, project.id, id) : undefined;
    if (!row) throw notFound('event_not_found', 'Event could not be found.');
    return this.present(project, row);
  }

  private filterOf(project: ProjectContext, query: ListEventsQuery): EventFilter {
    const filter: EventFilter = {};
    if (query.event_type !== undefined) filter.names = eventNames(query.event_type);
    if (query.object_id !== undefined) filter.objectId = query.object_id;
    if (query.organization_id !== undefined) {
      filter.organizationId = parseId('organization', project.env, query.organization_id);
      if (filter.organizationId === undefined) {
        throw badRequest(
          'invalid_organization_id',
          `organization_id is not an organization id of this project (organization-${project.env}-…).`,
        );
      }
    }
    if (query.actor_type !== undefined) {
      if (!isOneOf(query.actor_type, ACTOR_TYPES)) throw badRequest('invalid_actor_type', mustBeOneOf('actor_type', ACTOR_TYPES));
      filter.actorType = query.actor_type;
    }
    if (query.actor_id !== undefined) filter.actorId = query.actor_id;
    if (query.source !== undefined) {
      if (!isOneOf(query.source, EVENT_SOURCES)) throw badRequest('invalid_event_source', mustBeOneOf('source', EVENT_SOURCES));
      filter.source = query.source;
    }
    const from = query.from === undefined ? undefined : parseTime(query.from, 'from');
    const to = query.to === undefined ? undefined : parseTime(query.to, 'to');
    if (from !== undefined && to !== undefined && from > to) throw badRequest('invalid_date_range', 'from is later than to.');
    if (from !== undefined) filter.minId = idBound(from, 'first');
    if (to !== undefined) filter.maxId = idBound(to, 'last');
    if (query.cursor !== undefined) filter.beforeId = decodeCursor(query.cursor);
    return filter;
  }

  private present(project: ProjectContext, row: EventRow): AuditEvent {
    return {
      event_id: formatId('event', project.env, row.id),
      name: row.name,
      timestamp: row.created_at.toISOString(),
      source: row.source,
      action: row.action,
      object_type: row.object_type,
      object_id: row.object_id,
      organization_id: row.organization_id === null ? null : formatId('organization', project.env, row.organization_id),
      actor: { type: row.actor_type, id: row.actor_id },
      payload: row.payload as Record<string, unknown>,
    };
  }
}
