import type { CreateSsoConnectionInput } from '../../../contracts/sso';
import type { UpdateOidcConnectionInput } from '../../../contracts/sso-oidc';
import { badRequest } from '../../../errors';
import type { OidcSettings } from '../../../repositories/sso-connection.repository';
import type { ProjectContext } from '../../project-context';
import { checkIdpUrl, fetchIdpDocument } from './idp-url';
import type { SsoConnectionRecord, SsoConnectionService } from './sso-connection.service';

const EMPTY: OidcSettings = {
  client_id: '',
  client_secret: '',
  issuer: '',
  authorization_url: '',
  token_url: '',
  userinfo_url: '',
  jwks_url: '',
  custom_scopes: '',
};
const ENDPOINTS = ['authorization_url', 'token_url', 'userinfo_url', 'jwks_url'] as const;
/** Where each endpoint is named in an OpenID Provider's discovery document. */
const DISCOVERY_FIELDS = {
  authorization_url: 'authorization_endpoint',
  token_url: 'token_endpoint',
  userinfo_url: 'userinfo_endpoint',
  jwks_url: 'jwks_uri',
} as const;

/** A connection can sign people in once Roster can run the whole code flow against its IdP. */
function isComplete(s: OidcSettings): boolean {
  return [s.client_id, s.client_secret, s.issuer, ...ENDPOINTS.map((e) => s[e])].every((v) => v !== '');
}

/** Stytch's `sso.oidc` endpoints. */
export class OidcConnections {
  constructor(
    private readonly connections: SsoConnectionService,
    private readonly allowInsecureLoopback: boolean,
  ) {}

  create(project: ProjectContext, organizationRef: string, input: CreateSsoConnectionInput): Promise<SsoConnectionRecord> {
    return this.connections.create(project, organizationRef, 'oidc', input, { oidc: EMPTY });
  }

  /**
   * Explicit values win; a new issuer's discovery document
   * (`<issuer>/.well-known/openid-configuration`, read before the
   * transaction) fills the endpoints not given.
   */
  async update(
    project: ProjectContext,
    organizationRef: string,
    connectionRef: string,
    input: UpdateOidcConnectionInput,
  ): Promise<SsoConnectionRecord> {
    const given: Partial<OidcSettings> = {};
    for (const field of ['issuer', ...ENDPOINTS] as const) {
      if (input[field] !== undefined && input[field] !== '') given[field] = checkIdpUrl(field, input[field], this.allowInsecureLoopback);
    }
    for (const field of ['client_id', 'client_secret', 'custom_scopes'] as const) {
      if (input[field] !== undefined) given[field] = input[field];
    }
    const before = await this.connections.find(project, organizationRef, connectionRef, 'oidc');
    const discovered = given.issuer !== undefined && given.issuer !== before.oidc?.issuer ? await this.discover(given.issuer) : {};
    return this.connections.change(project, organizationRef, connectionRef, 'oidc', async (connection) => {
      const oidc = { ...EMPTY, ...connection.oidc, ...discovered, ...given };
      return {
        patch: {
          oidc,
          status: isComplete(oidc) ? 'active' : 'pending',
          ...(input.display_name !== undefined && { display_name: input.display_name }),
          ...(input.identity_provider !== undefined && { identity_provider: input.identity_provider }),
          ...(input.attribute_mapping !== undefined && { attribute_mapping: input.attribute_mapping }),
        },
      };
    });
  }

  /** The endpoints an OpenID Provider publishes; each must pass the same URL rule as given ones. */
  private async discover(issuer: string): Promise<Partial<OidcSettings>> {
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let document: Record<string, unknown>;
    try {
      document = JSON.parse(await fetchIdpDocument(url, { errorType: 'oidc_discovery_failed' }));
    } catch (error) {
      if (error instanceof SyntaxError) throw badRequest('oidc_discovery_failed', `${url} is not a JSON document.`);
      throw error;
    }
    if (document.issuer !== issuer) {
      throw badRequest('oidc_discovery_failed', `${url} names issuer "${String(document.issuer)}", not "${issuer}".`);
    }
    const found: Partial<OidcSettings> = {};
    for (const field of ENDPOINTS) {
      const value = document[DISCOVERY_FIELDS[field]];
      if (typeof value === 'string' && value !== '')
        found[field] = checkIdpUrl(`${url} ${DISCOVERY_FIELDS[field]}`, value, this.allowInsecureLoopback);
    }
    return found;
  }
}
