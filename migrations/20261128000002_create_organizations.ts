import type { Knex } from 'knex';

const ENUMS: Record<string, string[]> = {
  email_jit_provisioning: ['RESTRICTED', 'NOT_ALLOWED'],
  email_invites: ['ALL_ALLOWED', 'RESTRICTED', 'NOT_ALLOWED'],
  auth_methods: ['ALL_ALLOWED', 'RESTRICTED'],
  mfa_policy: ['REQUIRED_FOR_ALL', 'OPTIONAL'],
  mfa_methods: ['ALL_ALLOWED', 'RESTRICTED'],
  sso_jit_provisioning: ['ALL_ALLOWED', 'RESTRICTED', 'NOT_ALLOWED'],
  oauth_tenant_jit_provisioning: ['RESTRICTED', 'NOT_ALLOWED'],
  first_party_connected_apps_allowed_type: ['ALL_ALLOWED', 'RESTRICTED', 'NOT_ALLOWED'],
  third_party_connected_apps_allowed_type: ['ALL_ALLOWED', 'RESTRICTED', 'NOT_ALLOWED'],
};

const DEFAULTS: Record<string, string> = {
  email_jit_provisioning: 'NOT_ALLOWED',
  email_invites: 'ALL_ALLOWED',
  auth_methods: 'ALL_ALLOWED',
  mfa_policy: 'OPTIONAL',
  mfa_methods: 'ALL_ALLOWED',
  sso_jit_provisioning: 'ALL_ALLOWED',
  oauth_tenant_jit_provisioning: 'NOT_ALLOWED',
  first_party_connected_apps_allowed_type: 'ALL_ALLOWED',
  third_party_connected_apps_allowed_type: 'ALL_ALLOWED',
};

const TEXT_ARRAYS = [
  'email_allowed_domains',
  'allowed_auth_methods',
  'allowed_mfa_methods',
  'sso_jit_provisioning_allowed_connections',
  'claimed_email_domains',
  'allowed_first_party_connected_apps',
  'allowed_third_party_connected_apps',
];

export async function up(knex: Knex): Promise<void> {
  // array_to_string is only STABLE; an IMMUTABLE wrapper lets a trigram index
  // cover fuzzy search over every allowed domain of an organization.
  await knex.raw(`
    CREATE FUNCTION roster_join_domains(domains text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT array_to_string(domains, ' ') $$`);

  await knex.schema.createTable('organizations', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('slug').notNullable();
    t.text('logo_url').notNullable().defaultTo('');
    t.text('external_id');
    t.jsonb('trusted_metadata').notNullable().defaultTo('{}');
    for (const [column, values] of Object.entries(ENUMS)) {
      t.text(column).notNullable().defaultTo(DEFAULTS[column]).checkIn(values, `organizations__${column}__check`);
    }
    for (const column of TEXT_ARRAYS) {
      t.specificType(column, 'text[]').notNullable().defaultTo('{}');
    }
    t.text('sso_default_connection_id');
    t.jsonb('rbac_email_implicit_role_assignments').notNullable().defaultTo('[]');
    t.jsonb('allowed_oauth_tenants').notNullable().defaultTo('{}');
    t.jsonb('custom_roles').notNullable().defaultTo('[]');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // Deleted organizations vanish from the API at once; the purge job removes
    // their members in batches afterwards, outside any request.
    t.timestamp('deleted_at', { useTz: true });
  });

  await knex.raw(`
    CREATE UNIQUE INDEX organizations__project_id_slug__unique
      ON organizations (project_id, lower(slug)) WHERE deleted_at IS NULL`);
  await knex.raw(`
    CREATE UNIQUE INDEX organizations__project_id_external_id__unique
      ON organizations (project_id, external_id) WHERE deleted_at IS NULL AND external_id IS NOT NULL`);
  await knex.raw(`
    CREATE INDEX organizations__project_id_id__index
      ON organizations (project_id, id) WHERE deleted_at IS NULL`);
  await knex.raw(`
    CREATE INDEX organizations__name__trgm ON organizations USING gin (lower(name) gin_trgm_ops)`);
  await knex.raw(`
    CREATE INDEX organizations__slug__trgm ON organizations USING gin (lower(slug) gin_trgm_ops)`);
  await knex.raw(`
    CREATE INDEX organizations__email_allowed_domains__gin ON organizations USING gin (email_allowed_domains)`);
  await knex.raw(`
    CREATE INDEX organizations__email_allowed_domains__trgm
      ON organizations USING gin (roster_join_domains(email_allowed_domains) gin_trgm_ops)`);
  await knex.raw(`
    CREATE INDEX organizations__claimed_email_domains__gin ON organizations USING gin (claimed_email_domains)`);
  await knex.raw(`
    CREATE INDEX organizations__deleted_at__index ON organizations (deleted_at) WHERE deleted_at IS NOT NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('organizations');
  await knex.raw('DROP FUNCTION roster_join_domains(text[])');
}
