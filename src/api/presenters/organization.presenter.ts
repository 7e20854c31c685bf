import type { OrganizationWire } from '../../contracts/organizations';
import { formatId, ProjectEnv } from '../../ids';
import type { OrganizationModel } from '../../models/organization.model';
import { timestamp } from './wire';

/** The Organization object of Stytch's B2B API; optional fields Roster has no value for are left out. */
export function presentOrganization(env: ProjectEnv, o: OrganizationModel): OrganizationWire {
  return {
    organization_id: formatId('organization', env, o.id),
    organization_name: o.name,
    organization_logo_url: o.logo_url,
    organization_slug: o.slug,
    organization_external_id: o.external_id ?? '',
    trusted_metadata: o.trusted_metadata,
    sso_jit_provisioning: o.sso_jit_provisioning,
    sso_jit_provisioning_allowed_connections: o.sso_jit_provisioning_allowed_connections,
    sso_active_connections: (o.sso_active_connections ?? []).map((c) => ({
      connection_id: formatId(c.kind === 'oidc' ? 'oidc-connection' : 'saml-connection', env, c.id),
      display_name: c.display_name,
      identity_provider: c.identity_provider,
    })),
    sso_default_connection_id: o.sso_default_connection_id ?? undefined,
    scim_active_connection: o.scim_active_connection
      ? {
          connection_id: formatId('scim-connection', env, o.scim_active_connection.id),
          display_name: o.scim_active_connection.display_name,
          bearer_token_last_four: o.scim_active_connection.bearer_token_last_four,
          bearer_token_expires_at: o.scim_active_connection.bearer_token_expires_at
            ? timestamp(o.scim_active_connection.bearer_token_expires_at)
            : undefined,
        }
      : undefined,
    email_allowed_domains: o.email_allowed_domains,
    email_jit_provisioning: o.email_jit_provisioning,
    email_invites: o.email_invites,
    auth_methods: o.auth_methods,
    allowed_auth_methods: o.allowed_auth_methods,
    mfa_policy: o.mfa_policy,
    mfa_methods: o.mfa_methods,
    allowed_mfa_methods: o.allowed_mfa_methods,
    rbac_email_implicit_role_assignments: o.rbac_email_implicit_role_assignments,
    oauth_tenant_jit_provisioning: o.oauth_tenant_jit_provisioning,
    allowed_oauth_tenants: o.allowed_oauth_tenants,
    claimed_email_domains: o.claimed_email_domains,
    first_party_connected_apps_allowed_type: o.first_party_connected_apps_allowed_type,
    allowed_first_party_connected_apps: o.allowed_first_party_connected_apps,
    third_party_connected_apps_allowed_type: o.third_party_connected_apps_allowed_type,
    allowed_third_party_connected_apps: o.allowed_third_party_connected_apps,
    custom_roles: o.custom_roles,
    created_at: timestamp(o.created_at),
    updated_at: timestamp(o.updated_at),
  };
}
