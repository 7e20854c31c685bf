import { formatId, uuidv7 } from '../../ids';
import type { Db } from '../../repositories/db';
import type { EventRepository, EventRow } from '../../repositories/event.repository';
import type { OutboxRepository } from '../../repositories/outbox.repository';
import type { ProjectContext } from '../project-context';
import { eventName, isOptInEvent, SYSTEM_ACTOR, type EventInput, type EventObjectType, type EventPayload } from './event-types';

/**
 * Records changes as events, in the caller's transaction: a change that rolls
 * back leaves no event, and a committed one is always delivered, because the
 * outbox entry that dispatches it to webhook endpoints commits with it.
 */
export class EventLog {
  constructor(
    private readonly events: EventRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  /**
   * Writes the events and their dispatch, all in one INSERT however many there are; returns the bare event
   * ids. Opt-in events (bulk jobs' per-member ones, OPT_IN_EVENTS) are written only when an enabled endpoint
   * of the project names them: a million-row import makes no million events nobody asked for.
   */
  async record(db: Db, project: ProjectContext, inputs: EventInput | EventInput[]): Promise<string[]> {
    const actor = project.actor ?? SYSTEM_ACTOR;
    const named = (Array.isArray(inputs) ? inputs : [inputs]).map((input) => ({
      input,
      name: input.name ?? eventName(actor.source, input.objectType, input.action),
      optIn: isOptInEvent(actor.type, input.objectType),
    }));
    const optIn = [...new Set(named.filter((event) => event.optIn).map(({ name }) => name))];
    const wanted = await this.events.namedByEnabledEndpoints(db, project.id, optIn);
    const list = named.filter(({ name, optIn }) => !optIn || wanted.has(name));
    if (list.length === 0) return [];
    const now = new Date();
    const rows: EventRow[] = list.map(({ input, name }) => {
      const id = uuidv7(now.getTime());
      const payload: EventPayload = {
        project_id: project.publicId,
        event_id: formatId('event', project.env, id),
        action: input.action,
        object_type: input.objectType,
        source: actor.source,
        id: input.objectId,
        timestamp: now.toISOString(),
        vertical: 'B2B',
      };
      if (input.object !== undefined && input.action !== 'DELETE') payload[input.objectType] = input.object;
      return {
        id,
        project_id: project.id,
        organization_id: input.organizationId ?? null,
        name,
        source: actor.source,
        action: input.action,
        object_type: input.objectType,
        object_id: input.objectId,
        actor_type: actor.type,
        actor_id: actor.id,
        payload,
        created_at: now,
      };
    });
    await this.events.insertMany(db, rows);
    const eventIds = rows.map((row) => row.id);
    await this.outbox.add(db, 'events.dispatch', { eventIds }, `events.dispatch.${eventIds[0]}`);
    return eventIds;
  }

  /**
   * Which of these names of events of `objectType` would be written for the project: all, but opt-in events
   * no enabled endpoint names. Bulk work asks first, so it reads and presents its rows only when wanted.
   */
  async wanted(db: Db, project: ProjectContext, objectType: EventObjectType, names: string[]): Promise<Set<string>> {
    if (!isOptInEvent((project.actor ?? SYSTEM_ACTOR).type, objectType)) return new Set(names);
    return this.events.namedByEnabledEndpoints(db, project.id, names);
  }
}
