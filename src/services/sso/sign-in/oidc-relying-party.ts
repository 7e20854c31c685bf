import * as oidc from 'openid-client';
import type { OidcSettings, SsoConnectionWithProject } from '../../../repositories/sso-connection.repository';
import type { SsoConnectionForSignIn, SsoConnections } from '../connections/sso-connections';
import type { FlowBasics, SsoProtocolStart } from './start';
import type { SsoSignIns } from './sso-tokens';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Scopes always asked for: the subject and the address the member is matched by. */
const BASE_SCOPES = ['openid', 'email', 'profile'];

/**
 * Roster as an OpenID Connect relying party of one connection, through
 * openid-client: the connection's explicit endpoints (no discovery at sign-in
 * time), client_secret_basic, PKCE (S256), state and nonce on every request.
 */
export class OidcRelyingParty implements SsoProtocolStart {
  constructor(
    private readonly connections: SsoConnections,
    private readonly signIns: SsoSignIns,
    private readonly db: Parameters<SsoSignIns['startFlow']>[0],
    private readonly allowInsecureLoopback: boolean,
  ) {}

  /** The openid-client configuration of a connection (plain http only for loopback IdPs, when the setting allows it). */
  configuration(connection: SsoConnectionWithProject): oidc.Configuration {
    const settings = connection.oidc as OidcSettings;
    const config = new oidc.Configuration(
      {
        issuer: settings.issuer,
        authorization_endpoint: settings.authorization_url,
        token_endpoint: settings.token_url,
        userinfo_endpoint: settings.userinfo_url || undefined,
        jwks_uri: settings.jwks_url,
      },
      settings.client_id,
      settings.client_secret,
    );
    const plain = [settings.issuer, settings.authorization_url, settings.token_url, settings.userinfo_url, settings.jwks_url]
      .filter((u) => u && new URL(u).protocol === 'http:')
      .map((u) => new URL(u).hostname);
    if (this.allowInsecureLoopback && plain.length > 0 && plain.every((host) => LOOPBACK_HOSTS.has(host)))
      oidc.allowInsecureRequests(config);
    return config;
  }

  redirectUri(connection: SsoConnectionWithProject): string {
    return this.connections.oidcRedirectUrl(connection);
  }

  async begin({ connection }: SsoConnectionForSignIn, flow: FlowBasics): Promise<{ url: string; state: string }> {
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const { state } = await this.signIns.startFlow(this.db, { ...flow, nonce, codeVerifier });
    const scopes = new Set([...BASE_SCOPES, ...(connection.oidc?.custom_scopes ?? '').split(/\s+/).filter(Boolean)]);
    const url = oidc.buildAuthorizationUrl(this.configuration(connection), {
      redirect_uri: this.redirectUri(connection),
      response_type: 'code',
      scope: [...scopes].join(' '),
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.toString(), state };
  }
}
