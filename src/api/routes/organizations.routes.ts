import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/organizations';
import type { OrganizationService } from '../../services/organization.service';
import { presentOrganization } from '../presenters/organization.presenter';
import { route, routerAt } from '../route';

/** Stytch's `organizations` endpoints. */
export function organizationRoutes(organizations: OrganizationService): Router {
  const router = routerAt(B2B);

  route(router, api.createOrganization, async (req) => {
    const organization = await organizations.create(req.project, req.body);
    return { organization: presentOrganization(req.project.env, organization) };
  });

  route(router, api.searchOrganizations, async (req) => {
    const page = await organizations.search(req.project, req.body);
    return {
      organizations: page.organizations.map((o) => presentOrganization(req.project.env, o)),
      results_metadata: { total: page.total, next_cursor: page.nextCursor ?? undefined },
    };
  });

  route(router, api.getOrganization, async (req) => {
    const organization = await organizations.get(req.project, req.params.organization_id);
    return { organization: presentOrganization(req.project.env, organization) };
  });

  route(router, api.updateOrganization, async (req) => {
    const organization = await organizations.update(req.project, req.params.organization_id, req.body);
    return { organization: presentOrganization(req.project.env, organization) };
  });

  route(router, api.deleteOrganization, async (req) => {
    await organizations.delete(req.project, req.params.organization_id);
    // Stytch answers with the id the caller used.
    return { organization_id: req.params.organization_id };
  });

  route(router, api.organizationMetrics, async (req) => {
    const { member_count } = await organizations.metrics(req.project, req.params.organization_id);
    return { member_count };
  });

  route(router, api.deleteOrganizationExternalId, async (req) => {
    const organization = await organizations.deleteExternalId(req.project, req.params.organization_id);
    return { organization: presentOrganization(req.project.env, organization) };
  });

  return router;
}
