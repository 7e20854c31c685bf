import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as sso from '../../contracts/sso';
import * as oidc from '../../contracts/sso-oidc';
import * as saml from '../../contracts/sso-saml';
import type { OidcConnections } from '../../services/sso/connections/oidc-connections';
import type { SamlConnections } from '../../services/sso/connections/saml-connections';
import type { SsoConnectionService } from '../../services/sso/connections/sso-connection.service';
import { presentOidcConnection, presentSamlConnection } from '../presenters/sso-connection.presenter';
import { route, routerAt } from '../route';

export interface SsoConnectionServices {
  connections: SsoConnectionService;
  oidc: OidcConnections;
  saml: SamlConnections;
}

/** Stytch's `sso`, `sso.oidc` and `sso.saml` connection management endpoints. */
export function ssoConnectionRoutes(services: SsoConnectionServices, publicUrl: string): Router {
  const router = routerAt(B2B);

  route(router, sso.getSsoConnections, async (req) => {
    const records = await services.connections.list(req.project, req.params.organization_id);
    return {
      saml_connections: records.filter((r) => r.connection.kind === 'saml').map((r) => presentSamlConnection(publicUrl, r)),
      oidc_connections: records.filter((r) => r.connection.kind === 'oidc').map((r) => presentOidcConnection(publicUrl, r)),
      external_connections: [],
    };
  });

  route(router, sso.deleteSsoConnection, async (req) => ({
    connection_id: await services.connections.delete(req.project, req.params.organization_id, req.params.connection_id),
  }));

  route(router, oidc.createOidcConnection, async (req) => ({
    connection: presentOidcConnection(publicUrl, await services.oidc.create(req.project, req.params.organization_id, req.body)),
  }));

  route(router, oidc.updateOidcConnection, async (req) => {
    const { organization_id, connection_id } = req.params;
    return {
      connection: presentOidcConnection(publicUrl, await services.oidc.update(req.project, organization_id, connection_id, req.body)),
    };
  });

  route(router, saml.createSamlConnection, async (req) => ({
    connection: presentSamlConnection(publicUrl, await services.saml.create(req.project, req.params.organization_id, req.body)),
  }));

  route(router, saml.updateSamlConnection, async (req) => {
    const { organization_id, connection_id } = req.params;
    return {
      connection: presentSamlConnection(publicUrl, await services.saml.update(req.project, organization_id, connection_id, req.body)),
    };
  });

  route(router, saml.updateSamlConnectionByUrl, async (req) => {
    const { organization_id, connection_id } = req.params;
    const record = await services.saml.updateByUrl(req.project, organization_id, connection_id, req.body.metadata_url);
    return { connection: presentSamlConnection(publicUrl, record) };
  });

  route(router, saml.deleteSamlVerificationCertificate, async (req) => {
    const { organization_id, connection_id, certificate_id } = req.params;
    await services.connections.deleteCertificate(req.project, organization_id, connection_id, 'verification', certificate_id);
    return { certificate_id };
  });

  route(router, saml.deleteSamlEncryptionPrivateKey, async (req) => {
    const { organization_id, connection_id, private_key_id } = req.params;
    await services.connections.deleteCertificate(req.project, organization_id, connection_id, 'encryption', private_key_id);
    return { private_key_id };
  });

  return router;
}
