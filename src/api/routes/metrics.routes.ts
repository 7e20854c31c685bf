import { Router } from 'express';
import { METRICS_PATH } from '../../contracts/openapi';
import { AppError } from '../../errors';
import type { Metrics } from '../../metrics';
import { hashSecret, secretMatches } from '../../secrets';

const refused = () =>
  new AppError(
    'unauthorized_credentials',
    401,
    'Unauthorized credentials: /metrics takes the header `Authorization: Bearer <METRICS_TOKEN>`.',
  );

/**
 * `GET /metrics` in Prometheus' text format, outside the project API's Basic
 * authentication: it holds no project's data, only counts. Open unless
 * METRICS_TOKEN is set; then it takes that token as a bearer token, compared
 * in constant time.
 */
export function metricsRoutes(metrics: Metrics, token: string | undefined): Router {
  const router = Router();
  const tokenHash = token === undefined ? undefined : hashSecret(token);
  router.get(METRICS_PATH, async (req, res) => {
    if (tokenHash) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      if (bearer === undefined || !secretMatches(bearer, tokenHash)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        throw refused();
      }
    }
    res.type(metrics.contentType).send(await metrics.render());
  });
  return router;
}
