import { AppError } from '../errors';
import { hashSecret, secretMatches } from '../secrets';

/** The `WWW-Authenticate` header of a refused scrape. */
export const METRICS_CHALLENGE = 'Bearer realm="metrics"';

/**
 * Who may scrape `GET /metrics`, wherever it is served (the web route, the
 * worker and scheduler listener): it holds no project's data, only counts, so
 * it is open unless METRICS_TOKEN is set; then it takes that token as a bearer
 * token, compared in constant time. The check answers the error a refused
 * scrape gets, or undefined.
 */
export function metricsAccess(token: string | undefined): (authorization: string | undefined) => AppError | undefined {
  if (token === undefined) return () => undefined;
  const tokenHash = hashSecret(token);
  return (authorization) => {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (bearer !== undefined && secretMatches(bearer, tokenHash)) return undefined;
    return new AppError(
      'unauthorized_credentials',
      401,
      'Unauthorized credentials: /metrics takes the header `Authorization: Bearer <METRICS_TOKEN>`.',
    );
  };
}
