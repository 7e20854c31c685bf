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

export class SsoConnectionRepository {
  /** A connection of a project by its bare id, for the start URL and the IdP callbacks. */
  async findForSignIn(db: Db, projectId: string, connectionId: string): Promise<SsoConnectionWithProject | undefined> {
    return db('sso_connections as c')
      .join('projects as p', 'p.id', 'c.project_id')
      .select('c.*', 'p.env as project_env')
      .where({ 'c.project_id': projectId, 'c.id': connectionId })
      .first();
  }

  async certificates(db: Db, connectionId: string, purpose: SsoCertificateRow['purpose']): Promise<SsoCertificateRow[]> {
    return db('sso_certificates').where({ connection_id: connectionId, purpose }).orderBy('created_at');
  }
}
