import type { Knex } from 'knex';

/**
 * Discovery offers to join an organization by email domain only when the
 * organization already has a member with a verified email on that domain (so
 * nobody can phish a colleague into a look-alike organization). This index
 * answers "is there one?" with a probe instead of a scan of the organization's
 * members. `split_part(…, '@', -1)` is the domain, as `domainOf` reads it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE INDEX members__organization_id_email_domain__verified
      ON members (organization_id, split_part(email_normalized, '@', -1))
      WHERE email_address_verified AND status <> 'deleted'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX members__organization_id_email_domain__verified');
}
