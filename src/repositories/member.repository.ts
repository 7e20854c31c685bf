import type { Knex } from 'knex';
import { MemberModel, MemberRetiredEmailModel } from '../models/member.model';
import type { Filter, ParsedQuery } from './search';
import { Db, keysetPage, likeContains, Page } from './db';
import { normalizeEmail } from '../email-rules';

export const MEMBER_FILTERS = {
  member_ids: 'strings',
  member_emails: 'strings',
  member_email_fuzzy: 'string',
  member_is_breakglass: 'boolean',
  statuses: 'strings',
  member_roles: 'strings',
  member_phone_numbers: 'strings',
  member_phone_number_fuzzy: 'string',
} as const;
export type MemberFilterName = keyof typeof MEMBER_FILTERS;

export type NewMember = Pick<
  MemberModel,
  | 'id'
  | 'project_id'
  | 'organization_id'
  | 'email'
  | 'email_normalized'
  | 'status'
  | 'name'
  | 'is_breakglass'
  | 'mfa_enrolled'
  | 'mfa_phone_number'
  | 'external_id'
  | 'roles'
  | 'trusted_metadata'
  | 'untrusted_metadata'
>;

export type MemberPatch = Partial<
  Pick<
    MemberModel,
    | 'email'
    | 'email_normalized'
    | 'status'
    | 'name'
    | 'is_breakglass'
    | 'mfa_enrolled'
    | 'mfa_phone_number'
    | 'mfa_phone_number_verified'
    | 'default_mfa_method'
    | 'email_address_verified'
    | 'external_id'
    | 'roles'
    | 'trusted_metadata'
    | 'untrusted_metadata'
  >
>;

/**
 * Members are always read through their organization (callers resolve and
 * authorize the organization first), except `findInProject`, which joins the
 * organization to keep the project scope and hide deleted organizations.
 */
export class MemberRepository {
  async insert(db: Db, row: NewMember): Promise<MemberModel> {
    return MemberModel.query(db).insert(row).returning('*');
  }

  /** `forUpdate` locks the row until the transaction ends, for read-modify-write updates. */
  async findById(db: Db, organizationId: string, id: string, forUpdate = false): Promise<MemberModel | undefined> {
    const query = MemberModel.query(db).where({ organization_id: organizationId, id }).first();
    return forUpdate ? query.forUpdate() : query;
  }

  /** These members of the organization (deleted ones too), in one query. */
  async findByIds(db: Db, organizationId: string, ids: string[]): Promise<MemberModel[]> {
    if (ids.length === 0) return [];
    return MemberModel.query(db).where({ organization_id: organizationId }).whereIn('id', ids);
  }

  /** The live member with this external id (a deleted one may share it). */
  async findByExternalId(db: Db, organizationId: string, externalId: string, forUpdate = false): Promise<MemberModel | undefined> {
    const query = MemberModel.query(db)
      .where({ organization_id: organizationId, external_id: externalId })
      .whereNot({ status: 'deleted' })
      .first();
    return forUpdate ? query.forUpdate() : query;
  }

  async findByEmail(db: Db, organizationId: string, emailNormalized: string): Promise<MemberModel | undefined> {
    return MemberModel.query(db)
      .where({ organization_id: organizationId, email_normalized: emailNormalized })
      .whereNot({ status: 'deleted' })
      .first();
  }

  /** The live members among these emails, locked for the rest of the transaction. */
  async lockLiveByEmails(db: Db, organizationId: string, emailsNormalized: string[]): Promise<MemberModel[]> {
    return MemberModel.query(db)
      .where({ organization_id: organizationId })
      .whereIn('email_normalized', emailsNormalized)
      .whereNot({ status: 'deleted' })
      .orderBy('id')
      .forUpdate();
  }

  /** Inserts members in one statement; an email a concurrent writer took meanwhile is skipped, not an error. */
  async insertMany(db: Db, rows: NewMember[]): Promise<MemberModel[]> {
    if (rows.length === 0) return [];
    return db('members')
      .insert(
        rows.map((r) => ({
          ...r,
          trusted_metadata: JSON.stringify(r.trusted_metadata),
          untrusted_metadata: JSON.stringify(r.untrusted_metadata),
        })),
      )
      .onConflict(db.raw("(organization_id, email_normalized) WHERE status <> 'deleted'"))
      .ignore()
      .returning('*');
  }

  /** Which of these emails a member of the organization has retired. */
  async retiredAmong(db: Db, organizationId: string, emailsNormalized: string[]): Promise<Set<string>> {
    const rows = await db('member_retired_emails')
      .select('email_normalized')
      .where({ organization_id: organizationId })
      .whereIn('email_normalized', emailsNormalized);
    return new Set(rows.map((r: { email_normalized: string }) => r.email_normalized));
  }

  async findInProject(db: Db, projectId: string, id: string): Promise<MemberModel | undefined> {
    return MemberModel.query(db)
      .select('members.*')
      .join('organizations', 'organizations.id', 'members.organization_id')
      .where({ 'members.id': id, 'members.project_id': projectId })
      .whereNull('organizations.deleted_at')
      .first();
  }

  async update(db: Db, organizationId: string, id: string, patch: MemberPatch): Promise<MemberModel> {
    const [row] = await MemberModel.query(db)
      .where({ organization_id: organizationId, id })
      .patch({ ...patch, updated_at: new Date() })
      .returning('*');
    return row as unknown as MemberModel;
  }

