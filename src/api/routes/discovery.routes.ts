import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/discovery';
import { exchangeSession } from '../../contracts/session-exchange';
import type { DiscoveryService } from '../../services/discovery/discovery.service';
import type { OrganizationExchange } from '../../services/discovery/exchange';
import type { DiscoveryOrganizationCreation } from '../../services/discovery/organization-creation';
import { presentDiscoveryAuthentication, presentDiscoveryListing, presentExchange } from '../presenters/discovery.presenter';
import { route, routerAt } from '../route';

/**
 * Stytch's discovery endpoints (discovery authentication, the organizations an
 * address can enter, creating one, entering one) and `sessions.exchange`,
 * which moves a session between organizations the same way.
 */
export function discoveryRoutes(
  discovery: DiscoveryService,
  exchange: OrganizationExchange,
  creation: DiscoveryOrganizationCreation,
): Router {
  const router = routerAt(B2B);

  route(router, api.authenticateDiscoveryMagicLink, async (req) =>
    presentDiscoveryAuthentication(req.project.env, await discovery.authenticateMagicLink(req.project, req.body)),
  );

  route(router, api.authenticateDiscoveryOtp, async (req) =>
    presentDiscoveryAuthentication(req.project.env, await discovery.authenticateOtp(req.project, req.body)),
  );

  route(router, api.listDiscoveredOrganizations, async (req) =>
    presentDiscoveryListing(req.project.env, await discovery.list(req.project, req.body)),
  );

  route(router, api.createDiscoveredOrganization, async (req) =>
    presentExchange(req.project.env, await creation.create(req.project, req.body)),
  );

  route(router, api.exchangeIntermediateSession, async (req) =>
    presentExchange(req.project.env, await exchange.exchangeIntermediateSession(req.project, req.body)),
  );

  route(router, exchangeSession, async (req) => presentExchange(req.project.env, await exchange.exchangeSession(req.project, req.body)));

  return router;
}
