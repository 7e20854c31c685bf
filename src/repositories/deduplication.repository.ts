import type { EmailVariantRule } from '../jobs';
import type { Db } from './db';

/** Declared with the scan job's params, which carry the rules. */
export type { EmailVariantRule };

export interface DuplicateGroup {
  reason: 'email_variant' | 'external_id';
  key: string;
  member_ids: string[];
  emails: string[];
}

/** SQL of deduplication: rules, scans and merges. */
export class DeduplicationRepository {
  async rules(db: Db, projectId: string): Promise<EmailVariantRule[]> {
    const row = await db('projects').select('deduplication_rules').where({ id: projectId }).first();
    return (row?.deduplication_rules ?? []) as EmailVariantRule[];
  }

  async setRules(db: Db, projectId: string, rules: EmailVariantRule[]): Promise<void> {
    await db('projects')
      .where({ id: projectId })
      .update({ deduplication_rules: JSON.stringify(rules), updated_at: db.fn.now() });
  }

  /**
   * Live members of an organization that collide once emails are put in
   * canonical form under the rules, or whose external ids differ only in case.
   * Groups are ordered by key; members in a group by creation.
   */
  async scan(db: Db, organizationId: string, rules: EmailVariantRule[], limit: number): Promise<DuplicateGroup[]> {
    const whens: string[] = [];
    const bindings: (string | string[] | number)[] = [];
    for (const rule of rules) {
      let local = "split_part(email_normalized, '@', 1)";
      if (rule.ignore_plus_tags) local = `split_part(${local}, '+', 1)`;
      if (rule.ignore_dots) local = `replace(${local}, '.', '')`;
      whens.push(`WHEN split_part(email_normalized, '@', 2) = ANY(?::text[]) THEN ${local} || '@' || ?`);
      bindings.push(rule.domains, rule.domains[0]);
    }
    const canonical = whens.length ? `CASE ${whens.join(' ')} ELSE email_normalized END` : 'email_normalized';
    const { rows } = await db.raw(
      `SELECT reason, key, array_agg(id ORDER BY created_at, id) AS member_ids, array_agg(email ORDER BY created_at, id) AS emails
       FROM (
         SELECT 'email_variant' AS reason, ${canonical} AS key, id, email, created_at
         FROM members WHERE organization_id = ? AND status <> 'deleted'
         UNION ALL
         SELECT 'external_id', lower(external_id), id, email, created_at
         FROM members WHERE organization_id = ? AND status <> 'deleted' AND external_id IS NOT NULL
       ) candidates
       GROUP BY reason, key HAVING count(*) > 1
       ORDER BY reason, key
       LIMIT ?`,
      [...bindings, organizationId, organizationId, limit],
    );
    return rows as DuplicateGroup[];
  }

  /**
   * Folds the duplicates into the primary: their emails (and retired emails)
   * become the primary's retired emails, their ids (and the ids already
   * aliased to them) become aliases of the primary, and their rows go.
   */
  async foldInto(
    db: Db,
    organizationId: string,
    primaryId: string,
    duplicates: { id: string; email: string; email_normalized: string }[],
  ): Promise<void> {
    const duplicateIds = duplicates.map((d) => d.id);
    await db('member_retired_emails').whereIn('member_id', duplicateIds).update({ member_id: primaryId });
    await db('member_aliases').whereIn('member_id', duplicateIds).update({ member_id: primaryId });
    await db('member_aliases').insert(duplicateIds.map((id) => ({ alias_id: id, member_id: primaryId, organization_id: organizationId })));
    await db('members').whereIn('id', duplicateIds).where({ organization_id: organizationId }).delete();
    await db('member_retired_emails')
      .insert(
        duplicates.map((d) => ({
          id: db.raw('roster_uuidv7()'),
          member_id: primaryId,
          organization_id: organizationId,
          email: d.email,
          email_normalized: d.email_normalized,
        })),
      )
      .onConflict(['organization_id', 'email_normalized'])
      .ignore();
  }
}