  /** Live members of the organization among `ids`, locked (in id order, so concurrent lockers cannot deadlock). */
  async lockLive(db: Db, organizationId: string, ids: string[]): Promise<MemberModel[]> {
    return MemberModel.query(db)
      .where({ organization_id: organizationId })
      .whereIn('id', ids)
      .whereNot({ status: 'deleted' })
      .orderBy('id')
      .forUpdate();
  }

  /** The member a merged-away member id now stands for. */
  async findAliased(db: Db, organizationId: string | undefined, aliasId: string, forUpdate = false): Promise<MemberModel | undefined> {
    const query = MemberModel.query(db)
      .select('members.*')
      .join('member_aliases as a', 'a.member_id', 'members.id')
      .where('a.alias_id', aliasId)
      .first();
    if (organizationId) query.where('a.organization_id', organizationId);
    return forUpdate ? query.forUpdate() : query;
  }

  async retiredEmails(db: Db, memberIds: string[]): Promise<MemberRetiredEmailModel[]> {
    if (memberIds.length === 0) return [];
    return MemberRetiredEmailModel.query(db).whereIn('member_id', memberIds).orderBy('created_at');
  }

  async findRetiredEmail(db: Db, organizationId: string, emailNormalized: string): Promise<MemberRetiredEmailModel | undefined> {
    return MemberRetiredEmailModel.query(db).where({ organization_id: organizationId, email_normalized: emailNormalized }).first();
  }

  async retireEmail(
    db: Db,
    row: Pick<MemberRetiredEmailModel, 'id' | 'member_id' | 'organization_id' | 'email' | 'email_normalized'>,
  ): Promise<void> {
    await MemberRetiredEmailModel.query(db).insert(row);
  }

  async deleteRetiredEmails(db: Db, memberId: string, emailNormalized?: string): Promise<void> {
    const query = MemberRetiredEmailModel.query(db).where({ member_id: memberId });
    if (emailNormalized !== undefined) query.where({ email_normalized: emailNormalized });
    await query.delete();
  }

  /** Serializes writers that claim one email in one organization (live and retired emails share that space). */
  async lockEmail(db: Db, organizationId: string, emailNormalized: string): Promise<void> {
    await db.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`${organizationId}:${emailNormalized}`]);
  }

  search(
    db: Db,
    organizationIds: string[],
    query: ParsedQuery<MemberFilterName>,
    afterId: string | undefined,
    limit: number,
  ): Promise<Page<MemberModel>> {
    const filtered = MemberModel.query(db)
      .whereIn('members.organization_id', organizationIds)
      .where((group) => {
        for (const filter of query.filters) {
          const apply = (qb: Knex.QueryBuilder) => applyFilter(qb, filter);
          if (query.operator === 'AND') group.where(apply);
          else group.orWhere(apply);
        }
      });
    // Deleted members are found only when the query asks for them by status.
    if (!query.filters.some((f) => f.name === 'statuses')) filtered.whereNot('members.status', 'deleted');
    return keysetPage<MemberModel>(filtered as unknown as Knex.QueryBuilder, 'members.id', afterId, limit);
  }
}

function applyFilter(qb: Knex.QueryBuilder, filter: Filter<MemberFilterName>): void {
  const strings = () => (filter.value as string[]).map((v) => v.trim().toLowerCase());
  switch (filter.name) {
    case 'member_ids':
      qb.whereIn('members.id', filter.value as string[]);
      return;
    // Email filters compare against the stored key, through the same normalizer (NFKC, lowercase).
    case 'member_emails':
      qb.whereIn('members.email_normalized', (filter.value as string[]).map(normalizeEmail));
      return;
    case 'member_email_fuzzy':
      qb.where('members.email_normalized', 'like', likeContains(normalizeEmail(filter.value as string)));
      return;
    case 'member_is_breakglass':
      qb.where('members.is_breakglass', filter.value as boolean);
      return;
    case 'statuses':
      qb.whereIn('members.status', strings());
      return;
    case 'member_phone_numbers':
      qb.whereIn(
        'members.mfa_phone_number',
        (filter.value as string[]).map((v) => v.trim()),
      );
      return;
    case 'member_phone_number_fuzzy':
      qb.where('members.mfa_phone_number', 'like', likeContains(filter.value as string));
      return;
    case 'member_roles': {
      const roles = (filter.value as string[]).map((v) => v.trim());
      // Every member holds stytch_member; email-implicit roles come from the
      // organization's rules matched against the member's email domain.
      if (roles.includes('stytch_member')) {
        // An explicit always-true clause: an empty group would vanish from an OR.
        qb.whereRaw('true');
        return;
      }
      qb.where((any) =>
        any.whereRaw('members.roles && ?::text[]', [roles]).orWhereExists(function implicitRole(this: Knex.QueryBuilder) {
          this.select('o.id')
            .from('organizations as o')
            .joinRaw('CROSS JOIN LATERAL jsonb_array_elements(o.rbac_email_implicit_role_assignments) AS a')
            .whereRaw('o.id = members.organization_id')
            .whereRaw("a->>'role_id' = ANY(?::text[])", [roles])
            .whereRaw("lower(a->>'domain') = split_part(members.email_normalized, '@', 2)");
        }),
      );
      return;
    }
  }
}
