import { parse as parseCookies, serialize } from 'cookie';
import type { Request, RequestHandler, Response } from 'express';
import type { ConsoleSession, ConsoleSessions } from '../services/console/console-sessions';
import { CONSOLE_ABSOLUTE_SECONDS } from '../services/console/console-sessions';
import { sendError } from './render';

export const COOKIE_NAME = 'roster_console';

/** The signed-in console session of a request behind requireSession. */
export function sessionOf(res: Response): ConsoleSession {
  const session = res.locals.consoleSession as ConsoleSession | undefined;
  if (!session) throw new Error('no console session on this response: the route is not behind requireSession');
  return session;
}

export const sessionTokenOf = (req: Request): string | undefined => parseCookies(req.headers.cookie ?? '')[COOKIE_NAME] || undefined;

/** HttpOnly (scripts never see it), SameSite=Strict (no cross-site request carries it), only under /admin, Secure over https. */
export function setSessionCookie(res: Response, token: string, secure: boolean): void {
  res.append(
    'Set-Cookie',
    serialize(COOKIE_NAME, token, { httpOnly: true, sameSite: 'strict', path: '/admin', secure, maxAge: CONSOLE_ABSOLUTE_SECONDS }),
  );
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.append('Set-Cookie', serialize(COOKIE_NAME, '', { httpOnly: true, sameSite: 'strict', path: '/admin', secure, maxAge: 0 }));
}

/**
 * Lets through requests of a live console session (with the session on
 * res.locals and its project on req.project); others go to the sign-in page:
 * a page load is redirected, an htmx request is told to redirect the page,
 * a POST is refused (nothing it asked for happens).
 */
export function requireSession(sessions: ConsoleSessions): RequestHandler {
  return async (req, res, next) => {
    const token = sessionTokenOf(req);
    const session = token ? await sessions.resume(token) : undefined;
    if (session) {
      res.locals.consoleSession = session;
      req.project = session.project;
      return next();
    }
    if (req.method === 'POST') return sendError(res, 403, 'Signed out', 'Your console session has ended: sign in again.');
    if (req.get('hx-request')) return void res.setHeader('HX-Redirect', '/admin/sign-in').status(204).end();
    res.redirect(303, '/admin/sign-in');
  };
}
