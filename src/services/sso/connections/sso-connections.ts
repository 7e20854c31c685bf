import type { Knex } from 'knex';
import { notFound } from '../../../errors';
import { formatId, IdKind, parseId } from '../../../ids';
import type { SsoCertificateRow, SsoConnectionRepository, SsoConnectionWithProject } from '../../../repositories/sso-connection.repository';

/** What a sign-in needs of a connection: its settings and the certificates that check or sign its messages. */
export interface SsoConnectionForSignIn {
  connection: SsoConnectionWithProject;
  /** The IdP's certificates (SAML): a response must be signed by one of them. */
  verificationCertificates: SsoCertificateRow[];
  /** Roster's own signing certificate for this connection (SAML AuthnRequests), with its private key. */
  signingCertificate?: SsoCertificateRow;
  /** The private keys an IdP may have encrypted assertions to (SAML), newest first. */
  decryptionKeys?: string[];
}

const KINDS: Record<SsoConnectionWithProject['kind'], IdKind> = { oidc: 'oidc-connection', saml: 'saml-connection' };

export const ssoConnectionNotFound = () => notFound('sso_connection_not_found', 'SSO connection could not be found.');

/** A connection's public id (`oidc-connection-test-…` / `saml-connection-test-…`). */
export function connectionPublicId(
  env: SsoConnectionWithProject['project_env'],
  connection: Pick<SsoConnectionWithProject, 'id' | 'kind'>,
) {
  return formatId(KINDS[connection.kind], env, connection.id);
}

/** The bare id inside a connection's public id of either kind, with that kind; undefined when it is neither. */
export function parseConnectionId(
  env: SsoConnectionWithProject['project_env'],
  ref: string,
): { id: string; kind: SsoConnectionWithProject['kind'] } | undefined {
  for (const kind of ['oidc', 'saml'] as const) {
    const id = parseId(KINDS[kind], env, ref);
    if (id) return { id, kind };
  }
  return undefined;
}

/**
 * Where the IdP sends the browser back, as Stytch names it: one callback per
 * connection (`/v1/b2b/sso/callback/<connection public id>`), the SAML ACS URL
 * and the OIDC redirect URI alike.
 */
function callbackUrl(publicUrl: string, connection: SsoConnectionWithProject): string {
  return `${publicUrl}/v1/b2b/sso/callback/${connectionPublicId(connection.project_env, connection)}`;
}

/** The connections a sign-in starts from (the start URL, the IdP callbacks). */
export class SsoConnections {
  constructor(
    private readonly knex: Knex,
    private readonly connections: SsoConnectionRepository,
    private readonly publicUrl: string,
  ) {}

  /**
   * The connection named by its public id, or else the organization's default
   * connection (organizationId bare or public). Anything else, including
   * another project's connection, is sso_connection_not_found.
   */
  async forSignIn(projectId: string, ref: { connectionId?: string; organizationId?: string }): Promise<SsoConnectionForSignIn> {
    const env = await this.connections.projectEnv(this.knex, projectId);
    if (!env) throw ssoConnectionNotFound();
    let connectionRef = ref.connectionId;
    if (connectionRef === undefined && ref.organizationId !== undefined) {
      const organizationId = parseId('organization', env, ref.organizationId) ?? ref.organizationId;
      connectionRef = (await this.connections.defaultConnectionOf(this.knex, projectId, organizationId)) ?? undefined;
    }
    const parsed = connectionRef === undefined ? undefined : parseConnectionId(env, connectionRef);
    const connection = parsed && (await this.connections.findForSignIn(this.knex, projectId, parsed.id));
    if (!connection || connection.kind !== parsed.kind) throw ssoConnectionNotFound();
    if (connection.kind === 'oidc') return { connection, verificationCertificates: [] };
    // One read for every purpose (oldest first), not a pooled connection per purpose.
    const certificates = await this.connections.certificatesOf(this.knex, [connection.id]);
    const of = (purpose: SsoCertificateRow['purpose']) => certificates.filter((c) => c.purpose === purpose);
    const [verificationCertificates, signing, encryption] = [of('verification'), of('signing'), of('encryption')];
    return {
      connection,
      verificationCertificates,
      signingCertificate: signing[signing.length - 1],
      decryptionKeys: encryption.flatMap((c) => c.private_key ?? []).reverse(),
    };
  }

  /** The SAML Assertion Consumer Service URL of a connection. */
  acsUrl(connection: SsoConnectionWithProject): string {
    return callbackUrl(this.publicUrl, connection);
  }

  /** The OIDC redirect_uri of a connection. */
  oidcRedirectUrl(connection: SsoConnectionWithProject): string {
    return callbackUrl(this.publicUrl, connection);
  }
}
