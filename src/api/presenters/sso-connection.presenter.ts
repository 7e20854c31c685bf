import type { OidcConnectionWire, SamlConnectionWire } from '../../contracts/sso';
import { formatId } from '../../ids';
import type { SsoCertificateRow } from '../../repositories/sso-connection.repository';
import type { SsoConnectionRecord } from '../../services/sso/connections/sso-connection.service';
import { connectionPublicId } from '../../services/sso/connections/sso-connections';
import { timestamp } from './wire';

/** Stytch's callback URL of a connection: the OIDC redirect URL and the SAML ACS URL alike. */
function callbackUrl(publicUrl: string, record: SsoConnectionRecord): string {
  return `${publicUrl}/v1/b2b/sso/callback/${connectionPublicId(record.env, record.connection)}`;
}

function x509(c: SsoCertificateRow) {
  return {
    certificate_id: c.id,
    certificate: c.certificate,
    issuer: c.issuer,
    created_at: timestamp(c.created_at),
    updated_at: timestamp(c.updated_at),
    expires_at: c.expires_at ? timestamp(c.expires_at) : undefined,
  };
}

/** Stytch's OIDCConnection. */
export function presentOidcConnection(publicUrl: string, record: SsoConnectionRecord): OidcConnectionWire {
  const c = record.connection;
  const o = c.oidc!;
  return {
    organization_id: formatId('organization', record.env, c.organization_id),
    connection_id: connectionPublicId(record.env, c),
    status: c.status,
    display_name: c.display_name,
    redirect_url: callbackUrl(publicUrl, record),
    client_id: o.client_id,
    client_secret: o.client_secret,
    issuer: o.issuer,
    authorization_url: o.authorization_url,
    token_url: o.token_url,
    userinfo_url: o.userinfo_url,
    jwks_url: o.jwks_url,
    identity_provider: c.identity_provider,
    custom_scopes: o.custom_scopes,
    attribute_mapping: c.attribute_mapping,
  };
}

/**
 * Stytch's SAMLConnection. Roster's signing certificates are shown without
 * their private keys, and each encryption key as the certificate made for it:
 * a private key given to Roster is never shown again.
 */
export function presentSamlConnection(publicUrl: string, record: SsoConnectionRecord): SamlConnectionWire {
  const c = record.connection;
  const s = c.saml!;
  const of = (purpose: SsoCertificateRow['purpose']) => record.certificates.filter((cert) => cert.purpose === purpose);
  const acsUrl = callbackUrl(publicUrl, record);
  return {
    organization_id: formatId('organization', record.env, c.organization_id),
    connection_id: connectionPublicId(record.env, c),
    status: c.status,
    idp_entity_id: s.idp_entity_id,
    display_name: c.display_name,
    idp_sso_url: s.idp_sso_url,
    acs_url: acsUrl,
    // Roster's SP entity id is its ACS URL, as Stytch's is.
    audience_uri: acsUrl,
    signing_certificates: of('signing').map(x509),
    verification_certificates: of('verification').map(x509),
    encryption_private_keys: of('encryption').map((k) => ({
      private_key_id: k.id,
      private_key: k.certificate,
      created_at: timestamp(k.created_at),
    })),
    saml_connection_implicit_role_assignments: c.connection_role_assignments,
    saml_group_implicit_role_assignments: c.group_role_assignments,
    alternative_audience_uri: s.alternative_audience_uri,
    identity_provider: c.identity_provider,
    nameid_format: s.nameid_format,
    alternative_acs_url: s.alternative_acs_url,
    idp_initiated_auth_disabled: s.idp_initiated_auth_disabled,
    allow_gateway_callback: false,
    attribute_mapping: c.attribute_mapping,
  };
}
