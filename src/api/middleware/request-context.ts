import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../logger';

export const newRequestId = () => `request-id-${randomUUID()}`;

/** Gives each request its id and a child logger, and logs the outcome once it is sent. */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    req.requestId = newRequestId();
    req.log = logger.child({ request_id: req.requestId });
    res.setHeader('X-Request-Id', req.requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      req.log.info(
        {
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status_code: res.statusCode,
          project_id: req.project?.publicId,
          duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  };
}
