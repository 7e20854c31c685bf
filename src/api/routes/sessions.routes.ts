import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import type { ResponseOf } from '../../contracts';
import * as api from '../../contracts/sessions';
import type { AuthenticateSessionInput } from '../../contracts/sessions';
import type { ProjectContext } from '../../services/project-context';
import type { OrganizationService } from '../../services/organization.service';
import type { Authorization, AuthorizationVerdict } from '../../services/rbac/authorization';
import type { AuthenticatedSession, SessionService } from '../../services/sessions/session.service';
import { presentMember } from '../presenters/member.presenter';
import { presentOrganization } from '../presenters/organization.presenter';
import { presentSession } from '../presenters/session.presenter';
import { route, routerAt } from '../route';

/** Stytch's `sessions` endpoints (the JWKS is served without authentication: see jwksRoutes). */
export function sessionRoutes(sessions: SessionService, organizations: OrganizationService, authorization: Authorization): Router {
  const router = routerAt(B2B);

  route(router, api.getSessions, async (req) => {
    const organization = await organizations.get(req.project, req.query.organization_id);
    const { sessions: rows, member } = await sessions.list(req.project, organization, req.query.member_id);
    return { member_sessions: rows.map((session) => presentSession(req.project.env, { session, member, organization })) };
  });

  const authenticate = authenticateSession(sessions, authorization);
  route(router, api.authenticateSession, (req) => authenticate(req.project, req.body));

  route(router, api.revokeSession, async (req) => {
    await sessions.revoke(req.project, req.body);
    return {};
  });

  return router;
}

/**
 * `sessions.authenticate`, answered by the router above and by the hot path
 * (hot-routes.ts) alike. With an `authorization_check`, the answer carries
 * Stytch's verdict, or is a 403; a refused check changes nothing, so a
 * request that also extends the session or sets claims is checked on the
 * session as it is first. Without one, the plain path does no more work.
 */
export function authenticateSession(sessions: SessionService, authorization: Authorization) {
  return async (project: ProjectContext, body: AuthenticateSessionInput): Promise<ResponseOf<typeof api.authenticateSession>> => {
    const check = body.authorization_check;
    let issued: AuthenticatedSession;
    let verdict: AuthorizationVerdict | undefined;
    if (check && (body.session_duration_minutes !== undefined || body.session_custom_claims !== undefined)) {
      const current = await sessions.authenticate(project, { session_token: body.session_token, session_jwt: body.session_jwt });
      verdict = await authorization.check(project, current, check);
      issued = await sessions.authenticate(project, body);
    } else {
      issued = await sessions.authenticate(project, body);
      if (check) verdict = await authorization.check(project, issued, check);
    }
    return {
      member_session: presentSession(project.env, issued),
      session_token: issued.token,
      session_jwt: issued.jwt,
      member: presentMember(project.env, {
        member: issued.member,
        organization: issued.organization,
        retiredEmails: [],
        ssoRegistrations: issued.ssoRegistrations,
      }),
      organization: presentOrganization(project.env, issued.organization),
      verdict,
    };
  };
}
