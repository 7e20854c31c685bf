import { Router } from 'express';
import type { OrganizationService } from '../../services/organization.service';
import { presentOrganization } from '../presenters/organization.presenter';
import { respond } from '../respond';
import { organizationRefParams } from '../schemas/common.schemas';
import {
  createOrganizationBody,
  CreateOrganizationInput,
  searchOrganizationsBody,
  SearchOrganizationsInput,
  updateOrganizationBody,
  UpdateOrganizationInput,
} from '../schemas/organization.schemas';
import { validate } from '../validation';

/** Stytch's `organizations` endpoints. */
export function organizationRoutes(organizations: OrganizationService): Router {
  const router = Router();
  const byRef = validate({ params: organizationRefParams });

  router.post('/organizations', validate({ body: createOrganizationBody }), async (req, res) => {
    const organization = await organizations.create(req.project, req.body as CreateOrganizationInput);
    respond(req, res, 200, { organization: presentOrganization(req.project.env, organization) });
  });

  router.post('/organizations/search', validate({ body: searchOrganizationsBody }), async (req, res) => {
    const page = await organizations.search(req.project, req.body as SearchOrganizationsInput);
    respond(req, res, 200, {
      organizations: page.organizations.map((o) => presentOrganization(req.project.env, o)),
      results_metadata: { total: page.total, next_cursor: page.nextCursor },
    });
  });

  router.get('/organizations/:organization_id', byRef, async (req, res) => {
    const organization = await organizations.get(req.project, req.params.organization_id as string);
    respond(req, res, 200, { organization: presentOrganization(req.project.env, organization) });
  });

  router.put('/organizations/:organization_id', validate({ params: organizationRefParams, body: updateOrganizationBody }), async (req, res) => {
    const organization = await organizations.update(req.project, req.params.organization_id as string, req.body as UpdateOrganizationInput);
    respond(req, res, 200, { organization: presentOrganization(req.project.env, organization) });
  });

  router.delete('/organizations/:organization_id', byRef, async (req, res) => {
    await organizations.delete(req.project, req.params.organization_id as string);
    // Stytch answers with the id the caller used.
    respond(req, res, 200, { organization_id: req.params.organization_id });
  });

  router.get('/organizations/:organization_id/metrics', byRef, async (req, res) => {
    const { member_count } = await organizations.metrics(req.project, req.params.organization_id as string);
    respond(req, res, 200, { member_count });
  });

  router.delete('/organizations/:organization_id/external_id', byRef, async (req, res) => {
    const organization = await organizations.deleteExternalId(req.project, req.params.organization_id as string);
    respond(req, res, 200, { organization: presentOrganization(req.project.env, organization) });
  });

  return router;
}
