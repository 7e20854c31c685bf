import type { Request } from 'express';

/**
 * The route label of a request that matched no route: 404s, and requests
 * refused before routing (a 401 from the project authentication). One fixed
 * value, so scanners probing random paths cannot grow the series.
 */
/** Told of every answered request, with the seconds it took (the request histogram). */
export type RequestObserver = (method: string, route: string, statusCode: number, seconds: number) => void;

export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The template of the route that answered (`/v1/b2b/organizations/:organization_id`),
 * never the raw path: ids in labels would make a series per organization.
 * Read once the response is sent, from what Express recorded while routing.
 */
export function routeTemplate(req: Request): string {
  const path: unknown = req.route?.path;
  if (typeof path !== 'string') return UNMATCHED_ROUTE;
  if (req.baseUrl !== '') return req.baseUrl + path;
  // Either an app-level route, or a route whose handler threw: Express has
  // then left its routers (baseUrl is back to '') while req.route still names
  // the route. Its mount is the part of the path the route's pattern did not
  // match (routers are mounted at fixed paths, so that part holds no ids).
  const segments = req.originalUrl.split('?', 1)[0].replace(/\/+$/, '').split('/');
  const depth = path.split('/').length - 1;
  return segments.slice(0, Math.max(1, segments.length - depth)).join('/') + path;
}
