import type { FromSchema } from 'json-schema-to-ts';
import { B2B, envelope, flag, noBody, text } from './common';
import { defineContract } from './contract';
import { authenticationProperties, authenticationRequired, priorAuthenticationProperties } from './authentication';

const ref = { type: 'string', minLength: 1, maxLength: 256 } as const;

export const authenticateSsoBody = {
  type: 'object',
  properties: {
    sso_token: { type: 'string', minLength: 1, maxLength: 512, errorType: 'invalid_token' },
    pkce_code_verifier: { type: 'string', minLength: 43, maxLength: 128, errorType: 'invalid_pkce_code_verifier' },
    ...priorAuthenticationProperties,
    locale: { type: 'string' },
    telemetry_id: { type: 'string' },
  },
  required: ['sso_token'],
} as const;
export type AuthenticateSsoInput = FromSchema<typeof authenticateSsoBody>;

/** Stytch's `sso.authenticate`: the redirect's sso token becomes a session, or an intermediate session saying what is missing. */
export const authenticateSso = defineContract({
  name: 'sso.authenticate',
  method: 'post',
  path: `${B2B}/sso/authenticate`,
  summary: 'Authenticate the token an SSO sign-in redirected with (stytch_token_type=sso).',
  body: authenticateSsoBody,
  response: envelope({ ...authenticationProperties, reset_session: flag }, [...authenticationRequired, 'reset_session']),
  status: 200,
  sdk: 'sso.authenticate',
});

/** Stytch's start URL query (a browser navigation: the answer is a redirect to the IdP). */
export const ssoStartQuery = {
  type: 'object',
  properties: {
    public_token: ref,
    connection_id: ref,
    organization_id: ref,
    login_redirect_url: { type: 'string', minLength: 1, maxLength: 2048, errorType: 'invalid_login_redirect_url' },
    signup_redirect_url: { type: 'string', minLength: 1, maxLength: 2048, errorType: 'invalid_signup_redirect_url' },
    pkce_code_challenge: {
      type: 'string',
      pattern: '^[A-Za-z0-9_-]{43,128}$',
      errorType: 'invalid_pkce_code_challenge',
      errorMessage: 'must be a base64url SHA-256 code challenge (43 to 128 characters of A-Z a-z 0-9 _ -)',
    },
  },
  required: ['public_token'],
} as const;

export const startSso = defineContract({
  name: 'sso.start',
  method: 'get',
  path: '/v1/public/sso/start',
  summary: "Start an SSO sign-in: redirects (302) the browser to the connection's identity provider.",
  query: ssoStartQuery,
  // A redirect: the Location header says where the browser goes next.
  response: noBody,
  status: 302,
});

export const oidcCallback = defineContract({
  name: 'sso.oidc.callback',
  method: 'get',
  path: `${B2B}/sso/callback/:connection_id`,
  summary: "The OIDC redirect URI: redirects (302) the browser to the project's redirect URL with stytch_token_type=sso&token=….",
  params: { type: 'object', properties: { connection_id: ref }, required: ['connection_id'] },
  query: {
    type: 'object',
    properties: {
      code: { type: 'string', maxLength: 4096 },
      state: { type: 'string', maxLength: 512 },
      error: text,
      error_description: text,
    },
  },
  // A redirect: the Location header says where the browser goes next.
  response: noBody,
  status: 302,
});

export const ssoAuthenticateContracts = [authenticateSso, startSso, oidcCallback];
