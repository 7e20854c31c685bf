import express, { Router } from 'express';
import { samlAcs } from '../../contracts/sso-saml-acs';
import type { SamlAssertionConsumer } from '../../services/sso/sign-in/saml-acs';
import { route, routerAt, SENT } from '../route';

/** The SAML POST binding: a base64 Response of a few kilobytes, more with many group attributes and certificates. */
const SAML_FORM_LIMIT = '1mb';

/**
 * A SAML connection's ACS URL. The browser posts the IdP's form here
 * (urlencoded, no project credentials), so it sits outside the Basic-auth,
 * JSON-only b2b router, with a form parser of its own; the OIDC callback
 * answers GETs on the same path. Success is a 302 to the project's redirect
 * URL; a refusal is Stytch's error envelope.
 */
export function ssoSamlPublicRoutes(consumer: SamlAssertionConsumer): Router {
  const router = routerAt('');
  router.use(samlAcs.path, express.urlencoded({ extended: false, limit: SAML_FORM_LIMIT, parameterLimit: 10 }));
  route(router, samlAcs, async (req, res) => {
    res.redirect(302, await consumer.consume(req.params.connection_id, req.body));
    return SENT;
  });
  return router;
}
