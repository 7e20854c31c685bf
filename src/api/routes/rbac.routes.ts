import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/rbac';
import type { OrganizationPolicies } from '../../services/rbac/organization-policies';
import type { RbacPolicies } from '../../services/rbac/policies';
import { route, routerAt } from '../route';

/** Stytch's `rbac` endpoints, and Roster's own write of the project policy. */
export function rbacRoutes(policies: RbacPolicies, organizationPolicies: OrganizationPolicies): Router {
  const router = routerAt(B2B);

  route(router, api.getPolicy, async (req) => ({ policy: await policies.get(req.project) }));

  route(router, api.putPolicy, async (req) => ({ policy: await policies.put(req.project, req.body) }));

  route(router, api.getOrgPolicy, async (req) => ({
    org_policy: await organizationPolicies.get(req.project, req.params.organization_id),
  }));

  route(router, api.setOrgPolicy, async (req) => ({
    org_policy: await organizationPolicies.set(req.project, req.params.organization_id, req.body.org_policy),
  }));

  return router;
}
