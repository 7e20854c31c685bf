import { Model } from 'objection';

export interface EmailImplicitRoleAssignment {
  domain: string;
  role_id: string;
}

export interface CustomRole {
  role_id: string;
  description: string;
  permissions: { resource_id: string; actions: string[] }[];
}

/** What an Organization shows of its SCIM connection (jsonb from the read's subselect: the timestamp is a string). */
/** An active SSO connection as the organization shows it. */
export interface ActiveSsoConnection {
  id: string;
  kind: 'oidc' | 'saml';
  display_name: string;
  identity_provider: string;
}

export interface ActiveScimConnection {
  id: string;
  display_name: string;
  bearer_token_last_four: string;
  bearer_token_expires_at: string | null;
}

/** The columns a caller may set; the rest are managed by Roster. */
export interface OrganizationSettings {
  name: string;
  slug: string;
  logo_url: string;
  external_id: string | null;
  trusted_metadata: Record<string, unknown>;
  email_allowed_domains: string[];
  email_jit_provisioning: string;
  email_invites: string;
  auth_methods: string;
  allowed_auth_methods: string[];
  mfa_policy: string;
  mfa_methods: string;
  allowed_mfa_methods: string[];
  sso_jit_provisioning: string;
  sso_jit_provisioning_allowed_connections: string[];
  sso_default_connection_id: string | null;
  rbac_email_implicit_role_assignments: EmailImplicitRoleAssignment[];
  oauth_tenant_jit_provisioning: string;
  allowed_oauth_tenants: Record<string, string[]>;
  claimed_email_domains: string[];
  first_party_connected_apps_allowed_type: string;
  allowed_first_party_connected_apps: string[];
  third_party_connected_apps_allowed_type: string;
  allowed_third_party_connected_apps: string[];
}

// The settings columns are declared once, in OrganizationSettings, and merged
// into the model's instance type; the class adds only what is not a setting.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging -- that merge
export interface OrganizationModel extends OrganizationSettings {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the other half of that merge
export class OrganizationModel extends Model {
  static override tableName = 'organizations';
  // text[] columns must reach pg as arrays, not JSON strings.
  static override jsonAttributes = ['trusted_metadata', 'rbac_email_implicit_role_assignments', 'allowed_oauth_tenants', 'custom_roles'];

  id!: string;
  project_id!: string;
  custom_roles!: CustomRole[];
  /** The organization's SCIM connection, when the read asked for it (OrganizationRepository's reads do). */
  scim_active_connection?: ActiveScimConnection | null;
  /** Its active SSO connections, when the read asked for them (OrganizationRepository's reads do). */
  sso_active_connections?: ActiveSsoConnection[];
  created_at!: Date;
  updated_at!: Date;
  deleted_at!: Date | null;
}
