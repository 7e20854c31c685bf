import type { Knex } from 'knex';
import { OrganizationModel, OrganizationSettings } from '../models/organization.model';
import type { Filter, ParsedQuery } from './search';
import { Db, keysetPage, likeContains, Page } from './db';

export const ORGANIZATION_FILTERS = {
  organization_ids: 'strings',
  organization_slugs: 'strings',
  organization_name_fuzzy: 'string',
  organization_slug_fuzzy: 'string',
  member_emails: 'strings',
  member_email_fuzzy: 'string',
  allowed_domains: 'strings',
  allowed_domain_fuzzy: 'string',
  claimed_email_domains: 'strings',
} as const;
export type OrganizationFilterName = keyof typeof ORGANIZATION_FILTERS;

/** An organization's SCIM connection (at most one: scim_connections__organization_id__unique), as the organization object shows it. */
const SCIM_ACTIVE_CONNECTION = `(
  SELECT jsonb_build_object('id', c.id, 'display_name', c.display_name,
                            'bearer_token_last_four', c.bearer_token_last_four, 'bearer_token_expires_at', c.bearer_token_expires_at)
    FROM scim_connections c WHERE c.organization_id = organizations.id) AS scim_active_connection`;
/** The organization's active SSO connections, oldest first (one indexed subselect per row). */
const SSO_ACTIVE_CONNECTIONS = `(
  SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'kind', c.kind, 'display_name', c.display_name,
                                               'identity_provider', c.identity_provider) ORDER BY c.id), '[]')
    FROM sso_connections c WHERE c.organization_id = organizations.id AND c.status = 'active') AS sso_active_connections`;

export type NewOrganization = OrganizationSettings & { id: string; project_id: string };

/** Every query is scoped by project and sees only organizations that are not deleted. */
export class OrganizationRepository {
  private live(db: Db, projectId: string) {
    return OrganizationModel.query(db).where({ project_id: projectId }).whereNull('deleted_at');
  }

  /** Organizations as the API shows them: with their SCIM connection, read in the same query (one indexed subselect per row). */
  private shown(db: Db, projectId: string) {
    return this.live(db, projectId).select('organizations.*', db.raw(SCIM_ACTIVE_CONNECTION), db.raw(SSO_ACTIVE_CONNECTIONS));
  }

  async insert(db: Db, row: NewOrganization): Promise<OrganizationModel> {
    return OrganizationModel.query(db).insert(row).returning('*');
  }

  async findById(db: Db, projectId: string, id: string): Promise<OrganizationModel | undefined> {
    return this.shown(db, projectId).findById(id);
  }

  async findBySlug(db: Db, projectId: string, slug: string): Promise<OrganizationModel | undefined> {
    return this.shown(db, projectId).whereRaw('lower(slug) = lower(?)', [slug]).first();
  }

  async findByExternalId(db: Db, projectId: string, externalId: string): Promise<OrganizationModel | undefined> {
    return this.shown(db, projectId).where({ external_id: externalId }).first();
  }

  /** Whether a live organization of the project answers to this reference as its slug or its external id (ignoring case). */
  async isReferenceTaken(db: Db, projectId: string, reference: string): Promise<boolean> {
    const row = await this.live(db, projectId)
      .where((q) => q.whereRaw('lower(slug) = lower(?)', [reference]).orWhereRaw('lower(external_id) = lower(?)', [reference]))
      .select('id')
      .first();
    return row !== undefined;
  }

  async findByIds(db: Db, projectId: string, ids: string[]): Promise<OrganizationModel[]> {
    return this.shown(db, projectId).whereIn('id', ids);
  }

  /** Locks the row until the transaction ends, so concurrent updates apply one after the other. */
  async findByIdForUpdate(db: Db, projectId: string, id: string): Promise<OrganizationModel | undefined> {
    return this.shown(db, projectId).findById(id).forUpdate();
  }

  async update(db: Db, projectId: string, id: string, patch: Partial<OrganizationSettings>): Promise<OrganizationModel> {
    const [row] = await this.live(db, projectId)
      .where({ id })
      .patch({ ...patch, updated_at: new Date() })
      // RETURNING may hold the subselect too, so the updated organization is shown with its SCIM connection
      // (Objection types returning() as column names only; knex passes the raw expression through).
      .returning(['*', db.raw(SCIM_ACTIVE_CONNECTION), db.raw(SSO_ACTIVE_CONNECTIONS)] as unknown as string[]);
    return row as unknown as OrganizationModel;
  }

