import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/sso-authenticate';
import type { SsoAuthenticate } from '../../services/sso/sso-authenticate';
import { presentAuthentication } from '../presenters/authentication.presenter';
import { route, routerAt } from '../route';

/** Stytch's `sso.authenticate` (secret-key API). */
export function ssoAuthenticateRoutes(sso: SsoAuthenticate): Router {
  const router = routerAt(B2B);
  route(router, api.authenticateSso, async (req) => {
    return { ...presentAuthentication(req.project.env, await sso.authenticate(req.project, req.body)), reset_session: false };
  });
  return router;
}
