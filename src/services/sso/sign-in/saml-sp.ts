import { randomBytes } from 'node:crypto';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { badRequest } from '../../../errors';
import type { SamlSettings, SsoCertificateRow, SsoConnectionWithProject } from '../../../repositories/sso-connection.repository';

/** How far the IdP's clock may be from ours when NotBefore / NotOnOrAfter are checked. */
export const SAML_CLOCK_SKEW_MS = 60_000;

/** Where a connection's SAML messages go and whom they are for. */
export interface SamlEndpoints {
  /** Roster's ACS URL for the connection (SsoConnections.acsUrl). */
  acsUrl: string;
}

/** The connection's SAML settings; a connection of the other kind never reaches here. */
export function samlSettingsOf(connection: SsoConnectionWithProject): SamlSettings {
  if (connection.kind !== 'saml' || !connection.saml) throw new Error(`SSO connection ${connection.id} is not a SAML connection.`);
  return connection.saml;
}

/** The SP entity id Roster presents for the connection, and the audience its assertions must name (Stytch's audience_uri). */
export function spEntityId(connection: SsoConnectionWithProject, { acsUrl }: SamlEndpoints): string {
  return samlSettingsOf(connection).alternative_audience_uri || acsUrl;
}

/** The ACS URLs a response may name as its Recipient / Destination: Roster's own, and the alternative one sent in requests. */
export function acceptedAcsUrls(connection: SsoConnectionWithProject, { acsUrl }: SamlEndpoints): string[] {
  const alternative = samlSettingsOf(connection).alternative_acs_url;
  return alternative ? [acsUrl, alternative] : [acsUrl];
}

/** An AuthnRequest ID: an xs:ID (starts with "_"), unguessable so that InResponseTo binds a response to its request. */
export const newSamlRequestId = (): string => `_${randomBytes(20).toString('hex')}`;

/**
 * node-saml configured for one connection as Roster's service provider:
 * the Assertion must be signed by one of the IdP's verification
 * certificates (a signed Response alone is not enough — Stytch requires signed
 * assertions), audience and timestamps are checked with a small skew.
 * InResponseTo is checked by the ACS against the flow the RelayState names,
 * so node-saml's own request cache is off. With a decryption key, an
 * encrypted assertion is accepted too (a plain one still is).
 */
export function samlServiceProvider(
  connection: SsoConnectionWithProject,
  certificates: { verificationCertificates: SsoCertificateRow[]; signingCertificate?: SsoCertificateRow; decryptionKey?: string },
  endpoints: SamlEndpoints,
  requestId?: string,
): SAML {
  const settings = samlSettingsOf(connection);
  const signingKey = certificates.signingCertificate?.private_key ?? undefined;
  return new SAML({
    entryPoint: settings.idp_sso_url || undefined,
    issuer: spEntityId(connection, endpoints),
    audience: spEntityId(connection, endpoints),
    callbackUrl: settings.alternative_acs_url || endpoints.acsUrl,
    idpCert: certificates.verificationCertificates.map((c) => c.certificate),
    identifierFormat: settings.nameid_format || undefined,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: SAML_CLOCK_SKEW_MS,
    validateInResponseTo: ValidateInResponseTo.never,
    authnRequestBinding: 'HTTP-Redirect',
    ...(signingKey ? { privateKey: signingKey, signatureAlgorithm: 'sha256' as const } : {}),
    // An EncryptedAssertion is decrypted with it (xml-encryption), then its signature checked as any assertion's.
    ...(certificates.decryptionKey ? { decryptionPvk: certificates.decryptionKey } : {}),
    ...(requestId ? { generateUniqueId: () => requestId } : {}),
  });
}

/** Refuses a connection that cannot take part in a sign-in yet (no IdP URL, no certificate to check responses with). */
export function assertSamlConnectionReady(
  connection: SsoConnectionWithProject,
  verificationCertificates: SsoCertificateRow[],
  need: 'start' | 'response',
): void {
  const settings = samlSettingsOf(connection);
  if (need === 'start' && !settings.idp_sso_url) {
    throw badRequest('saml_connection_not_configured', 'The SAML connection has no idp_sso_url yet: set it before signing in.');
  }
  if (verificationCertificates.length === 0) {
    throw badRequest(
      'saml_connection_not_configured',
      'The SAML connection has no IdP verification certificate yet: add one before signing in.',
    );
  }
}
