import type { CreateSsoConnectionInput } from '../../../contracts/sso';
import type { UpdateSamlConnectionInput } from '../../../contracts/sso-saml';
import type { SamlSettings, SsoCertificateRow } from '../../../repositories/sso-connection.repository';
import type { ProjectContext } from '../../project-context';
import { certificateForKey, newSigningCertificate, parseCertificate, type ParsedCertificate } from './certificates';
import { checkIdpUrl, fetchIdpDocument } from './idp-url';
import { parseIdpMetadata } from './saml-metadata';
import type { SsoConnectionChange, SsoConnectionRecord, SsoConnectionService } from './sso-connection.service';

const EMPTY: SamlSettings = {
  idp_entity_id: '',
  idp_sso_url: '',
  idp_metadata_url: '',
  nameid_format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  alternative_audience_uri: '',
  alternative_acs_url: '',
  idp_initiated_auth_disabled: false,
};

/** A certificate as sso_certificates keeps it, with the private key Roster holds for it (its own signing and encryption keys). */
const stored = (purpose: SsoCertificateRow['purpose'], c: ParsedCertificate & { privateKey?: string }) => ({
  purpose,
  certificate: c.certificate,
  private_key: c.privateKey ?? null,
  issuer: c.issuer,
  expires_at: c.expiresAt,
});

/** Stytch's `sso.saml` endpoints. */
export class SamlConnections {
  constructor(
    private readonly connections: SsoConnectionService,
    private readonly allowInsecureLoopback: boolean,
  ) {}

  /** A new connection gets Roster's own signing certificate (its AuthnRequests are signed with it). */
  async create(project: ProjectContext, organizationRef: string, input: CreateSsoConnectionInput): Promise<SsoConnectionRecord> {
    const signing = await newSigningCertificate('Roster SAML SP');
    return this.connections.create(project, organizationRef, 'saml', input, {
      saml: EMPTY,
      certificates: [stored('signing', signing)],
    });
  }

  async update(
    project: ProjectContext,
    organizationRef: string,
    connectionRef: string,
    input: UpdateSamlConnectionInput,
  ): Promise<SsoConnectionRecord> {
    const settings: Partial<SamlSettings> = {
      ...(input.idp_entity_id !== undefined && { idp_entity_id: input.idp_entity_id }),
      ...(input.idp_sso_url !== undefined && {
        idp_sso_url: input.idp_sso_url === '' ? '' : checkIdpUrl('idp_sso_url', input.idp_sso_url, this.allowInsecureLoopback),
      }),
      ...(input.nameid_format !== undefined && { nameid_format: input.nameid_format }),
      ...(input.alternative_audience_uri !== undefined && { alternative_audience_uri: input.alternative_audience_uri }),
      ...(input.alternative_acs_url !== undefined && { alternative_acs_url: input.alternative_acs_url }),
      ...(input.idp_initiated_auth_disabled !== undefined && { idp_initiated_auth_disabled: input.idp_initiated_auth_disabled }),
    };
    const certificate = input.x509_certificate ? parseCertificate(input.x509_certificate) : undefined;
    // Certified before the transaction (CPU work); each key is kept beside its certificate, shown without it.
    const signing =
      input.signing_private_key === undefined
        ? undefined
        : await certificateForKey('Roster SAML SP', input.signing_private_key, 'signing_private_key');
    const encryption =
      input.saml_encryption_private_key === undefined
        ? undefined
        : await certificateForKey('Roster SAML SP encryption', input.saml_encryption_private_key, 'saml_encryption_private_key');
    return this.connections.change(project, organizationRef, connectionRef, 'saml', async (connection, organization, trx) => {
      const roleIds = [
        ...(input.saml_connection_implicit_role_assignments ?? []).map((a) => a.role_id),
        ...(input.saml_group_implicit_role_assignments ?? []).map((a) => a.role_id),
      ];
      await this.connections.checkRoles(trx, project, organization, roleIds);
      const change: SsoConnectionChange = {
        patch: {
          ...(input.display_name !== undefined && { display_name: input.display_name }),
          ...(input.identity_provider !== undefined && { identity_provider: input.identity_provider }),
          ...(input.attribute_mapping !== undefined && { attribute_mapping: input.attribute_mapping }),
          ...(input.saml_connection_implicit_role_assignments !== undefined && {
            connection_role_assignments: input.saml_connection_implicit_role_assignments.map(({ role_id }) => ({ role_id })),
          }),
          ...(input.saml_group_implicit_role_assignments !== undefined && {
            group_role_assignments: input.saml_group_implicit_role_assignments.map(({ group, role_id }) => ({ group, role_id })),
          }),
        },
        certificates: [
          ...(certificate ? [stored('verification', certificate)] : []),
          ...(signing ? [stored('signing', signing)] : []),
          ...(encryption ? [stored('encryption', encryption)] : []),
        ],
        // A connection has one signing identity (its AuthnRequests); encryption keys add up, for rotation.
        replaces: signing ? ['signing'] : [],
      };
      const trusts = certificate !== undefined || (await this.connections.hasVerificationCertificate(trx, connection.id));
      return this.withSettings(connection.saml, settings, change, trusts);
    });
  }

  /** Reads the IdP's metadata (before the transaction) and takes its entity id, SSO URL and signing certificates. */
  async updateByUrl(
    project: ProjectContext,
    organizationRef: string,
    connectionRef: string,
    metadataUrl: string,
  ): Promise<SsoConnectionRecord> {
    const url = checkIdpUrl('metadata_url', metadataUrl, this.allowInsecureLoopback);
    const metadata = parseIdpMetadata(await fetchIdpDocument(url, { errorType: 'saml_metadata_unavailable' }));
    const ssoUrl = checkIdpUrl('the metadata SingleSignOnService Location', metadata.ssoUrl, this.allowInsecureLoopback);
    const certificates = metadata.signingCertificates.map(parseCertificate);
    return this.connections.change(project, organizationRef, connectionRef, 'saml', async (connection) =>
      this.withSettings(
        connection.saml,
        { idp_entity_id: metadata.entityId, idp_sso_url: ssoUrl, idp_metadata_url: url },
        {
          patch: {},
          certificates: certificates.map((c) => ({
            purpose: 'verification',
            certificate: c.certificate,
            issuer: c.issuer,
            expires_at: c.expiresAt,
          })),
          // The metadata is the IdP's whole current set: certificates it no longer lists stop being trusted.
          replaces: ['verification'],
        },
        true,
      ),
    );
  }

  /** Merges the settings into the change; the connection is active once it names its IdP and has a certificate to trust. */
  private withSettings(
    current: SamlSettings | null,
    settings: Partial<SamlSettings>,
    change: SsoConnectionChange,
    trustsCertificate: boolean,
  ) {
    const saml = { ...EMPTY, ...current, ...settings };
    return {
      ...change,
      patch: { ...change.patch, saml, ...(trustsCertificate && saml.idp_entity_id && saml.idp_sso_url && { status: 'active' }) },
    };
  }
}
