import type { Knex } from 'knex';

/**
 * A project's RBAC policy, as the project set it (Roster's PUT
 * /v1/b2b/rbac/policy): one row, written whole by one statement, so two
 * concurrent writers never leave a mix of both. A project without a row has
 * Stytch's defaults. `stytch_member` / `stytch_admin` hold the permissions
 * that replace Stytch's defaults for those roles (null: Stytch's). An
 * organization's own roles stay in `organizations.custom_roles`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rbac_policies', (t) => {
    t.uuid('project_id').primary().references('id').inTable('projects').onDelete('CASCADE');
    t.jsonb('stytch_member');
    t.jsonb('stytch_admin');
    t.jsonb('custom_resources').notNullable().defaultTo('[]');
    t.jsonb('custom_roles').notNullable().defaultTo('[]');
    t.jsonb('custom_scopes').notNullable().defaultTo('[]');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`
    ALTER TABLE rbac_policies
      ADD CONSTRAINT rbac_policies__custom_resources__check CHECK (jsonb_typeof(custom_resources) = 'array'),
      ADD CONSTRAINT rbac_policies__custom_roles__check CHECK (jsonb_typeof(custom_roles) = 'array'),
      ADD CONSTRAINT rbac_policies__custom_scopes__check CHECK (jsonb_typeof(custom_scopes) = 'array')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rbac_policies');
}
