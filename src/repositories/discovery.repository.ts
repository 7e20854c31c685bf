import type { Knex } from 'knex';
import type { MemberModel } from '../models/member.model';
import type { OrganizationModel } from '../models/organization.model';
import { type Db, withDates } from './db';

/** The organizations an email address can enter, as stored: its live memberships, and those it may join by domain. */
export interface DiscoveryRows {
  /** Live members with this email, each with its live organization. */
  memberships: { member: MemberModel; organization: OrganizationModel }[];
  /** Organizations without such a member that provision just in time for the address's domain. */
  eligible: OrganizationModel[];
}

type MembershipRow = MemberModel & { organization: OrganizationModel };

/**
 * "May this domain join this organization by email?" in SQL, for an
 * organization aliased `o` and the domain as the next binding: the
 * organization restricts sign-up to its allowed domains, the domain is one of
 * them (GIN index on email_allowed_domains), and a live member already holds
 * a verified address on it (members__organization_id_email_domain__verified).
 */
const ELIGIBLE_BY_DOMAIN = `
  o.email_jit_provisioning = 'RESTRICTED'
  AND o.email_allowed_domains @> ARRAY[?::text]
  AND EXISTS (
    SELECT 1 FROM members v
     WHERE v.organization_id = o.id AND v.email_address_verified AND v.status <> 'deleted'
       AND split_part(v.email_normalized, '@', -1) = ?)`;

/**
 * The discovery statement: the address's live memberships (with their
 * organizations) and, when `domain` is given, the organizations it may join
 * by that domain. Exported so a test can EXPLAIN it.
 */
export function discoveryQuery(
  projectId: string,
  emailNormalized: string,
  domain: string | undefined,
): { sql: string; bindings: Knex.RawBinding[] } {
  const bindings: Knex.RawBinding[] = [projectId, emailNormalized];
  let sql = `WITH mine AS (
         SELECT m.*, row_to_json(o) AS organization
           FROM members m JOIN organizations o ON o.id = m.organization_id
          WHERE m.project_id = ? AND m.email_normalized = ? AND m.status <> 'deleted' AND o.deleted_at IS NULL)
       SELECT row_to_json(mine) AS member, NULL AS organization FROM mine`;
  if (domain !== undefined) {
    sql += `
       UNION ALL
       SELECT NULL, row_to_json(o) FROM organizations o
        WHERE o.project_id = ? AND o.deleted_at IS NULL AND ${ELIGIBLE_BY_DOMAIN}
          AND NOT EXISTS (SELECT 1 FROM mine WHERE mine.organization_id = o.id)`;
    bindings.push(projectId, domain, domain);
  }
  return { sql, bindings };
}

/** The set-based reads of discovery: every query is scoped by project and skips deleted members and organizations. */
export class DiscoveryRepository {
  /**
   * One statement: the address's live memberships (members__project_id_email_normalized__index)
   * and, when `domain` is given, the organizations it may join by that domain.
   */
  async discover(db: Db, projectId: string, emailNormalized: string, domain: string | undefined): Promise<DiscoveryRows> {
    const { sql, bindings } = discoveryQuery(projectId, emailNormalized, domain);
    const { rows } = await db.raw(sql, bindings);
    const found: DiscoveryRows = { memberships: [], eligible: [] };
    // row_to_json rows are plain objects with the models' columns (as session.repository reads them).
    for (const row of rows as { member: MembershipRow | null; organization: OrganizationModel | null }[]) {
      if (row.member) {
        const { organization, ...member } = row.member;
        found.memberships.push({ member: withDates(member as unknown as MemberModel), organization: withDates(organization) });
      } else if (row.organization) found.eligible.push(withDates(row.organization));
    }
    // Oldest organization first (ids are UUIDv7): the order is stable between calls.
    found.memberships.sort((a, b) => a.organization.id.localeCompare(b.organization.id));
    found.eligible.sort((a, b) => a.id.localeCompare(b.id));
    return found;
  }

  /**
   * A live organization of the project by id, with the live member holding
   * this email in it if any: one statement where an exchange would take two.
   */
  async organizationWithMember(
    db: Db,
    projectId: string,
    organizationId: string,
    emailNormalized: string,
  ): Promise<{ organization: OrganizationModel; member: MemberModel | undefined } | undefined> {
    const { rows } = await db.raw(
      `SELECT row_to_json(o) AS organization, row_to_json(m) AS member
         FROM organizations o
         LEFT JOIN members m ON m.organization_id = o.id AND m.email_normalized = ? AND m.status <> 'deleted'
        WHERE o.id = ? AND o.project_id = ? AND o.deleted_at IS NULL`,
      [emailNormalized, organizationId, projectId],
    );
    const row = rows[0] as { organization: OrganizationModel; member: MemberModel | null } | undefined;
    return row && { organization: withDates(row.organization), member: row.member ? withDates(row.member) : undefined };
  }

  /** Whether an address on `domain` may join this organization just in time (see ELIGIBLE_BY_DOMAIN). */
  async isEligibleByDomain(db: Db, organizationId: string, domain: string): Promise<boolean> {
    const { rows } = await db.raw(`SELECT 1 FROM organizations o WHERE o.id = ? AND ${ELIGIBLE_BY_DOMAIN}`, [
      organizationId,
      domain,
      domain,
    ]);
    return rows.length > 0;
  }

  /** The address an email was sent to, as written (the token keeps only its normal form). */
  async sentTo(db: Db, emailId: string): Promise<string | undefined> {
    const row = await db('emails').select('to_address').where({ id: emailId }).first();
    return row?.to_address;
  }

  /** Serializes the transactions that derive the same slug, so the second sees the first's and picks another. */
  async lockSlug(db: Db, projectId: string, slug: string): Promise<void> {
    await db.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`organization-slug:${projectId}:${slug.toLowerCase()}`]);
  }
}
