import type { RequestHandler } from 'express';
import type { ConsoleSessions } from '../services/console/console-sessions';
import { CSRF_FIELD, CSRF_HEADER } from './components';
import { sendError } from './render';
import { sessionOf } from './session';

/** Scripts and styles only from /admin/assets: no inline script or style, no framing, forms post only here. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** On every /admin response: pages hold a project's data, so nothing is cached, framed, sniffed or leaked in Referer. */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Frame-Options', 'DENY');
  next();
};

/**
 * A POST from another site: the browser says so in Sec-Fetch-Site, or an
 * Origin other than this host. Guards the sign-in form, which has no session
 * (and so no CSRF token) yet: nobody can sign a browser into their project.
 */
export function isCrossSite(req: { get(name: string): string | undefined }): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.get('origin');
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== req.get('host');
  } catch {
    return true;
  }
}

/** Every POST of a session carries its synchronizer token (form field or htmx header), or is refused and changes nothing. */
export function requireCsrfToken(sessions: ConsoleSessions): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST') return next();
    const body = (req.body ?? {}) as Record<string, unknown>;
    const submitted = req.get(CSRF_HEADER) ?? body[CSRF_FIELD];
    if (!sessions.csrfMatches(sessionOf(res), submitted) || isCrossSite(req)) {
      return sendError(res, 403, 'Refused', 'This form has expired or did not come from the console: reload the page and try again.');
    }
    next();
  };
}
