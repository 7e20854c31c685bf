import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import type { ResponseOf } from '../../contracts';
import * as api from '../../contracts/sessions';
import type { AuthenticateSessionInput } from '../../contracts/sessions';
import type { ProjectContext } from '../../services/project-context';
import type { OrganizationService } from '../../services/organization.service';
import type { SessionService } from '../../services/sessions/session.service';
import { presentMember } from '../presenters/member.presenter';
import { presentOrganization } from '../presenters/organization.presenter';
import { presentSession } from '../presenters/session.presenter';
import { route, routerAt } from '../route';

/** Stytch's `sessions` endpoints (the JWKS is served without authentication: see jwksRoutes). */
export function sessionRoutes(sessions: SessionService, organizations: OrganizationService): Router {
  const router = routerAt(B2B);

  route(router, api.getSessions, async (req) => {
    const organization = await organizations.get(req.project, req.query.organization_id);
    const { sessions: rows, member } = await sessions.list(req.project, organization, req.query.member_id);
    return { member_sessions: rows.map((session) => presentSession(req.project.env, { session, member, organization })) };
  });

  const authenticate = authenticateSession(sessions);
  route(router, api.authenticateSession, (req) => authenticate(req.project, req.body));

  route(router, api.revokeSession, async (req) => {
    await sessions.revoke(req.project, req.body);
    return {};
  });

  return router;
}

/** `sessions.authenticate`, answered by the router above and by the hot path (hot-routes.ts) alike. */
export function authenticateSession(sessions: SessionService) {
  return async (project: ProjectContext, body: AuthenticateSessionInput): Promise<ResponseOf<typeof api.authenticateSession>> => {
    const issued = await sessions.authenticate(project, body);
    return {
      member_session: presentSession(project.env, issued),
      session_token: issued.token,
      session_jwt: issued.jwt,
      member: presentMember(project.env, { member: issued.member, organization: issued.organization, retiredEmails: [] }),
      organization: presentOrganization(project.env, issued.organization),
    };
  };
}
