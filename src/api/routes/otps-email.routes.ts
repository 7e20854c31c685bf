import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/otps-email';
import type { DiscoveryEmails } from '../../services/discovery-emails.service';
import type { EmailOtpService } from '../../services/email-otp.service';
import { presentAuthentication, presentLoginOrSignup } from '../presenters/authentication.presenter';
import { route, routerAt } from '../route';

/** Stytch's `otps.email` endpoints (the discovery send; discovery authentication is the discovery routes'). */
export function emailOtpRoutes(otps: EmailOtpService, discoveryEmails: DiscoveryEmails): Router {
  const router = routerAt(B2B);

  route(router, api.otpLoginOrSignup, async (req) => {
    return presentLoginOrSignup(req.project.env, await otps.loginOrSignup(req.project, req.body));
  });

  route(router, api.authenticateEmailOtp, async (req) => {
    const result = await otps.authenticate(req.project, req.body);
    return { ...presentAuthentication(req.project.env, result), method_id: result.methodId };
  });

  route(router, api.otpDiscoverySend, async (req) => {
    await discoveryEmails.sendCode(req.project, req.body);
    return {};
  });

  return router;
}
