import type { ScimConnectionWire } from '../../contracts/scim-connections';
import { formatId, ProjectEnv } from '../../ids';
import type { ScimGroupRow } from '../../repositories/scim-connection.repository';
import type { ScimConnectionRecord } from '../../services/scim/scim-connection.service';
import { timestamp } from './wire';

/** Where a connection's SCIM resources live (their meta.location root): PUBLIC_URL and the SCIM mount path. */
export const scimResourceRoot = (publicUrl: string, env: ProjectEnv, connectionId: string) =>
  `${publicUrl}/v1/b2b/scim/${formatId('scim-connection', env, connectionId)}`;

/**
 * A connection's SCIM base URL: PUBLIC_URL and the path its SCIM endpoints
 * are mounted at. Entra is told to speak standard SCIM (Microsoft's
 * `aadOptscim062020` flag) rather than its legacy dialect.
 */
export function scimBaseUrl(publicUrl: string, env: ProjectEnv, connection: { id: string; identity_provider: string }): string {
  const url = scimResourceRoot(publicUrl, env, connection.id);
  return connection.identity_provider === 'microsoft-entra' ? `${url}?aadOptscim062020` : url;
}

/** Stytch's SCIMConnection; a token minted by the call is added by the route that shows it. */
export function presentScimConnection(publicUrl: string, env: ProjectEnv, record: ScimConnectionRecord): ScimConnectionWire {
  const c = record.connection;
  return {
    organization_id: formatId('organization', env, c.organization_id),
    connection_id: formatId('scim-connection', env, c.id),
    status: c.status,
    display_name: c.display_name,
    identity_provider: c.identity_provider,
    base_url: scimBaseUrl(publicUrl, env, c),
    bearer_token_last_four: c.bearer_token_last_four,
    bearer_token_expires_at: c.bearer_token_expires_at ? timestamp(c.bearer_token_expires_at) : undefined,
    next_bearer_token_last_four: c.next_bearer_token_last_four,
    next_bearer_token_expires_at: c.next_bearer_token_expires_at ? timestamp(c.next_bearer_token_expires_at) : undefined,
    scim_group_implicit_role_assignments: record.assignments.map((a) => ({
      role_id: a.role_id,
      group_id: a.group_id,
      group_name: a.group_name,
    })),
  };
}

/** Stytch's SCIMGroup. */
export function presentScimGroup(env: ProjectEnv, group: ScimGroupRow) {
  return {
    group_id: group.id,
    group_name: group.display_name,
    organization_id: formatId('organization', env, group.organization_id),
    connection_id: formatId('scim-connection', env, group.connection_id),
  };
}
