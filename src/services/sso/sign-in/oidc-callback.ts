import type { Knex } from 'knex';
import * as oidc from 'openid-client';
import { badRequest } from '../../../errors';
import { cleanEmail } from '../../../email-rules';
import { secretMatches, hashSecret } from '../../../secrets';
import type { SsoConnections } from '../connections/sso-connections';
import type { OidcRelyingParty } from './oidc-relying-party';
import { redirectAfterSignIn } from './sign-in-redirect';
import type { SsoSignIns } from './sso-tokens';

/** What the IdP sends the browser back with (RFC 6749 §4.1.2). */
export interface OidcCallbackQuery {
  code?: string;
  state?: string;
  error?: string;
  error_description?: string;
}

const csrfMismatch = () =>
  badRequest(
    'oidc_csrf_cookie_mismatch',
    'The sign-in was not started in this browser (its state does not match the cookie set at the start URL).',
  );
const flowNotFound = () =>
  badRequest('sso_flow_not_found', 'This sign-in is unknown, expired, already completed, or was started for another connection.');
const oidcFailed = (message: string) => badRequest('oidc_callback_failed', message);

/** The ID token's protocol claims: about the token, not the person, so not kept as the person's attributes. */
const PROTOCOL_CLAIMS = [
  'iss',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'nonce',
  'azp',
  'at_hash',
  'c_hash',
  's_hash',
  'auth_time',
  'sid',
  'acr',
  'amr',
];

/** openid-client's refusal of an ID token whose nonce is not the flow's. */
function isNonceMismatch(err: unknown): boolean {
  const e = err as { code?: string; cause?: { cause?: { claim?: string } } };
  return e.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && e.cause?.cause?.claim === 'nonce';
}

/**
 * The OIDC redirect URI: checks the browser's state against its cookie and
 * spends the flow, redeems the code (with the flow's PKCE verifier) and has
 * openid-client verify the ID token (signature, issuer, audience, nonce);
 * then mints the sso token and answers where the browser goes with it.
 */
export class OidcCallback {
  constructor(
    private readonly knex: Knex,
    private readonly connections: SsoConnections,
    private readonly relyingParty: OidcRelyingParty,
    private readonly signIns: SsoSignIns,
  ) {}

  async complete(connectionRef: string, query: OidcCallbackQuery, cookieState: string | undefined): Promise<string> {
    const { state } = query;
    // Before the flow is spent: a forged callback (no or another cookie) must not burn the real one.
    if (!state || !cookieState || !secretMatches(state, hashSecret(cookieState))) throw csrfMismatch();
    const flow = await this.signIns.takeFlow(this.knex, state);
    if (!flow || !flow.nonce || !flow.code_verifier) throw flowNotFound();
    const { connection } = await this.connections.forSignIn(flow.project_id, { connectionId: connectionRef });
    if (connection.id !== flow.connection_id || connection.kind !== 'oidc') throw flowNotFound();
    if (query.error)
      throw oidcFailed(
        `The identity provider refused the sign-in: ${query.error}${query.error_description ? ` (${query.error_description})` : ''}.`,
      );
    if (!query.code) throw oidcFailed('The identity provider sent no authorization code.');

    const config = this.relyingParty.configuration(connection);
    const redirectUri = this.relyingParty.redirectUri(connection);
    const callbackUrl = new URL(redirectUri);
    callbackUrl.search = new URLSearchParams({ code: query.code, state }).toString();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(
        config,
        callbackUrl,
        { pkceCodeVerifier: flow.code_verifier, expectedState: state, expectedNonce: flow.nonce, idTokenExpected: true },
        { redirect_uri: redirectUri },
      );
    } catch (err) {
      if (isNonceMismatch(err)) throw badRequest('id_token_nonce_invalid', "The ID token's nonce is not the one this sign-in sent.");
      throw oidcFailed(`The identity provider's token response was refused: ${(err as Error).message}.`);
    }
    const claims = tokens.claims()!;
    let attributes: Record<string, unknown> = Object.fromEntries(
      Object.entries(claims).filter(([name]) => !PROTOCOL_CLAIMS.includes(name)),
    );
    const emailClaim = connection.attribute_mapping.email || 'email';
    if (typeof attributes[emailClaim] !== 'string') {
      try {
        attributes = { ...attributes, ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)) };
      } catch (err) {
        throw oidcFailed(`The identity provider's userinfo could not be read: ${(err as Error).message}.`);
      }
    }
    const address = attributes[emailClaim];
    if (typeof address !== 'string' || address.trim() === '') throw oidcFailed(`The identity provider gave no "${emailClaim}" claim.`);
    const groupsClaim = attributes[connection.attribute_mapping.groups || 'groups'];
    const groups = Array.isArray(groupsClaim) ? groupsClaim.filter((g): g is string => typeof g === 'string') : [];
    const email = cleanEmail(address);

    const token = await this.signIns.mintToken(this.knex, {
      projectId: flow.project_id,
      connectionId: connection.id,
      externalId: claims.sub,
      email,
      attributes,
      groups,
      pkceCodeChallenge: flow.pkce_code_challenge,
    });
    return redirectAfterSignIn(flow, token, await this.signIns.isNewPerson(this.knex, connection, claims.sub, email));
  }
}
