import { badRequest } from '../errors';
import type { ScimGroupRole } from '../models/member.model';
import type { Db } from '../repositories/db';
import type { SsoSessionRole } from '../repositories/session.repository';

/** Stytch's default roles: every Member holds stytch_member; stytch_admin makes is_admin true. */
export const MEMBER_ROLE = 'stytch_member';
export const ADMIN_ROLE = 'stytch_admin';

export type RoleSourceType = 'direct_assignment' | 'email_assignment' | 'scim_connection_group' | 'sso_connection' | 'sso_connection_group';
export interface MemberRole {
  role_id: string;
  sources: { type: RoleSourceType; details: Record<string, unknown> }[];
}

/** Where the roles a project's RBAC policy adds to Stytch's defaults are read (the RBAC service). */
export interface ProjectRoles {
  roleIds(db: Db, projectId: string): Promise<string[]>;
}

/**
 * The roles an organization's members may hold: Stytch's two defaults, the
 * roles of the project's RBAC policy and the organization's own
 * (`definedRoleIds`, see OrganizationService.definedRoleIds).
 * An email rule may name any of them; an explicit assignment may not name
 * stytch_member, which every Member holds already (checkDirectRoles).
 */
export function assignableRoleIds(definedRoleIds: string[]): Set<string> {
  return new Set([ADMIN_ROLE, MEMBER_ROLE, ...definedRoleIds]);
}

/** Validates explicit role assignments and returns them deduplicated, in the order given. */
export function checkDirectRoles(roles: string[], definedRoleIds: string[]): string[] {
  const assignable = assignableRoleIds(definedRoleIds);
  for (const role of roles) {
    if (role === MEMBER_ROLE) {
      throw badRequest('cannot_assign_default_rbac_role_id', `${MEMBER_ROLE} is held by every Member implicitly and cannot be assigned.`);
    }
    if (!assignable.has(role)) {
      throw badRequest('invalid_rbac_role_id', `Role "${role}" is not defined for this organization.`);
    }
  }
  return [...new Set(roles)];
}

/** What a member's roles are derived from. */
export interface RoleHolder {
  roles: string[];
  email_normalized: string;
  scim_group_roles: ScimGroupRole[];
}

/**
 * A member's effective roles with their sources: the implicit default role,
 * explicit assignments, the organization's email-domain rules, then the
 * roles its SCIM groups grant. `ids` formats the SCIM source's ids for the wire.
 * A session's roles add those its SSO sign-in granted (`ssoRoles`, held by
 * that session only).
 */
export function effectiveRoles(
  member: RoleHolder,
  implicitAssignments: { domain: string; role_id: string }[],
  ids: { connection(id: string): string } = { connection: (id) => id },
  ssoRoles: SsoSessionRole[] = [],
): MemberRole[] {
  const byRole = new Map<string, MemberRole>();
  const add = (roleId: string, source: MemberRole['sources'][number]) => {
    const role = byRole.get(roleId) ?? { role_id: roleId, sources: [] };
    role.sources.push(source);
    byRole.set(roleId, role);
  };
  add(MEMBER_ROLE, { type: 'direct_assignment', details: {} });
  for (const roleId of member.roles) add(roleId, { type: 'direct_assignment', details: {} });
  const emailNormalized = member.email_normalized;
  const domain = emailNormalized.slice(emailNormalized.lastIndexOf('@') + 1);
  for (const rule of implicitAssignments) {
    if (rule.domain.toLowerCase() === domain) add(rule.role_id, { type: 'email_assignment', details: { email_domain: domain } });
  }
  for (const grant of member.scim_group_roles ?? []) {
    add(grant.role_id, {
      type: 'scim_connection_group',
      details: { connection_id: ids.connection(grant.connection_id), group_id: grant.group_id },
    });
  }
  for (const grant of ssoRoles) {
    const { role_id, connection_id, group } = grant;
    if (group === undefined) add(role_id, { type: 'sso_connection', details: { connection_id } });
    else add(role_id, { type: 'sso_connection_group', details: { connection_id, group } });
  }
  return [...byRole.values()];
}

/** What a session's roles are derived from: its member and organization, and what its SSO sign-in granted. */
export interface SessionRoleHolder {
  session: { sso_roles: SsoSessionRole[] };
  member: RoleHolder;
  organization: { rbac_email_implicit_role_assignments: { domain: string; role_id: string }[] };
}

/** The role ids a session carries (its JWT's `roles`, its MemberSession's, what its authorization checks count). */
export const sessionRoleIds = ({ session, member, organization }: SessionRoleHolder): string[] =>
  effectiveRoles(member, organization.rbac_email_implicit_role_assignments, undefined, session.sso_roles).map((r) => r.role_id);
