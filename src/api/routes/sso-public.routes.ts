import type { Response, Router } from 'express';
import * as api from '../../contracts/sso-authenticate';
import type { OidcCallback } from '../../services/sso/sign-in/oidc-callback';
import { SSO_FLOW_MINUTES } from '../../services/sso/sign-in/sso-tokens';
import type { SsoStart } from '../../services/sso/sign-in/start';
import { route, routerAt, SENT } from '../route';

/** Binds an OIDC sign-in's state to the browser that started it (checked at the callback: login CSRF). */
const STATE_COOKIE = 'roster_sso_state';
const CALLBACK_PATH = '/v1/b2b/sso/callback';

function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}

function redirect(res: Response, location: string): typeof SENT {
  res.redirect(302, location);
  return SENT;
}

/**
 * The browser's side of SSO, outside the project's Basic auth: Stytch's
 * start URL (the public token names the project) and the OIDC redirect URI
 * (the flow's state names it). Both answer redirects; refusals use the envelope.
 */
export function ssoPublicRoutes(start: SsoStart, callback: OidcCallback, publicUrl: string): Router {
  const router = routerAt('');
  const secure = publicUrl.startsWith('https:');

  route(router, api.startSso, async (req, res) => {
    const started = await start.start(req.query);
    if (started.state) {
      // SameSite=Lax: the IdP's redirect back is a top-level GET navigation, which carries it.
      res.cookie(STATE_COOKIE, started.state, {
        httpOnly: true,
        sameSite: 'lax',
        secure,
        path: CALLBACK_PATH,
        maxAge: SSO_FLOW_MINUTES * 60_000,
      });
    }
    return redirect(res, started.url);
  });

  route(router, api.oidcCallback, async (req, res) => {
    const location = await callback.complete(req.params.connection_id, req.query, cookieOf(req.headers.cookie, STATE_COOKIE));
    res.clearCookie(STATE_COOKIE, { path: CALLBACK_PATH });
    return redirect(res, location);
  });

  return router;
}
