import { B2B, noBody } from './common';
import { defineContract } from './contract';

/**
 * A SAML connection's Assertion Consumer Service: the IdP's POST binding
 * form (application/x-www-form-urlencoded), posted by the browser. It shares
 * its path with the OIDC callback (a GET), as Stytch's callback URL does.
 */
export const samlAcs = defineContract({
  name: 'sso.saml.acs',
  method: 'post',
  path: `${B2B}/sso/callback/:connection_id`,
  summary: "The SAML ACS URL: redirects (302) the browser to the project's redirect URL with stytch_token_type=sso&token=….",
  params: { type: 'object', properties: { connection_id: { type: 'string', minLength: 1, maxLength: 256 } }, required: ['connection_id'] },
  body: {
    type: 'object',
    properties: {
      SAMLResponse: { type: 'string', minLength: 1, errorType: 'invalid_saml_response' },
      RelayState: { type: 'string', maxLength: 1024, errorType: 'invalid_saml_response' },
    },
    required: ['SAMLResponse'],
  },
  // A redirect: the Location header says where the browser goes next.
  response: noBody,
  status: 302,
});

export const samlAcsContracts = [samlAcs];
