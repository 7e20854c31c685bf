import { badRequest } from '../../../errors';
import type { SsoConnectionRow } from '../../../repositories/sso-connection.repository';
import type { ProjectContext } from '../../project-context';
import type { RedirectUrls } from '../../redirect-urls';
import { ssoConnectionNotFound, type SsoConnectionForSignIn, type SsoConnections } from '../connections/sso-connections';

/** Stytch's start URL query: GET /v1/public/sso/start. */
export interface SsoStartInput {
  public_token: string;
  connection_id?: string;
  organization_id?: string;
  login_redirect_url?: string;
  signup_redirect_url?: string;
  pkce_code_challenge?: string;
}

/** What every flow records whatever the protocol: the project, the connection, the caller's PKCE challenge and redirects. */
export interface FlowBasics {
  projectId: string;
  connectionId: string;
  pkceCodeChallenge?: string;
  loginRedirectUrl: string;
  signupRedirectUrl: string;
}

/** A protocol's first step: opens the flow (SsoSignIns.startFlow) and answers where the browser goes. */
export interface SsoProtocolStart {
  begin(found: SsoConnectionForSignIn, flow: FlowBasics): Promise<{ url: string; /** bound to the browser by a cookie */ state?: string }>;
}

/** Which project a public token names (the project's public tokens). */
export interface PublicTokenLookup {
  projectOf(publicToken: string): Promise<ProjectContext | undefined>;
}

export const publicTokenNotFound = () => badRequest('public_token_not_found', 'The public token is not valid for any project.');

/**
 * Stytch's SSO start URL: the browser arrives with the project's public
 * token, names a connection (or an organization, for its default one) and
 * where to land afterwards; Roster opens a flow and sends it to the IdP.
 */
export class SsoStart {
  constructor(
    private readonly publicTokens: PublicTokenLookup,
    private readonly connections: SsoConnections,
    private readonly redirectUrls: RedirectUrls,
    private readonly protocols: Partial<Record<SsoConnectionRow['kind'], SsoProtocolStart>>,
  ) {}

  async start(input: SsoStartInput): Promise<{ url: string; state?: string }> {
    const project = await this.publicTokens.projectOf(input.public_token);
    if (!project) throw publicTokenNotFound();
    if (input.connection_id === undefined && input.organization_id === undefined) {
      throw badRequest('missing_connection_or_organization_id', 'Pass connection_id, or organization_id for its default connection.');
    }
    const found = await this.connections.forSignIn(project.id, {
      connectionId: input.connection_id,
      organizationId: input.organization_id,
    });
    const protocol = this.protocols[found.connection.kind];
    if (!protocol) throw ssoConnectionNotFound();
    return protocol.begin(found, {
      projectId: project.id,
      connectionId: found.connection.id,
      pkceCodeChallenge: input.pkce_code_challenge,
      loginRedirectUrl: await this.redirectUrls.resolve(project, 'login', input.login_redirect_url, { sso: true }),
      signupRedirectUrl: await this.redirectUrls.resolve(project, 'signup', input.signup_redirect_url, { sso: true }),
    });
  }
}
