import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/events';
import type { EventQueryService } from '../../services/events/event-query';
import { route, routerAt } from '../route';

/** Roster's audit log: the project's events (GET /v1/b2b/events). */
export function eventRoutes(events: EventQueryService): Router {
  const router = routerAt(B2B);

  route(router, api.listEvents, async (req) => {
    const page = await events.list(req.project, req.query);
    return { events: page.events, next_cursor: page.nextCursor };
  });

  route(router, api.getEvent, async (req) => ({ event: await events.get(req.project, req.params.event_id) }));

  return router;
}