  /** The organization's SSO connections (any status), for settings that name them. */
  async ssoConnections(db: Db, organizationId: string): Promise<{ id: string; kind: 'oidc' | 'saml' }[]> {
    return db('sso_connections').where({ organization_id: organizationId }).select('id', 'kind');
  }

  async markDeleted(db: Db, projectId: string, id: string): Promise<boolean> {
    const count = await this.live(db, projectId).where({ id }).patch({ deleted_at: new Date() });
    return count > 0;
  }

  async memberCount(db: Db, organizationId: string): Promise<number> {
    const row = (await db('members')
      .where({ organization_id: organizationId })
      .whereNot({ status: 'deleted' })
      .count({ total: '*' })
      .first()) as { total: number } | undefined;
    return Number(row?.total ?? 0);
  }

  search(
    db: Db,
    projectId: string,
    query: ParsedQuery<OrganizationFilterName>,
    afterId: string | undefined,
    limit: number,
  ): Promise<Page<OrganizationModel>> {
    const filtered = this.shown(db, projectId).where((group) => {
      for (const filter of query.filters) {
        const apply = (qb: Knex.QueryBuilder) => applyFilter(qb, db, projectId, filter);
        if (query.operator === 'AND') group.where(apply);
        else group.orWhere(apply);
      }
    });
    return keysetPage<OrganizationModel>(filtered as unknown as Knex.QueryBuilder, 'organizations.id', afterId, limit);
  }

  /** Deleted organizations whose members have not been purged yet, oldest first. */
  async findDeleted(db: Db, limit: number): Promise<{ id: string }[]> {
    return db('organizations').select('id').whereNotNull('deleted_at').orderBy('deleted_at').limit(limit);
  }

  /** Deletes up to `batchSize` members of a deleted organization; returns how many went. */
  async purgeMembersBatch(db: Db, organizationId: string, batchSize: number): Promise<number> {
    return db('members')
      .whereIn('id', db('members').select('id').where({ organization_id: organizationId }).limit(batchSize))
      .delete();
  }

  async deletePurged(db: Db, organizationId: string): Promise<void> {
    await db('organizations').where({ id: organizationId }).whereNotNull('deleted_at').delete();
  }
}

function membersOfProject(db: Db, projectId: string) {
  return db('members').select('organization_id').where({ project_id: projectId }).whereNot({ status: 'deleted' });
}

function applyFilter(qb: Knex.QueryBuilder, db: Db, projectId: string, filter: Filter<OrganizationFilterName>): void {
  const strings = () => (filter.value as string[]).map((v) => v.trim().toLowerCase());
  const fuzzy = () => likeContains((filter.value as string).toLowerCase());
  switch (filter.name) {
    case 'organization_ids':
      qb.whereIn('organizations.id', filter.value as string[]);
      return;
    case 'organization_slugs':
      qb.whereRaw('lower(slug) = ANY(?::text[])', [strings()]);
      return;
    case 'organization_name_fuzzy':
      qb.whereRaw('lower(name) LIKE ?', [fuzzy()]);
      return;
    case 'organization_slug_fuzzy':
      qb.whereRaw('lower(slug) LIKE ?', [fuzzy()]);
      return;
    case 'member_emails':
      qb.whereIn('organizations.id', membersOfProject(db, projectId).whereIn('email_normalized', strings()));
      return;
    case 'member_email_fuzzy':
      qb.whereIn('organizations.id', membersOfProject(db, projectId).where('email_normalized', 'like', fuzzy()));
      return;
    case 'allowed_domains':
      qb.whereRaw('email_allowed_domains && ?::text[]', [strings()]);
      return;
    case 'allowed_domain_fuzzy':
      qb.whereRaw('roster_join_domains(email_allowed_domains) LIKE ?', [fuzzy()]);
      return;
    case 'claimed_email_domains':
      qb.whereRaw('claimed_email_domains && ?::text[]', [strings()]);
      return;
  }
}
