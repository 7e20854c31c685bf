import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await knex.schema.createTable('projects', (t) => {
    t.uuid('id').primary();
    t.text('env').notNullable().checkIn(['test', 'live'], 'projects__env__check');
    t.text('name').notNullable();
    t.binary('secret_hash').notNullable();
    t.specificType('redirect_urls', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('projects');
}
