import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { createOrganization } from '../helpers/factories';
import { newSigningCertificate } from '../../src/services/sso/connections/certificates';

/** A stand-in IdP on loopback: serves whatever documents the test puts at a path. */
class DocumentServer {
  readonly documents = new Map<string, { type: string; body: string }>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const doc = this.documents.get(req.url ?? '');
      if (!doc) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': doc.type }).end(doc.body);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}

function metadataXml(entityId: string, ssoUrl: string, certificates: string[]): string {
  const keys = certificates
    .map(
      (c) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${pemBody(c)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('');
  return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ${keys}
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${ssoUrl}/post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${ssoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}

describe("Stytch's sso connection endpoints", () => {
  const ctx = useTestApp({ SSO_ALLOW_INSECURE_LOOPBACK: 'true' });
  const client = () => ctx.client;
  const idp = new DocumentServer();
  let idpCertificate: string;

  beforeAll(async () => {
    await idp.start();
    idpCertificate = (await newSigningCertificate('Test IdP')).certificate;
  });
  afterAll(() => idp.close());

  function publishDiscovery(issuer: string): void {
    idp.documents.set(new URL(`${issuer}/.well-known/openid-configuration`).pathname, {
      type: 'application/json',
      body: JSON.stringify({
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/me`,
        jwks_uri: `${issuer}/jwks`,
      }),
    });
  }

  async function newOidc() {
    const organization = await createOrganization(client());
    const { connection } = await client().sso.oidc.createConnection({
      organization_id: organization.organization_id,
      display_name: 'Okta',
      identity_provider: 'okta',
    });
    return { organization, connection: connection! };
  }

  async function newSaml() {
    const organization = await createOrganization(client());
    const { connection } = await client().sso.saml.createConnection({
      organization_id: organization.organization_id,
      display_name: 'Entra',
    });
    return { organization, connection: connection! };
  }

  test('an OIDC connection starts pending and becomes active from its issuer discovery, explicit values winning', async () => {
    const { organization, connection } = await newOidc();
    expect(connection).toMatchObject({ status: 'pending', display_name: 'Okta', identity_provider: 'okta', issuer: '' });
    expect(connection.connection_id).toMatch(/^oidc-connection-test-/);
    expect(connection.redirect_url).toBe(`${ctx.app.baseUrl}/v1/b2b/sso/callback/${connection.connection_id}`);

    const issuer = `${idp.url}/oidc-a`;
    publishDiscovery(issuer);
    const { connection: updated } = await client().sso.oidc.updateConnection({
      organization_id: organization.organization_id,
      connection_id: connection.connection_id,
      client_id: 'client-a',
      client_secret: 'secret-a',
      issuer,
      userinfo_url: `${idp.url}/explicit-userinfo`,
    });
    expect(updated).toMatchObject({
      status: 'active',
      issuer,
      authorization_url: `${issuer}/auth`,
      token_url: `${issuer}/token`,
      jwks_url: `${issuer}/jwks`,
      userinfo_url: `${idp.url}/explicit-userinfo`,
      client_secret: 'secret-a',
    });

    const org = (await client().organizations.get({ organization_id: organization.organization_id })).organization;
    expect(org.sso_default_connection_id).toBe(connection.connection_id);
    expect(org.sso_active_connections).toEqual([
      { connection_id: connection.connection_id, display_name: 'Okta', identity_provider: 'okta' },
    ]);

    const listed = await client().sso.getConnections({ organization_id: organization.organization_id });
    expect(listed.oidc_connections).toEqual([updated]);
    expect(listed.saml_connections).toEqual([]);
    expect(listed.external_connections).toEqual([]);
  });

  test('plain-http IdP URLs off loopback are refused and nothing changes', async () => {
    const { organization, connection } = await newOidc();
    await expectStytchError(
      client().sso.oidc.updateConnection({
        organization_id: organization.organization_id,
        connection_id: connection.connection_id,
        display_name: 'changed',
        issuer: 'http://idp.example.com',
      }),
      400,
      'invalid_sso_idp_url',
    );
    await expectStytchError(
      client().sso.oidc.updateConnection({
        organization_id: organization.organization_id,
        connection_id: connection.connection_id,
        issuer: `${idp.url}/no-discovery-here`,
      }),
      400,
      'oidc_discovery_failed',
    );
    const listed = await client().sso.getConnections({ organization_id: organization.organization_id });
    expect(listed.oidc_connections).toEqual([connection]);
  });

  test('a SAML connection carries its own signing certificate and takes an IdP certificate and roles', async () => {
    const { organization, connection } = await newSaml();
    expect(connection).toMatchObject({ status: 'pending', verification_certificates: [], encryption_private_keys: [] });
    expect(connection.signing_certificates).toHaveLength(1);
    expect(connection.signing_certificates[0].certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(connection.acs_url).toBe(`${ctx.app.baseUrl}/v1/b2b/sso/callback/${connection.connection_id}`);

    const { connection: updated } = await client().sso.saml.updateConnection({
      organization_id: organization.organization_id,
      connection_id: connection.connection_id,
      idp_entity_id: 'https://idp.example.com/entity',
      idp_sso_url: 'https://idp.example.com/sso',
      x509_certificate: idpCertificate,
      saml_connection_implicit_role_assignments: [{ role_id: 'stytch_admin' }],
      saml_group_implicit_role_assignments: [{ group: 'admins', role_id: 'stytch_admin' }],
    });
    expect(updated).toMatchObject({
      status: 'active',
      idp_entity_id: 'https://idp.example.com/entity',
      saml_connection_implicit_role_assignments: [{ role_id: 'stytch_admin' }],
      saml_group_implicit_role_assignments: [{ group: 'admins', role_id: 'stytch_admin' }],
    });
    expect(updated!.verification_certificates).toHaveLength(1);
    expect(updated!.verification_certificates[0]).toMatchObject({ issuer: 'CN=Test IdP' });
    expect(updated!.verification_certificates[0].expires_at).toBeDefined();

    // The one certificate removed, no response could be verified: pending again, and no longer the default.
    await client().sso.saml.deleteVerificationCertificate({
      organization_id: organization.organization_id,
      connection_id: connection.connection_id,
      certificate_id: updated!.verification_certificates[0].certificate_id,
    });
    const listed = await client().sso.getConnections({ organization_id: organization.organization_id });
    expect(listed.saml_connections[0]).toMatchObject({ status: 'pending', verification_certificates: [] });
    const org = (await client().organizations.get({ organization_id: organization.organization_id })).organization;
    expect(org.sso_default_connection_id).toBeUndefined();
  });

  test('bad SAML input is refused and nothing changes', async () => {
    const { organization, connection } = await newSaml();
    const ref = { organization_id: organization.organization_id, connection_id: connection.connection_id };
    await expectStytchError(
      client().sso.saml.updateConnection({ ...ref, display_name: 'x', x509_certificate: 'not a certificate' }),
      400,
      'invalid_x509_certificate',
    );
    await expectStytchError(
      client().sso.saml.updateConnection({
        ...ref,
        display_name: 'x',
        saml_connection_implicit_role_assignments: [{ role_id: 'no-such-role' }],
      }),
      400,
      'invalid_rbac_role_id',
    );
    await expectStytchError(
      client().sso.saml.updateConnection({ ...ref, idp_sso_url: 'ftp://idp.example.com' }),
      400,
      'invalid_sso_idp_url',
    );
    idp.documents.set('/broken-metadata', { type: 'application/xml', body: '<md:EntityDescriptor' });
    await expectStytchError(
      client().sso.saml.updateByURL({ ...ref, metadata_url: `${idp.url}/broken-metadata` }),
      400,
      'invalid_saml_metadata',
    );
    await expectStytchError(
      client().sso.saml.deleteVerificationCertificate({ ...ref, certificate_id: '0190aaaa-0000-7000-8000-000000000000' }),
      400,
      'sso_certificate_not_found',
    );
    const listed = await client().sso.getConnections({ organization_id: organization.organization_id });
    expect(listed.saml_connections).toEqual([connection]);
  });

  test('updateByURL reads the IdP metadata: entity id, redirect-binding SSO URL and signing certificates', async () => {
    const { organization, connection } = await newSaml();
    idp.documents.set('/metadata', {
      type: 'application/samlmetadata+xml',
      body: metadataXml('urn:test:idp', `${idp.url}/sso`, [idpCertificate]),
    });
    const { connection: updated } = await client().sso.saml.updateByURL({
      organization_id: organization.organization_id,
      connection_id: connection.connection_id,
      metadata_url: `${idp.url}/metadata`,
    });
    expect(updated).toMatchObject({ status: 'active', idp_entity_id: 'urn:test:idp', idp_sso_url: `${idp.url}/sso` });
    expect(updated!.verification_certificates.map((c) => pemBody(c.certificate))).toEqual([pemBody(idpCertificate)]);
  });

  test("the scheduled metadata refresh takes the IdP's rotated certificate and reports certificates near expiry", async () => {
    const { organization, connection } = await newSaml();
    const ref = { organization_id: organization.organization_id, connection_id: connection.connection_id };
    idp.documents.set('/rotating-metadata', {
      type: 'application/xml',
      body: metadataXml('urn:test:rotating', `${idp.url}/sso`, [idpCertificate]),
    });
    await client().sso.saml.updateByURL({ ...ref, metadata_url: `${idp.url}/rotating-metadata` });
    const rotated = (await newSigningCertificate('Rotated IdP')).certificate;
    idp.documents.set('/rotating-metadata', {
      type: 'application/xml',
      body: metadataXml('urn:test:rotating', `${idp.url}/sso`, [rotated]),
    });

    // As of a day before the certificates' five years run out: every one expires within 30 days.
    const nearExpiry = new Date(Date.now() + (5 * 365 - 1) * 24 * 3600_000);
    const report = await ctx.app.container.samlMetadataRefresh.refresh(nearExpiry);
    expect(report.refreshed).toBeGreaterThanOrEqual(1);
    const listed = await client().sso.getConnections({ organization_id: organization.organization_id });
    const certificates = listed.saml_connections[0].verification_certificates;
    expect(certificates.map((c) => pemBody(c.certificate))).toEqual([pemBody(rotated)]);
    expect(report.expiring).toContainEqual(
      expect.objectContaining({ connection_id: connection.connection_id, certificate_id: certificates[0].certificate_id }),
    );
    expect((await ctx.app.container.samlMetadataRefresh.refresh()).expiring).toEqual([]);
  });

  test('deleting a connection takes it out of the default and the JIT-provisioning list', async () => {
    const { organization, connection } = await newSaml();
    const ref = { organization_id: organization.organization_id, connection_id: connection.connection_id };
    await client().sso.saml.updateConnection({
      ...ref,
      idp_entity_id: 'urn:idp',
      idp_sso_url: 'https://idp.example.com/sso',
      x509_certificate: idpCertificate,
    });
    await client().organizations.update({
      organization_id: organization.organization_id,
      sso_jit_provisioning: 'RESTRICTED',
      sso_jit_provisioning_allowed_connections: [connection.connection_id],
    });
    const { connection_id } = await client().sso.deleteConnection(ref);
    expect(connection_id).toBe(connection.connection_id);
    const org = (await client().organizations.get({ organization_id: organization.organization_id })).organization;
    expect(org.sso_default_connection_id).toBeUndefined();
    expect(org.sso_jit_provisioning_allowed_connections).toEqual([]);
    expect(org.sso_active_connections).toEqual([]);
    await expectStytchError(client().sso.deleteConnection(ref), 404, 'sso_connection_not_found');
  });

  test('concurrent creates all land, and exactly one active connection becomes the default', async () => {
    const organization = await createOrganization(client());
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        client().sso.saml.createConnection({ organization_id: organization.organization_id, display_name: `idp ${i}` }),
      ),
    );
    await Promise.all(
      created.map(({ connection }) =>
        client().sso.saml.updateConnection({
          organization_id: organization.organization_id,
          connection_id: connection!.connection_id,
          idp_entity_id: 'urn:idp',
          idp_sso_url: 'https://idp.example.com/sso',
          x509_certificate: idpCertificate,
        }),
      ),
    );
    const listed = await client().sso.getConnections({ organization_id: organization.organization_id });
    expect(listed.saml_connections).toHaveLength(6);
    const org = (await client().organizations.get({ organization_id: organization.organization_id })).organization;
    expect(org.sso_active_connections).toHaveLength(6);
    expect(created.map((c) => c.connection!.connection_id)).toContain(org.sso_default_connection_id);
  });

  test("another project's connection is not found", async () => {
    const { organization, connection } = await newOidc();
    const other = await ctx.app.newProject();
    const otherOrganization = await createOrganization(other.client);
    await expectStytchError(
      other.client.sso.deleteConnection({ organization_id: otherOrganization.organization_id, connection_id: connection.connection_id }),
      404,
      'sso_connection_not_found',
    );
    await expectStytchError(
      other.client.sso.getConnections({ organization_id: organization.organization_id }),
      404,
      'organization_not_found',
    );
    expect((await client().sso.getConnections({ organization_id: organization.organization_id })).oidc_connections).toHaveLength(1);
  });
});
