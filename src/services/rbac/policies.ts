import type { Knex } from 'knex';
import type { Db } from '../../repositories/db';
import type { RbacRepository } from '../../repositories/rbac.repository';
import type { ProjectContext } from '../project-context';
import type { ProjectRoles } from '../roles';
import {
  checkProjectPolicy,
  EMPTY_POLICY_DOCUMENT,
  effectivePolicy,
  type Policy,
  type PolicyPermission,
  type PolicyResource,
  type PolicyRole,
  type PolicyScope,
  type ProjectPolicyDocument,
} from './policy';

/** What Roster's `PUT /v1/b2b/rbac/policy` takes (see ProjectPolicyDocument); what it leaves out is reset. */
export interface PolicyInput {
  stytch_member?: { permissions: PolicyPermission[] };
  stytch_admin?: { permissions: PolicyPermission[] };
  custom_resources?: { resource_id: string; description?: string; actions: string[] }[];
  custom_roles?: { role_id: string; description?: string; permissions: PolicyPermission[] }[];
  custom_scopes?: { scope: string; description?: string; permissions: PolicyPermission[] }[];
}

const permissionsOf = (permissions: PolicyPermission[]): PolicyPermission[] =>
  permissions.map((p) => ({ resource_id: p.resource_id, actions: [...new Set(p.actions)] }));

function documentOf(input: PolicyInput): ProjectPolicyDocument {
  return {
    stytch_member: input.stytch_member ? permissionsOf(input.stytch_member.permissions) : null,
    stytch_admin: input.stytch_admin ? permissionsOf(input.stytch_admin.permissions) : null,
    custom_resources: (input.custom_resources ?? []).map((r): PolicyResource => ({
      resource_id: r.resource_id,
      description: r.description ?? '',
      actions: r.actions,
    })),
    custom_roles: (input.custom_roles ?? []).map((r): PolicyRole => ({
      role_id: r.role_id,
      description: r.description ?? '',
      permissions: permissionsOf(r.permissions),
    })),
    custom_scopes: (input.custom_scopes ?? []).map((s): PolicyScope => ({
      scope: s.scope,
      description: s.description ?? '',
      permissions: permissionsOf(s.permissions),
    })),
  };
}

/** The project's RBAC policy: Stytch's defaults until the project sets its own. */
export class RbacPolicies implements ProjectRoles {
  constructor(
    private readonly knex: Knex,
    private readonly rows: RbacRepository,
  ) {}

  /** The policy in force, read on `db` (a caller's transaction, or the pool). */
  async policy(db: Db, projectId: string): Promise<Policy> {
    const row = await this.rows.find(db, projectId);
    return effectivePolicy(row ?? EMPTY_POLICY_DOCUMENT);
  }

  get(project: ProjectContext): Promise<Policy> {
    return this.policy(this.knex, project.id);
  }

  /** Validates the whole policy, then replaces the stored one in one statement (nothing is written when it is refused). */
  async put(project: ProjectContext, input: PolicyInput): Promise<Policy> {
    const doc = documentOf(input);
    checkProjectPolicy(doc);
    await this.rows.put(this.knex, project.id, doc);
    return effectivePolicy(doc);
  }

  roleIds(db: Db, projectId: string): Promise<string[]> {
    return this.rows.customRoleIds(db, projectId);
  }
}
