import { Router } from 'express';
import type { OrganizationService } from '../../services/organization.service';
import type { SessionService } from '../../services/sessions/session.service';
import { presentMember } from '../presenters/member.presenter';
import { presentOrganization } from '../presenters/organization.presenter';
import { presentSession } from '../presenters/session.presenter';
import { respond } from '../respond';
import {
  authenticateSessionBody,
  AuthenticateSessionInput,
  getSessionsQuery,
  GetSessionsQuery,
  revokeSessionBody,
  RevokeSessionInput,
} from '../schemas/session.schemas';
import { validate } from '../validation';

/** Stytch's `sessions` endpoints (the JWKS is served without authentication: see jwksRoutes). */
export function sessionRoutes(sessions: SessionService, organizations: OrganizationService): Router {
  const router = Router();

  router.get('/sessions', validate({ query: getSessionsQuery }), async (req, res) => {
    const query = req.query as GetSessionsQuery;
    const organization = await organizations.get(req.project, query.organization_id);
    const { sessions: rows, member } = await sessions.list(req.project, organization, query.member_id);
    respond(req, res, 200, { member_sessions: rows.map((session) => presentSession(req.project.env, { session, member, organization })) });
  });

  router.post('/sessions/authenticate', validate({ body: authenticateSessionBody }), async (req, res) => {
    const issued = await sessions.authenticate(req.project, req.body as AuthenticateSessionInput);
    respond(req, res, 200, {
      member_session: presentSession(req.project.env, issued),
      session_token: issued.token,
      session_jwt: issued.jwt,
      member: presentMember(req.project.env, { member: issued.member, organization: issued.organization, retiredEmails: [] }),
      organization: presentOrganization(req.project.env, issued.organization),
    });
  });

  router.post('/sessions/revoke', validate({ body: revokeSessionBody }), async (req, res) => {
    await sessions.revoke(req.project, req.body as RevokeSessionInput);
    respond(req, res, 200, {});
  });

  return router;
}
