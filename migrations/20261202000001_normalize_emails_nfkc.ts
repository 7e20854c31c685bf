import type { Knex } from 'knex';

/**
 * Email keys become NFKC (see normalizeEmail): a fullwidth `ＡＤＡ@acme.com`
 * is `ada@acme.com`. Stored keys that NFKC changes are recomputed; the same
 * expression is applied to every table holding a key, so a magic link still
 * matches its member's key afterwards. Keys that are already NFKC (every
 * ASCII address) are untouched and equal what the new code computes.
 *
 * Two live members of an organization may collide once recomputed (that is
 * the duplicate this fixes for new writes): the unique index allows one key,
 * so only the oldest row of a colliding group takes the new key when no
 * member holds it yet; the others keep theirs and stay separate members,
 * to be merged or deleted by their owners.
 */
const NEW_KEY = (column: string) => `lower(normalize(${column}, NFKC))`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    WITH changed AS (
      SELECT id, organization_id, status, ${NEW_KEY('email_normalized')} AS key,
             row_number() OVER (PARTITION BY organization_id, ${NEW_KEY('email_normalized')}, status = 'deleted' ORDER BY id) AS rank
      FROM members
      WHERE email_normalized IS NOT NFKC NORMALIZED
    )
    UPDATE members m SET email_normalized = c.key
    FROM changed c
    WHERE m.id = c.id
      AND (c.status = 'deleted' OR (c.rank = 1 AND NOT EXISTS (
        SELECT 1 FROM members live
        WHERE live.organization_id = c.organization_id AND live.email_normalized = c.key AND live.status <> 'deleted')))`);

  await knex.raw(`
    WITH changed AS (
      SELECT id, organization_id, ${NEW_KEY('email_normalized')} AS key,
             row_number() OVER (PARTITION BY organization_id, ${NEW_KEY('email_normalized')} ORDER BY id) AS rank
      FROM member_retired_emails
      WHERE email_normalized IS NOT NFKC NORMALIZED
    )
    UPDATE member_retired_emails r SET email_normalized = c.key
    FROM changed c
    WHERE r.id = c.id AND c.rank = 1 AND NOT EXISTS (
      SELECT 1 FROM member_retired_emails other WHERE other.organization_id = c.organization_id AND other.email_normalized = c.key)`);

  // No unique index on these: every key changes.
  await knex.raw(
    `UPDATE magic_link_tokens SET email_normalized = ${NEW_KEY('email_normalized')} WHERE email_normalized IS NOT NFKC NORMALIZED`,
  );
  await knex.raw(`UPDATE emails SET to_normalized = ${NEW_KEY('to_normalized')} WHERE to_normalized IS NOT NFKC NORMALIZED`);
}

/**
 * Nothing structural to undo, and the keys cannot be told apart from ones
 * written in NFKC form to begin with: they stay, and still find the member by
 * the NFKC spelling of the address.
 */
export async function down(): Promise<void> {}
