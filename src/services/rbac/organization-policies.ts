import type { Knex } from 'knex';
import { organizationNotFound } from '../../errors';
import { formatId } from '../../ids';
import type { CustomRole } from '../../models/organization.model';
import type { RbacRepository } from '../../repositories/rbac.repository';
import type { OrganizationService } from '../organization.service';
import type { ProjectContext } from '../project-context';
import { checkOrganizationRoles, type PolicyPermission } from './policy';
import type { RbacPolicies } from './policies';

/** Stytch's OrgPolicy: the roles one organization adds to the project's policy. */
export interface OrgPolicy {
  roles: CustomRole[];
}

export interface OrgPolicyInput {
  roles: { role_id: string; description?: string; permissions: PolicyPermission[] }[];
}

/**
 * An organization's own RBAC roles (Stytch's organization policy), kept in
 * `organizations.custom_roles`, beside the project policy's: its members may
 * be given them, and the authorization checks count them.
 */
export class OrganizationPolicies {
  constructor(
    private readonly knex: Knex,
    private readonly organizations: OrganizationService,
    private readonly policies: RbacPolicies,
    private readonly rows: RbacRepository,
  ) {}

  async get(project: ProjectContext, organizationRef: string): Promise<OrgPolicy> {
    const organization = await this.organizations.get(project, organizationRef);
    return { roles: organization.custom_roles };
  }

  /**
   * Replaces the organization's roles whole, checked against the project's
   * policy as it is in the same transaction; a refused set changes nothing,
   * and of concurrent sets one wins entirely (one UPDATE of one row each).
   */
  async set(project: ProjectContext, organizationRef: string, input: OrgPolicyInput): Promise<OrgPolicy> {
    const roles: CustomRole[] = input.roles.map((r) => ({
      role_id: r.role_id,
      description: r.description ?? '',
      permissions: r.permissions.map((p) => ({ resource_id: p.resource_id, actions: [...new Set(p.actions)] })),
    }));
    await this.knex.transaction(async (trx) => {
      const organization = await this.organizations.resolve(trx, project, organizationRef);
      checkOrganizationRoles(roles, await this.policies.policy(trx, project.id));
      if (!(await this.rows.setOrganizationRoles(trx, project.id, organization.id, roles))) throw organizationNotFound();
      // The organization's custom_roles changed: an organization update, with the organization as it is now.
      const updated = await this.organizations.resolve(trx, project, formatId('organization', project.env, organization.id));
      await this.organizations.updated(trx, project, updated);
    });
    return { roles };
  }
}
