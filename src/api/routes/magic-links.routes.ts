import { Router } from 'express';
import type { MagicLinkService } from '../../services/magic-link.service';
import { presentMember } from '../presenters/member.presenter';
import { presentOrganization } from '../presenters/organization.presenter';
import { presentSession } from '../presenters/session.presenter';
import { timestamp } from '../presenters/wire';
import { respond } from '../respond';
import {
  authenticateMagicLinkBody,
  AuthenticateMagicLinkInput,
  inviteBody,
  InviteInput,
  loginOrSignupBody,
  LoginOrSignupInput,
} from '../schemas/magic-link.schemas';
import { validate } from '../validation';

/** Stytch's `magic_links` endpoints. */
export function magicLinkRoutes(magicLinks: MagicLinkService): Router {
  const router = Router();

  router.post('/magic_links/email/invite', validate({ body: inviteBody }), async (req, res) => {
    const sent = await magicLinks.invite(req.project, req.body as InviteInput);
    const member = presentMember(req.project.env, { ...sent, retiredEmails: [] });
    respond(req, res, 200, { member_id: member.member_id, member, organization: presentOrganization(req.project.env, sent.organization) });
  });

  router.post('/magic_links/email/login_or_signup', validate({ body: loginOrSignupBody }), async (req, res) => {
    const sent = await magicLinks.loginOrSignup(req.project, req.body as LoginOrSignupInput);
    const member = presentMember(req.project.env, { ...sent, retiredEmails: [] });
    respond(req, res, 200, {
      member_id: member.member_id,
      member_created: sent.memberCreated,
      member,
      organization: presentOrganization(req.project.env, sent.organization),
    });
  });

  router.post('/magic_links/authenticate', validate({ body: authenticateMagicLinkBody }), async (req, res) => {
    const env = req.project.env;
    const result = await magicLinks.authenticate(req.project, req.body as AuthenticateMagicLinkInput);
    const member = presentMember(env, { member: result.member, organization: result.organization, retiredEmails: [] });
    respond(req, res, 200, {
      member_id: member.member_id,
      method_id: result.methodId,
      reset_sessions: false,
      organization_id: member.organization_id,
      member,
      organization: presentOrganization(env, result.organization),
      session_token: result.session?.token ?? '',
      session_jwt: result.session?.jwt ?? '',
      member_session: result.session ? presentSession(env, result.session) : null,
      intermediate_session_token: result.intermediate?.token ?? '',
      intermediate_session_token_expires_at: result.intermediate ? timestamp(result.intermediate.expiresAt) : null,
      member_authenticated: result.session !== undefined,
      mfa_required: result.mfaRequired ?? null,
      primary_required: result.primaryRequired ?? null,
    });
  });

  return router;
}
