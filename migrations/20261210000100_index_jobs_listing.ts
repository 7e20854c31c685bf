import type { Knex } from 'knex';

/**
 * `GET /v1/b2b/jobs` pages a project's jobs newest first with a keyset
 * cursor on (created_at, id): this index hands them over in that order and
 * starts each page at the cursor, without sorting or skipping.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX jobs__project_id_created_at_id__index ON jobs (project_id, created_at DESC, id DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX jobs__project_id_created_at_id__index');
}
