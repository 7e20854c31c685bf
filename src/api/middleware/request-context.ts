import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { logger } from '../../logger';
import { routeTemplate, type RequestObserver } from '../../metrics/http';
import type { ProjectContext } from '../../services/project-context';

export const newRequestId = () => `request-id-${randomUUID()}`;

/** An answered request, as its log line and its metrics see it. */
export interface AnsweredRequest {
  requestId: string;
  method: string;
  path: string;
  /** The template of the route that answered (see routeTemplate): a metrics label, never a raw path. */
  route: string;
  project: ProjectContext | undefined;
  statusCode: number;
  started: bigint;
}

/**
 * The one log line of every request, and its duration handed to `observe`:
 * one clock read serves both, the only per-request cost of the metrics. The
 * Express chain and the hot path (hot-routes.ts) both end here.
 */
export function recordRequest(observe: RequestObserver | undefined, answered: AnsweredRequest): void {
  const seconds = Number(process.hrtime.bigint() - answered.started) / 1e9;
  logger.info(
    {
      request_id: answered.requestId,
      method: answered.method,
      path: answered.path,
      status_code: answered.statusCode,
      project_id: answered.project?.publicId,
      duration_ms: seconds * 1000,
    },
    'request',
  );
  observe?.(answered.method, answered.route, answered.statusCode, seconds);
}

/** Gives each request its id and a child logger, and records it once it is answered. */
export function requestContext(observe?: RequestObserver): RequestHandler {
  return (req, res, next) => {
    req.requestId = newRequestId();
    req.log = logger.child({ request_id: req.requestId });
    res.setHeader('X-Request-Id', req.requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () =>
      recordRequest(observe, {
        requestId: req.requestId,
        method: req.method,
        path: req.originalUrl.split('?')[0],
        route: routeTemplate(req),
        project: req.project,
        statusCode: res.statusCode,
        started,
      }),
    );
    next();
  };
}
