import express, { Express } from 'express';
import type { Container } from '../container';
import { authenticate } from './middleware/authenticate';
import { errorHandler, routeNotFound } from './middleware/error-handler';
import { checkJsonBody, checkRequestHead, parseJsonBody, requireJsonBody } from './middleware/input-hygiene';
import { requestContext } from './middleware/request-context';
import { deduplicationRoutes } from './routes/deduplication.routes';
import { docsRoutes } from './routes/docs.routes';
import { emailRoutes } from './routes/emails.routes';
import { healthRoutes } from './routes/health.routes';
import { inviteRoutes } from './routes/invites.routes';
import { jobRoutes } from './routes/jobs.routes';
import { jwksRoutes } from './routes/jwks.routes';
import { metricsRoutes } from './routes/metrics.routes';
import { magicLinkRoutes } from './routes/magic-links.routes';
import { discoveryRoutes } from './routes/discovery.routes';
import { emailOtpRoutes } from './routes/otps-email.routes';
import { sessionRoutes } from './routes/sessions.routes';
import { smsOtpRoutes } from './routes/otps-sms.routes';
import { totpRoutes } from './routes/totps.routes';
import { memberRoutes } from './routes/members.routes';
import { memberImportRoutes } from './routes/member-import.routes';
import { organizationRoutes } from './routes/organizations.routes';
import { rbacRoutes } from './routes/rbac.routes';
import { scimRouter } from './scim/scim-router';
import { scimReconcileRoutes } from './routes/scim-reconcile.routes';
import { scimConnectionRoutes } from './routes/scim-connections.routes';
import { ssoConnectionRoutes } from './routes/sso-connections.routes';
import { webhookEndpointRoutes } from './routes/webhook-endpoints.routes';
import { webhookDeliveryRoutes } from './routes/webhook-deliveries.routes';
import { eventRoutes } from './routes/events.routes';
import { scimDiscoveryRoutes } from './scim/discovery.routes';
import { scimGroupRoutes } from './scim/groups.routes';
import { scimUserRoutes } from './scim/users.routes';
import { installMemberAuthorization } from './middleware/member-authorization';
import { ssoAuthenticateRoutes } from './routes/sso-authenticate.routes';
import { ssoPublicRoutes } from './routes/sso-public.routes';
import { ssoSamlPublicRoutes } from './routes/sso-saml-public.routes';
import { consoleApp } from '../console/console-app';

/** The largest JSON body accepted; bulk work goes through jobs, not giant requests. */
export const JSON_BODY_LIMIT = 1024 * 1024;
/** Room for a 10,000-invitee bulk invite, on that route alone. */
const BULK_INVITE_BODY_LIMIT = '5mb';

export function createApp(container: Container): Express {
  const app = express();
  app.disable('x-powered-by');
  // Stytch's API sends no ETags; hashing every body would tax the hot paths for nothing.
  app.disable('etag');
  app.set('query parser', 'simple');
  // Read by replyFor (respond.ts): tests hold every response to its contract.
  app.locals.checkResponses = container.config.checkResponses;
  // Read by the routes whose contracts declare `authorization` (requests made with a member session).
  installMemberAuthorization(app, container.authorization);
  app.use(requestContext(container.metrics.observeRequest));
  app.use(checkRequestHead);
  app.use(healthRoutes(container));
  app.use(jwksRoutes(container.projects, container.sessions));
  app.use(docsRoutes(container.config.publicUrl));
  app.use(metricsRoutes(container.metrics, container.config.metricsToken));
  // The admin console: HTML pages with their own sign-in, CSRF checks and error pages, outside the API's contracts.
  app.use('/admin', consoleApp(container));

  // Each SCIM connection's service provider: bearer tokens and SCIM's envelope, not the project secret and Stytch's.
  app.use(
    scimRouter(container.scimAuth, [
      scimGroupRoutes(container.scimGroups, container.config.publicUrl),
      scimUserRoutes(container.scimUsers, container.config.publicUrl),
      scimDiscoveryRoutes(container.config.publicUrl),
    ]),
  );

  // The browser's side of SSO: the start URL and the OIDC redirect URI, outside the project's Basic auth.
  app.use(ssoPublicRoutes(container.ssoStart, container.oidcCallback, container.config.publicUrl));
  // The SAML ACS: the IdP's form, posted by the browser to the same callback path.
  app.use(ssoSamlPublicRoutes(container.samlAcs));

  const b2b = express.Router();
  b2b.use(authenticate(container.projects));
  // CSV uploads stream straight to Postgres: they must not meet the JSON parser.
  b2b.use(memberImportRoutes(container.memberImportUploads));
  b2b.use(scimReconcileRoutes(container.scimReconcileUploads, container.scimReconcileReports));
  b2b.use('/organizations/:organization_id/invites', requireJsonBody, parseJsonBody(BULK_INVITE_BODY_LIMIT));
  b2b.use(requireJsonBody, parseJsonBody(JSON_BODY_LIMIT), checkJsonBody);
  // First: sessions.authenticate is the hottest call of any integration, so it meets no other router on its way.
  b2b.use(sessionRoutes(container.sessions, container.organizations, container.authorization));
  b2b.use(organizationRoutes(container.organizations));
  b2b.use(rbacRoutes(container.rbacPolicies, container.organizationPolicies));
  b2b.use(memberRoutes(container.members));
  b2b.use(smsOtpRoutes(container.smsOtps, container.memberFactors, container.smsListing));
  b2b.use(totpRoutes(container.totps, container.recoveryCodes));
  b2b.use(jobRoutes(container.jobs));
  b2b.use(deduplicationRoutes(container.deduplication));
  b2b.use(magicLinkRoutes(container.magicLinks, container.invites, container.discoveryEmails));
  b2b.use(emailOtpRoutes(container.emailOtps, container.discoveryEmails));
  b2b.use(discoveryRoutes(container.discovery, container.organizationExchange, container.discoveryCreation));
  b2b.use(inviteRoutes(container.bulkInvites));
  b2b.use(emailRoutes(container.emailListing));
  b2b.use(ssoAuthenticateRoutes(container.ssoAuthenticate));
  b2b.use(scimConnectionRoutes(container.scimConnections, container.config.publicUrl));
  b2b.use(ssoConnectionRoutes(container.ssoConnectionManagement, container.config.publicUrl));
  b2b.use(webhookEndpointRoutes(container.webhookEndpoints));
  b2b.use(webhookDeliveryRoutes(container.webhookDeliveries));
  b2b.use(eventRoutes(container.eventQuery));
  app.use('/v1/b2b', b2b);

  app.use(routeNotFound);
  app.use(errorHandler(container.config.docsUrl));
  return app;
}
