import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiErrorOf, errorJson } from '../api/middleware/error-handler';
import { newRequestId } from '../api/middleware/request-context';
import { METRICS_PATH } from '../contracts/openapi';
import { AppError } from '../errors';
import { logger } from '../logger';
import type { Metrics } from './index';
import { METRICS_CHALLENGE, metricsAccess } from './access';

export interface MetricsListenerOptions {
  port: number;
  /** METRICS_TOKEN: the same bearer rule as the web route's. */
  token: string | undefined;
  /** Where Roster-only error types link (ROSTER_DOCS_URL). */
  docsUrl: string;
}

/**
 * `GET /metrics` on a port of its own (METRICS_PORT), for the `worker` and
 * `scheduler` roles: they serve no API, yet the job durations and email
 * outcomes they record exist only in their own registry. Nothing else is
 * served; other requests get a 404 in the API's error envelope. Resolves once
 * listening, rejects if the port cannot be bound (boot then fails, as for PORT).
 */
export async function listenForScrapes(metrics: Metrics, { port, token, docsUrl }: MetricsListenerOptions): Promise<Server> {
  const refusal = metricsAccess(token);

  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    // Express's router.get answers HEAD too; so does this.
    if (path !== METRICS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) {
      throw new AppError('route_not_found', 404, `No route for ${req.method} ${path}.`);
    }
    const refused = refusal(req.headers.authorization);
    if (refused) {
      res.setHeader('WWW-Authenticate', METRICS_CHALLENGE);
      throw refused;
    }
    const text = await metrics.render();
    res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  const server = createServer((req, res) => {
    const requestId = newRequestId();
    res.setHeader('X-Request-Id', requestId);
    answer(req, res).catch((err: unknown) => {
      const error = apiErrorOf(err, logger.child({ request_id: requestId }));
      const json = errorJson(error, requestId, docsUrl);
      res.writeHead(error.statusCode, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
      res.end(json);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  logger.info({ port: (server.address() as AddressInfo).port }, 'metrics listening');
  return server;
}
