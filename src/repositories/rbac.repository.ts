import type { CustomRole } from '../models/organization.model';
import type { Db } from './db';

/** A project's RBAC policy as it set it (see migrations/20261220000400_create_rbac_policies). */
export interface RbacPolicyRow {
  project_id: string;
  stytch_member: { resource_id: string; actions: string[] }[] | null;
  stytch_admin: { resource_id: string; actions: string[] }[] | null;
  custom_resources: { resource_id: string; description: string; actions: string[] }[];
  custom_roles: CustomRole[];
  custom_scopes: { scope: string; description: string; permissions: { resource_id: string; actions: string[] }[] }[];
  updated_at: Date;
}

export type RbacPolicyDocument = Omit<RbacPolicyRow, 'project_id' | 'updated_at'>;

const json = (value: unknown) => (value === null ? null : JSON.stringify(value));

/** Project RBAC policies and the organizations' own roles; every statement is scoped by project. */
export class RbacRepository {
  async find(db: Db, projectId: string): Promise<RbacPolicyRow | undefined> {
    return db('rbac_policies').where({ project_id: projectId }).first();
  }

  /** Replaces the project's policy whole, in one statement: of two concurrent writers, one wins entirely. */
  async put(db: Db, projectId: string, doc: RbacPolicyDocument): Promise<void> {
    await db.raw(
      `INSERT INTO rbac_policies (project_id, stytch_member, stytch_admin, custom_resources, custom_roles, custom_scopes, updated_at)
       VALUES (?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, now())
       ON CONFLICT (project_id) DO UPDATE SET
         stytch_member = excluded.stytch_member, stytch_admin = excluded.stytch_admin,
         custom_resources = excluded.custom_resources, custom_roles = excluded.custom_roles,
         custom_scopes = excluded.custom_scopes, updated_at = excluded.updated_at`,
      [
        projectId,
        json(doc.stytch_member),
        json(doc.stytch_admin),
        json(doc.custom_resources),
        json(doc.custom_roles),
        json(doc.custom_scopes),
      ],
    );
  }

  /** The ids of the roles the project's policy adds to Stytch's defaults. */
  async customRoleIds(db: Db, projectId: string): Promise<string[]> {
    const { rows } = await db.raw<{ rows: { role_id: string }[] }>(
      `SELECT r->>'role_id' AS role_id FROM rbac_policies p, jsonb_array_elements(p.custom_roles) r WHERE p.project_id = ?`,
      [projectId],
    );
    return rows.map((r) => r.role_id);
  }

  /** Replaces an organization's own roles whole; false when the organization is gone. */
  async setOrganizationRoles(db: Db, projectId: string, organizationId: string, roles: CustomRole[]): Promise<boolean> {
    const updated = await db('organizations')
      .where({ project_id: projectId, id: organizationId })
      .whereNull('deleted_at')
      .update({ custom_roles: JSON.stringify(roles), updated_at: db.fn.now() });
    return updated > 0;
  }
}
