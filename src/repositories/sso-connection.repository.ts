import type { ProjectEnv } from '../ids';
import type { Db } from './db';

/** An OIDC connection's settings (sso_connections.oidc). */
export interface OidcSettings {
  client_id: string;
  /** Readable on purpose: Roster presents it to the IdP's token endpoint. */
  client_secret: string;
  issuer: string;
  authorization_url: string;
  token_url: string;
  userinfo_url: string;
  jwks_url: string;
  custom_scopes: string;
}

/** A SAML connection's settings (sso_connections.saml); certificates are rows of sso_certificates. */
export interface SamlSettings {
  idp_entity_id: string;
  idp_sso_url: string;
  /** Where updateByURL read the IdP's metadata (the scheduled refresh reads it again). */
  idp_metadata_url: string;
  nameid_format: string;
  alternative_audience_uri: string;
  alternative_acs_url: string;
  idp_initiated_auth_disabled: boolean;
}

export interface SsoConnectionRow {
  id: string;
  project_id: string;
  organization_id: string;
  kind: 'oidc' | 'saml';
  display_name: string;
  status: string;
  identity_provider: string;
  attribute_mapping: Record<string, string>;
  oidc: OidcSettings | null;
  saml: SamlSettings | null;
  /** [{ role_id }]: held by every member in sessions started through this connection. */
  connection_role_assignments: { role_id: string }[];
  /** [{ group, role_id }]: held in those sessions by members the IdP puts in `group`. */
  group_role_assignments: { group: string; role_id: string }[];
  created_at: Date;
  updated_at: Date;
}

