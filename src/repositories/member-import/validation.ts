import type { OrganizationModel } from '../../models/organization.model';
import type { Db } from '../db';
import { stagingTable } from './staging';

/**
 * The checks of staged rows that need the database (organizations, roles,
 * duplicates within the file), each one set-based over the whole staging
 * table; a rejected row gets its error columns set and is left out of every
 * later check.
 */
export class ImportValidationRepository {
  /** Points rows that name an organization by slug at it, where it exists. */
  async resolveSlugs(db: Db, projectId: string, jobId: string): Promise<void> {
    await db.raw(
      `UPDATE ${stagingTable(jobId)} s SET organization_id = o.id
       FROM organizations o
       WHERE s.error_type IS NULL AND s.organization_id IS NULL AND s.organization_slug IS NOT NULL
         AND o.project_id = ? AND o.deleted_at IS NULL AND lower(o.slug) = lower(s.organization_slug)`,
      [projectId],
    );
  }

  /**
   * Creates the organizations that rows still valid name by a slug no organization has.
   * A slug that has an id's shape or is another organization's external id would make
   * references ambiguous (the organizations trigger refuses it): its rows stay
   * unresolved and are reported as unknown organizations. Answers those it created
   * (as inserted: no connections yet).
   */
  async createMissingOrganizations(db: Db, projectId: string, jobId: string): Promise<OrganizationModel[]> {
    const result = await db.raw(
      `INSERT INTO organizations (id, project_id, name, slug)
       SELECT roster_uuidv7(), ?, slug, slug
       FROM (SELECT DISTINCT ON (lower(organization_slug)) organization_slug AS slug
             FROM ${stagingTable(jobId)}
             WHERE error_type IS NULL AND organization_id IS NULL AND organization_slug IS NOT NULL) wanted
       WHERE NOT roster_looks_like_organization_id(slug)
         AND NOT EXISTS (SELECT 1 FROM organizations o
                         WHERE o.project_id = ? AND o.deleted_at IS NULL AND lower(o.external_id) = lower(wanted.slug))
       ON CONFLICT DO NOTHING
       RETURNING *`,
      [projectId, projectId],
    );
    return (result as { rows: OrganizationModel[] }).rows;
  }

  /**
   * Rejects rows whose organization is not one of the project's. A dry run
   * that would create organizations lets rows with unknown slugs through.
   */
  async rejectUnknownOrganizations(db: Db, projectId: string, jobId: string, assumeSlugsCreated: boolean): Promise<void> {
    await db.raw(
      `UPDATE ${stagingTable(jobId)} s SET error_type = 'unknown_organization',
         error_column = CASE WHEN s.organization_slug IS NULL THEN 'organization_id' ELSE 'organization_slug' END,
         error_value = coalesce(s.organization_slug, s.organization_id::text),
         error_message = 'The organization does not exist in this project.'
       WHERE s.error_type IS NULL
         AND NOT EXISTS (SELECT 1 FROM organizations o
                         WHERE o.id = s.organization_id AND o.project_id = ? AND o.deleted_at IS NULL)
         AND NOT (? AND s.organization_id IS NULL AND s.organization_slug IS NOT NULL)`,
      [projectId, assumeSlugsCreated],
    );
  }

  /**
   * Duplicates within the file: the first row for an (organization, email)
   * or (organization, external id) wins, later ones are reported.
   */
  async rejectDuplicatesInFile(db: Db, jobId: string): Promise<void> {
    const table = stagingTable(jobId);
    const organizationKey = `coalesce(organization_id::text, lower(organization_slug))`;
    for (const [column, key] of [
      ['email_address', 'email_normalized'],
      ['external_id', 'external_id'],
    ] as const) {
      await db.raw(
        `UPDATE ${table} s SET error_type = 'duplicate_in_file', error_column = ?,
           error_value = ${column === 'email_address' ? 's.email' : 's.external_id'},
           error_message = 'The same ' || ? || ' appears earlier in the file, at line ' || d.first_line || '.'
         FROM (SELECT line, min(line) OVER (PARTITION BY ${organizationKey}, ${key}) AS first_line
               FROM ${table} WHERE error_type IS NULL AND ${key} IS NOT NULL) d
         WHERE s.line = d.line AND d.line > d.first_line`,
        [column, column],
      );
    }
  }

  /**
   * Rows naming roles that neither Stytch's defaults, the project's RBAC
   * policy nor their organization define (an organization still to be
   * created has no roles of its own). Rows holding only default roles never
   * reach the lookup of custom ones.
   */
  async rejectUnknownRoles(db: Db, projectId: string, jobId: string): Promise<void> {
    await db.raw(
      `UPDATE ${stagingTable(jobId)} s SET error_type = 'unknown_role', error_column = 'roles',
         error_value = array_to_string(s.roles, ';'),
         error_message = 'The roles include one that is not defined for the organization.'
       WHERE s.error_type IS NULL AND NOT s.roles <@ ARRAY['stytch_admin']
         AND NOT s.roles <@ (ARRAY['stytch_admin']
           || ARRAY(SELECT r->>'role_id' FROM rbac_policies p, jsonb_array_elements(p.custom_roles) r WHERE p.project_id = ?)
           || ARRAY(SELECT r->>'role_id' FROM organizations o, jsonb_array_elements(o.custom_roles) r WHERE o.id = s.organization_id))`,
      [projectId],
    );
  }
}
