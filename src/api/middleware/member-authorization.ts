import type { Express, Request, RequestHandler } from 'express';
import type { AnyContract, MemberAuthorization } from '../../contracts';
import type { Authorization, Requirement } from '../../services/rbac/authorization';

/** The SDK's headers (stytch/dist/shared/method_options.js): the request runs with this member session's permissions. */
export const MEMBER_SESSION_HEADER = 'x-stytch-member-session';
export const MEMBER_SESSION_JWT_HEADER = 'x-stytch-member-sessionjwt';

const AUTHORIZER = 'memberAuthorization';

/** Called by createApp: the service every contract's authorization middleware asks (route() installs one per contract that declares it). */
export function installMemberAuthorization(app: Express, authorization: Authorization): void {
  app.locals[AUTHORIZER] = authorization;
}

type Body = Record<string, unknown> | undefined;

/** The actions a request needs: the contract's action, and for each body field present, the action that field needs. */
export function requirementsOf(rule: MemberAuthorization, body: Body): Requirement[] {
  const actions = new Set<string>();
  if (rule.action) actions.add(rule.action);
  for (const [field, action] of Object.entries(rule.byField ?? {})) if (body?.[field] !== undefined) actions.add(action);
  return [...actions].map((action) => ({ resource: rule.resource, action }));
}

/** The organizations a request acts on: its path's, its body's (an invite), or those a member search names. */
function organizationRefsOf(req: Request, body: Body): string[] {
  const params = req.params as Record<string, string | undefined>;
  if (params.organization_id !== undefined) return [params.organization_id];
  if (typeof body?.organization_id === 'string') return [body.organization_id];
  const ids = body?.organization_ids;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

/**
 * The RBAC gate of a contract that declares `authorization`: a request
 * carrying a member session header runs with that member's permissions
 * (Stytch's semantics), checked once the request has been validated. A
 * request without one is the project secret's, which may do everything.
 */
export function memberAuthorization(contract: AnyContract & { authorization: MemberAuthorization }): RequestHandler {
  const rule = contract.authorization;
  return async (req, _res, next) => {
    const session_token = req.get(MEMBER_SESSION_HEADER);
    const session_jwt = req.get(MEMBER_SESSION_JWT_HEADER);
    if (session_token === undefined && session_jwt === undefined) {
      next();
      return;
    }
    const authorization = req.app.locals[AUTHORIZER] as Authorization | undefined;
    if (!authorization) throw new Error(`${contract.name}: member authorization is not installed (installMemberAuthorization)`);
    const body = (req.body ?? undefined) as Body;
    const memberId = await authorization.authorizeRequest(
      req.project,
      { ...(session_token !== undefined && { session_token }), ...(session_jwt !== undefined && { session_jwt }) },
      {
        organizationRefs: organizationRefsOf(req, body),
        memberRef: (req.params as Record<string, string | undefined>).member_id,
        requirements: requirementsOf(rule, body),
        setsTrustedMetadata: body?.trusted_metadata !== undefined,
      },
    );
    req.project = { ...req.project, actor: { source: 'DIRECT', type: 'member', id: memberId } };
    next();
  };
}
