import type { Express } from 'express';
import type { RouteSchemas, ValidatingHandler } from '../../src/api/validation';

/** A route of the app's router table, as Express holds it. */
export interface Route {
  method: string;
  path: string;
  schemas: RouteSchemas;
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean>; stack: { handle: Partial<ValidatingHandler> }[] };
  handle: { stack?: Layer[] };
  rawPath?: string;
}

/**
 * Every route of the app, read from Express itself (so a new route is found
 * without listing it), with the schemas its validate() middleware carries.
 */
export function routeTable(app: Express): Route[] {
  const routes: Route[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const schemas = layer.route.stack.find((l) => l.handle.schemas)?.handle.schemas ?? {};
        for (const method of Object.keys(layer.route.methods)) {
          routes.push({ method: method.toUpperCase(), path: prefix + layer.route.path, schemas });
        }
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, prefix + (layer.rawPath && layer.rawPath !== '/' ? layer.rawPath : ''));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return routes;
}
