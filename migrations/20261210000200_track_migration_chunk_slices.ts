import type { Knex } from 'knex';

/**
 * A member import's chunk is applied in slices, each committed with its
 * progress, so a large chunk shows progress and a crash redoes one slice.
 * The chunk remembers where its next slice starts and how many staged rows
 * its committed slices held (checked against `row_count` at its end).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('migration_chunks', (t) => {
    // Null until the chunk's first slice commits.
    t.integer('next_line');
    t.integer('rows_done').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('migration_chunks', (t) => {
    t.dropColumn('next_line');
    t.dropColumn('rows_done');
  });
}