export interface SsoCertificateRow {
  id: string;
  connection_id: string;
  purpose: 'verification' | 'signing' | 'encryption';
  certificate: string;
  private_key: string | null;
  issuer: string;
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A connection as a sign-in meets it (no project credentials there): with its project's env, for public ids. */
export interface SsoConnectionWithProject extends SsoConnectionRow {
  project_env: ProjectEnv;
}

/** The columns a connection's management may change. */
export type SsoConnectionPatch = Partial<
  Pick<
    SsoConnectionRow,
    | 'display_name'
    | 'status'
    | 'identity_provider'
    | 'attribute_mapping'
    | 'oidc'
    | 'saml'
    | 'connection_role_assignments'
    | 'group_role_assignments'
  >
>;

export type NewSsoConnection = Pick<
  SsoConnectionRow,
  'id' | 'project_id' | 'organization_id' | 'kind' | 'display_name' | 'identity_provider'
> &
  Pick<SsoConnectionPatch, 'oidc' | 'saml'>;

export type NewSsoCertificate = Pick<SsoCertificateRow, 'id' | 'connection_id' | 'purpose' | 'certificate' | 'issuer' | 'expires_at'> &
  Partial<Pick<SsoCertificateRow, 'private_key'>>;

/** jsonb columns are written as JSON text (knex would send arrays as Postgres arrays). */
function jsonColumns<T extends Record<string, unknown>>(row: T): T {
  const out: Record<string, unknown> = { ...row };
  for (const key of ['attribute_mapping', 'oidc', 'saml', 'connection_role_assignments', 'group_role_assignments']) {
    if (out[key] !== undefined && out[key] !== null) out[key] = JSON.stringify(out[key]);
  }
  return out as T;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class SsoConnectionRepository {
  /** A connection of a project by its bare id, for the start URL and the IdP callbacks. */
  async findForSignIn(db: Db, projectId: string, connectionId: string): Promise<SsoConnectionWithProject | undefined> {
    return db('sso_connections as c')
      .join('projects as p', 'p.id', 'c.project_id')
      .select('c.*', 'p.env as project_env')
      .where({ 'c.project_id': projectId, 'c.id': connectionId })
      .first();
  }

  /** A project's env (for public ids), or undefined when there is no such project. */
  async projectEnv(db: Db, projectId: string): Promise<ProjectEnv | undefined> {
    const row = await db('projects').where({ id: projectId }).first('env');
    return row?.env;
  }

  /** An organization's default SSO connection (its public id), when it has one. */
  async defaultConnectionOf(db: Db, projectId: string, organizationId: string): Promise<string | null | undefined> {
    if (!UUID.test(organizationId)) return undefined;
    const row = await db('organizations')
      .where({ project_id: projectId, id: organizationId })
      .whereNull('deleted_at')
      .first('sso_default_connection_id');
    return row?.sso_default_connection_id;
  }

  async certificates(db: Db, connectionId: string, purpose: SsoCertificateRow['purpose']): Promise<SsoCertificateRow[]> {
    return db('sso_certificates').where({ connection_id: connectionId, purpose }).orderBy('created_at');
  }

  async listByOrganization(db: Db, projectId: string, organizationId: string): Promise<SsoConnectionRow[]> {
    return db('sso_connections').where({ project_id: projectId, organization_id: organizationId }).orderBy('id');
  }

  /** The certificates of these connections (every purpose), oldest first. */
  async certificatesOf(db: Db, connectionIds: string[]): Promise<SsoCertificateRow[]> {
    if (connectionIds.length === 0) return [];
    return db('sso_certificates').whereIn('connection_id', connectionIds).orderBy(['created_at', 'id']);
  }

  async insert(db: Db, row: NewSsoConnection): Promise<SsoConnectionRow> {
    const [inserted] = await db('sso_connections').insert(jsonColumns(row)).returning('*');
    return inserted;
  }

  async findForUpdate(db: Db, projectId: string, organizationId: string, id: string): Promise<SsoConnectionRow | undefined> {
    return db('sso_connections').where({ project_id: projectId, organization_id: organizationId, id }).forUpdate().first();
  }

  async update(db: Db, id: string, patch: SsoConnectionPatch): Promise<SsoConnectionRow> {
    const [updated] = await db('sso_connections')
      .where({ id })
      .update({ ...jsonColumns(patch), updated_at: db.fn.now() })
      .returning('*');
    return updated;
  }

  async delete(db: Db, id: string): Promise<void> {
    await db('sso_connections').where({ id }).delete();
  }

  async insertCertificates(db: Db, rows: NewSsoCertificate[]): Promise<void> {
    if (rows.length > 0) await db('sso_certificates').insert(rows);
  }

  /** Deletes one certificate of a connection; false when the connection has no such certificate. */
  async deleteCertificate(db: Db, connectionId: string, purpose: SsoCertificateRow['purpose'], id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    return (await db('sso_certificates').where({ connection_id: connectionId, purpose, id }).delete()) > 0;
  }

  async deleteCertificates(db: Db, connectionId: string, purpose: SsoCertificateRow['purpose']): Promise<void> {
    await db('sso_certificates').where({ connection_id: connectionId, purpose }).delete();
  }

  /**
   * Locks the organization's row: writes to its connections take turns, so
   * that its default connection and JIT list follow them one change at a time.
   */
  async lockOrganization(
    db: Db,
    projectId: string,
    organizationId: string,
  ): Promise<{ sso_default_connection_id: string | null; sso_jit_provisioning_allowed_connections: string[] }> {
    return db('organizations')
      .where({ project_id: projectId, id: organizationId })
      .forUpdate()
      .first('sso_default_connection_id', 'sso_jit_provisioning_allowed_connections');
  }

  async updateOrganizationSso(
    db: Db,
    organizationId: string,
    patch: { sso_default_connection_id: string | null; sso_jit_provisioning_allowed_connections: string[] },
  ): Promise<void> {
    await db('organizations').where({ id: organizationId }).update(patch);
  }

  /** SAML connections whose settings came from a metadata URL (the scheduled refresh), a page after `afterId`. */
  async metadataConnections(db: Db, afterId: string | undefined, limit: number): Promise<SsoConnectionWithProject[]> {
    return db('sso_connections as c')
      .join('projects as p', 'p.id', 'c.project_id')
      .select('c.*', 'p.env as project_env')
      .where('c.kind', 'saml')
      .whereRaw("coalesce(c.saml->>'idp_metadata_url', '') <> ''")
      .modify((q) => afterId && q.where('c.id', '>', afterId))
      .orderBy('c.id')
      .limit(limit);
  }
}
