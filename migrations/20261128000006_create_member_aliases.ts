import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A merged-away member id keeps resolving to the member it was folded into.
  await knex.schema.createTable('member_aliases', (t) => {
    t.uuid('alias_id').primary();
    t.uuid('member_id').notNullable().references('id').inTable('members').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX member_aliases__member_id__index ON member_aliases (member_id)');
  // Email variants the project treats as one person when scanning for duplicates.
  await knex.schema.alterTable('projects', (t) => {
    t.jsonb('deduplication_rules').notNullable().defaultTo('[]');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => t.dropColumn('deduplication_rules'));
  await knex.schema.dropTable('member_aliases');
}
