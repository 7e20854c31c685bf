import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('members', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.text('email').notNullable();
    // The email as given, trimmed; and its normal form (see normalizeEmail),
    // the key deduplication is enforced on.
    t.text('email_normalized').notNullable();
    t.text('status').notNullable().checkIn(['pending', 'invited', 'active', 'deleted'], 'members__status__check');
    t.text('name').notNullable().defaultTo('');
    t.boolean('is_breakglass').notNullable().defaultTo(false);
    t.boolean('mfa_enrolled').notNullable().defaultTo(false);
    t.text('mfa_phone_number').notNullable().defaultTo('');
    t.boolean('mfa_phone_number_verified').notNullable().defaultTo(false);
    t.text('default_mfa_method').notNullable().defaultTo('');
    t.boolean('email_address_verified').notNullable().defaultTo(false);
    t.text('external_id');
    // Explicitly assigned roles only; email-implicit roles are derived from the
    // organization at read time so that changing its rules applies at once.
    t.specificType('roles', 'text[]').notNullable().defaultTo('{}');
    t.jsonb('trusted_metadata').notNullable().defaultTo('{}');
    t.jsonb('untrusted_metadata').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // One live Member per (organization, email). A deleted Member releases its
  // email (Stytch lets a new Member take it; reactivating the old one then fails).
  await knex.raw(`
    CREATE UNIQUE INDEX members__organization_id_email_normalized__unique
      ON members (organization_id, email_normalized) WHERE status <> 'deleted'`);
  await knex.raw(`
    CREATE UNIQUE INDEX members__organization_id_external_id__unique
      ON members (organization_id, external_id) WHERE external_id IS NOT NULL AND status <> 'deleted'`);
  await knex.raw('CREATE INDEX members__organization_id_id__index ON members (organization_id, id)');
  await knex.raw('CREATE INDEX members__project_id_email_normalized__index ON members (project_id, email_normalized)');
  await knex.raw('CREATE INDEX members__email_normalized__trgm ON members USING gin (email_normalized gin_trgm_ops)');

  await knex.schema.createTable('member_retired_emails', (t) => {
    t.uuid('id').primary();
    t.uuid('member_id').notNullable().references('id').inTable('members').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.text('email').notNullable();
    t.text('email_normalized').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`
    CREATE UNIQUE INDEX member_retired_emails__organization_id_email_normalized__unique
      ON member_retired_emails (organization_id, email_normalized)`);
  await knex.raw('CREATE INDEX member_retired_emails__member_id__index ON member_retired_emails (member_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('member_retired_emails');
  await knex.schema.dropTable('members');
}
