import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/magic-links';
import type { DiscoveryEmails } from '../../services/discovery-emails.service';
import type { InviteService } from '../../services/invite.service';
import type { MagicLinkService } from '../../services/magic-link.service';
import { presentMember } from '../presenters/member.presenter';
import { presentOrganization } from '../presenters/organization.presenter';
import { presentAuthentication, presentLoginOrSignup } from '../presenters/authentication.presenter';
import { route, routerAt } from '../route';

/** Stytch's `magic_links` endpoints. */
export function magicLinkRoutes(magicLinks: MagicLinkService, invites: InviteService, discoveryEmails: DiscoveryEmails): Router {
  const router = routerAt(B2B);

  route(router, api.inviteByEmail, async (req) => {
    const sent = await invites.invite(req.project, req.body);
    const member = presentMember(req.project.env, sent);
    return { member_id: member.member_id, member, organization: presentOrganization(req.project.env, sent.organization) };
  });

  route(router, api.loginOrSignup, async (req) => {
    return presentLoginOrSignup(req.project.env, await magicLinks.loginOrSignup(req.project, req.body));
  });

  route(router, api.authenticateMagicLink, async (req) => {
    const result = await magicLinks.authenticate(req.project, req.body);
    return { ...presentAuthentication(req.project.env, result), method_id: result.methodId, reset_sessions: false };
  });

  route(router, api.sendDiscoveryEmail, async (req) => {
    await discoveryEmails.sendMagicLink(req.project, req.body);
    return {};
  });

  return router;
}
