import { Router } from 'express';
import { METRICS_PATH } from '../../contracts/openapi';
import type { Metrics } from '../../metrics';
import { METRICS_CHALLENGE, metricsAccess } from '../../metrics/access';

/**
 * `GET /metrics` in Prometheus' text format, outside the project API's Basic
 * authentication, behind METRICS_TOKEN when set (see metricsAccess).
 */
export function metricsRoutes(metrics: Metrics, token: string | undefined): Router {
  const router = Router();
  const refusal = metricsAccess(token);
  router.get(METRICS_PATH, async (req, res) => {
    const refused = refusal(req.headers.authorization);
    if (refused) {
      res.setHeader('WWW-Authenticate', METRICS_CHALLENGE);
      throw refused;
    }
    res.type(metrics.contentType).send(await metrics.render());
  });
  return router;
}
