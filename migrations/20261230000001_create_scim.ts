import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // An organization's SCIM connection: the identity provider's door into it.
  // Bearer tokens are stored as SHA-256 only; during a rotation the next
  // token opens the same door until the rotation completes or is cancelled.
  await knex.schema.createTable('scim_connections', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.text('display_name').notNullable().defaultTo('');
    t.text('identity_provider').notNullable().defaultTo('generic');
    t.text('status').notNullable().defaultTo('active');
    t.binary('bearer_token_hash').notNullable();
    t.text('bearer_token_last_four').notNullable();
    t.timestamp('bearer_token_expires_at', { useTz: true });
    t.binary('next_bearer_token_hash');
    t.text('next_bearer_token_last_four').notNullable().defaultTo('');
    t.timestamp('next_bearer_token_expires_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // One SCIM connection per organization, as Stytch allows.
  await knex.raw('CREATE UNIQUE INDEX scim_connections__organization_id__unique ON scim_connections (organization_id)');
  // Every SCIM request looks its connection up by the hash of its bearer token.
  await knex.raw('CREATE UNIQUE INDEX scim_connections__bearer_token_hash__unique ON scim_connections (bearer_token_hash)');
  await knex.raw(`
    CREATE UNIQUE INDEX scim_connections__next_bearer_token_hash__unique
      ON scim_connections (next_bearer_token_hash) WHERE next_bearer_token_hash IS NOT NULL`);

  // SCIM Groups of a connection. `version` grows with every change (ETags, lost-update checks).
  await knex.schema.createTable('scim_groups', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.uuid('connection_id').notNullable().references('id').inTable('scim_connections').onDelete('CASCADE');
    t.text('display_name').notNullable();
    t.text('external_id');
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX scim_groups__connection_id_display_name__unique ON scim_groups (connection_id, lower(display_name))');
  await knex.raw('CREATE INDEX scim_groups__connection_id_id__index ON scim_groups (connection_id, id)');

  // Group membership, one row per (group, member): groups of 50,000 members
  // are changed with set-based inserts and deletes, never loaded whole.
  await knex.schema.createTable('scim_group_members', (t) => {
    t.uuid('group_id').notNullable().references('id').inTable('scim_groups').onDelete('CASCADE');
    t.uuid('member_id').notNullable().references('id').inTable('members').onDelete('CASCADE');
    t.uuid('connection_id').notNullable().references('id').inTable('scim_connections').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['group_id', 'member_id']);
  });
  await knex.raw('CREATE INDEX scim_group_members__member_id__index ON scim_group_members (member_id)');

  // Which roles a group's members hold implicitly (Stytch's scim_group_implicit_role_assignments).
  await knex.schema.createTable('scim_group_role_assignments', (t) => {
    t.uuid('connection_id').notNullable().references('id').inTable('scim_connections').onDelete('CASCADE');
    t.uuid('group_id').notNullable().references('id').inTable('scim_groups').onDelete('CASCADE');
    t.text('role_id').notNullable();
    t.primary(['connection_id', 'group_id', 'role_id']);
  });

  // A member's SCIM registration (Stytch's Member.scim_registration): the
  // SCIM User resource of that member. Its id is the SCIM `id`; `attributes`
  // holds the resource as the directory last wrote it (less id and meta).
  await knex.schema.createTable('scim_users', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.uuid('connection_id').notNullable().references('id').inTable('scim_connections').onDelete('CASCADE');
    t.uuid('member_id').notNullable().references('id').inTable('members').onDelete('CASCADE');
    t.text('user_name').notNullable();
    t.text('external_id');
    t.boolean('active').notNullable().defaultTo(true);
    t.jsonb('attributes').notNullable().defaultTo('{}');
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // One registration per member; userName unique per connection regardless of case (SCIM's `uniqueness`).
  await knex.raw('CREATE UNIQUE INDEX scim_users__member_id__unique ON scim_users (member_id)');
  await knex.raw('CREATE UNIQUE INDEX scim_users__connection_id_user_name__unique ON scim_users (connection_id, lower(user_name))');
  await knex.raw(`
    CREATE UNIQUE INDEX scim_users__connection_id_external_id__unique
      ON scim_users (connection_id, external_id) WHERE external_id IS NOT NULL`);
  await knex.raw('CREATE INDEX scim_users__connection_id_id__index ON scim_users (connection_id, id)');

  // The roles a member holds through its SCIM groups, kept on the member row
  // ([{ role_id, group_id, connection_id }]) so that reading a member or a
  // session needs no join; recomputed by jobs when groups or mappings change.
  await knex.raw(`ALTER TABLE members ADD COLUMN scim_group_roles jsonb NOT NULL DEFAULT '[]'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE members DROP COLUMN scim_group_roles');
  await knex.schema.dropTable('scim_users');
  await knex.schema.dropTable('scim_group_role_assignments');
  await knex.schema.dropTable('scim_group_members');
  await knex.schema.dropTable('scim_groups');
  await knex.schema.dropTable('scim_connections');
}
