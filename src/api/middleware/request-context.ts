import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../logger';

export const newRequestId = () => `request-id-${randomUUID()}`;

/** Told of every answered request, with the seconds it took (the metrics' request histogram). */
export type RequestObserver = (req: Request, res: Response, seconds: number) => void;

/**
 * Gives each request its id and a child logger, and once the response is
 * sent, logs it and hands its duration to `observe`: one clock read at each
 * end serves both, the only per-request cost of the metrics.
 */
export function requestContext(logger: Logger, observe?: RequestObserver): RequestHandler {
  return (req, res, next) => {
    req.requestId = newRequestId();
    req.log = logger.child({ request_id: req.requestId });
    res.setHeader('X-Request-Id', req.requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // project_id is not repeated here: authentication binds it to req.log.
      req.log.info(
        { method: req.method, path: req.originalUrl.split('?')[0], status_code: res.statusCode, duration_ms: seconds * 1000 },
        'request',
      );
      observe?.(req, res, seconds);
    });
    next();
  };
}
