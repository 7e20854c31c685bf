import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { Router, type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Container } from '../container';
import { apiErrorOf } from '../api/middleware/error-handler';
import { checkParsedBody } from '../api/middleware/input-hygiene';
import { emailPages } from './pages/emails';
import { eventPages } from './pages/events';
import { jobPages } from './pages/jobs';
import { memberPages } from './pages/members';
import { organizationPages } from './pages/organizations';
import { overviewPages } from './pages/overview';
import { signInRoutes, signOutRoutes } from './pages/sign-in';
import { webhookPages } from './pages/webhooks';
import { sendError } from './render';
import { requireCsrfToken, securityHeaders } from './security';
import { requireSession } from './session';

/** A console section: its pages and actions, registered behind the session and CSRF checks. */
export type ConsoleSection = (router: Router, container: Container) => void;

const SECTIONS: ConsoleSection[] = [
  overviewPages,
  organizationPages,
  memberPages,
  jobPages,
  emailPages,
  webhookPages,
  eventPages,
  signOutRoutes,
];

/** A file of src/console/assets (found upwards: this module runs from src/ under ts-jest and from dist/src/ built). */
function assetFile(name: string): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'src', 'console', 'assets', name);
    if (existsSync(file)) return file;
  }
  throw new Error(`console asset ${name} not found above ${__dirname}`);
}

const ASSETS: Record<string, string> = {
  'console.css': assetFile('console.css'),
  'htmx.min.js': require.resolve('htmx.org/dist/htmx.min.js'),
};

const serveAssets: RequestHandler = (req, res, next) => {
  const file = ASSETS[req.params.name as string];
  if (!file) return next();
  res.sendFile(file, { headers: { 'Cache-Control': 'no-store' } });
};

/** Form bodies pass the same hygiene as the API's JSON bodies: no text Postgres cannot store reaches a service. */
const parseForm: RequestHandler[] = [
  express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }),
  (req, _res, next) => {
    checkParsedBody(req.method, req.body ?? {});
    next();
  },
];

const notFoundPage: RequestHandler = (_req, res) =>
  sendError(res, 404, 'Not found', 'There is no such page, or it belongs to no object of this project.');

/** Service errors (unknown ids, refused input) as HTML pages with their status; a 5xx says nothing of its cause. */
const errorPage: ErrorRequestHandler = (err, req, res, _next) => {
  const error = apiErrorOf(err, req.log);
  sendError(res, error.statusCode, error.statusCode >= 500 ? 'Something went wrong' : 'Not possible', error.message);
};

/**
 * The admin console, mounted at /admin: server-rendered pages, signed in with
 * a project id and secret. A sub-app of its own: HTML pages and errors, not
 * the API's contracts and JSON envelope.
 */
export function consoleApp(container: Container): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(securityHeaders);
  app.get('/assets/:name', serveAssets);
  app.use(parseForm);

  const open = Router();
  signInRoutes(open, container);
  app.use(open);

  const signedIn = Router();
  signedIn.use(requireSession(container.consoleSessions), requireCsrfToken(container.consoleSessions));
  for (const section of SECTIONS) section(signedIn, container);
  app.use(signedIn);

  app.use(notFoundPage);
  app.use(errorPage);
  return app;
}
