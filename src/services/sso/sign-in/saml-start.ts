import type { Knex } from 'knex';
import type { SsoCertificateRow, SsoConnectionWithProject } from '../../../repositories/sso-connection.repository';
import type { SsoConnectionForSignIn, SsoConnections } from '../connections/sso-connections';
import { assertSamlConnectionReady, newSamlRequestId, samlServiceProvider, type SamlEndpoints } from './saml-sp';
import type { SsoSignIns } from './sso-tokens';
import type { FlowBasics, SsoProtocolStart } from './start';

/** The flow a SAML start belongs to: what the IdP must echo back (RelayState, InResponseTo) and where it answers. */
export interface SamlStartFlow extends SamlEndpoints {
  /** The flow's state (SsoSignIns.startFlow): sent as RelayState, it finds the flow again at the ACS. */
  state: string;
  /** The AuthnRequest's ID, as the flow stores it (startFlow's samlRequestId). */
  samlRequestId: string;
}

/**
 * The IdP URL for a SAML sign-in: an AuthnRequest over the HTTP-Redirect
 * binding (signed when Roster holds a signing key for the connection),
 * RelayState = the flow's state.
 */
export async function samlAuthorizeUrl(
  connection: SsoConnectionWithProject,
  certificates: { verificationCertificates: SsoCertificateRow[]; signingCertificate?: SsoCertificateRow },
  flow: SamlStartFlow,
): Promise<string> {
  assertSamlConnectionReady(connection, certificates.verificationCertificates, 'start');
  const sp = samlServiceProvider(connection, certificates, flow, flow.samlRequestId);
  return sp.getAuthorizeUrlAsync(flow.state, undefined, {});
}

/**
 * The start URL's SAML branch: opens the flow with a fresh AuthnRequest ID
 * and sends the browser to the IdP. No state cookie: the IdP answers with a
 * cross-site POST, which a SameSite cookie would not accompany; the
 * RelayState and the signed InResponseTo bind the answer to this flow.
 */
export class SamlStart implements SsoProtocolStart {
  constructor(
    private readonly knex: Knex,
    private readonly connections: SsoConnections,
    private readonly signIns: SsoSignIns,
  ) {}

  async begin(found: SsoConnectionForSignIn, flow: FlowBasics): Promise<{ url: string }> {
    // Checked before a flow is written for a connection that cannot answer it.
    assertSamlConnectionReady(found.connection, found.verificationCertificates, 'start');
    const samlRequestId = newSamlRequestId();
    const { state } = await this.signIns.startFlow(this.knex, { ...flow, samlRequestId });
    const acsUrl = this.connections.acsUrl(found.connection);
    return { url: await samlAuthorizeUrl(found.connection, found, { state, samlRequestId, acsUrl }) };
  }
}
