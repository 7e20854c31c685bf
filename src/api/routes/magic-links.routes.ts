import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/magic-links';
import type { InviteService } from '../../services/invite.service';
import type { MagicLinkService } from '../../services/magic-link.service';
import { presentMember } from '../presenters/member.presenter';
import { presentOrganization } from '../presenters/organization.presenter';
import { presentSession } from '../presenters/session.presenter';
import { timestamp } from '../presenters/wire';
import { route, routerAt } from '../route';

/** Stytch's `magic_links` endpoints. */
export function magicLinkRoutes(magicLinks: MagicLinkService, invites: InviteService): Router {
  const router = routerAt(B2B);

  route(router, api.inviteByEmail, async (req) => {
    const sent = await invites.invite(req.project, req.body);
    const member = presentMember(req.project.env, { ...sent, retiredEmails: [] });
    return { member_id: member.member_id, member, organization: presentOrganization(req.project.env, sent.organization) };
  });

  route(router, api.loginOrSignup, async (req) => {
    const sent = await magicLinks.loginOrSignup(req.project, req.body);
    const member = presentMember(req.project.env, { ...sent, retiredEmails: [] });
    return {
      member_id: member.member_id,
      member_created: sent.memberCreated,
      member,
      organization: presentOrganization(req.project.env, sent.organization),
    };
  });

  // Stytch's shape: a session when the member is authenticated; otherwise an
  // intermediate session and what it still needs (mfa_required / primary_required).
  route(router, api.authenticateMagicLink, async (req) => {
    const env = req.project.env;
    const result = await magicLinks.authenticate(req.project, req.body);
    const member = presentMember(env, { member: result.member, organization: result.organization, retiredEmails: [] });
    return {
      member_id: member.member_id,
      method_id: result.methodId,
      reset_sessions: false,
      organization_id: member.organization_id,
      member,
      organization: presentOrganization(env, result.organization),
      session_token: result.session?.token ?? '',
      session_jwt: result.session?.jwt ?? '',
      member_session: result.session && presentSession(env, result.session),
      intermediate_session_token: result.intermediate?.token ?? '',
      intermediate_session_token_expires_at: result.intermediate && timestamp(result.intermediate.expiresAt),
      member_authenticated: result.session !== undefined,
      mfa_required: result.mfaRequired && { member_options: result.mfaRequired.member_options },
      primary_required: result.primaryRequired,
    };
  });

  return router;
}
