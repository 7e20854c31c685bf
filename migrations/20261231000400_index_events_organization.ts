import type { Knex } from 'knex';

/**
 * The audit log filtered by organization (`GET /v1/b2b/events?organization_id=…`, the console's
 * organization page): walked newest first on this index instead of every event of the project.
 * Partial: project-level events (jobs without an organization) have none.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'CREATE INDEX events__project_id_organization_id_id ON events (project_id, organization_id, id DESC) WHERE organization_id IS NOT NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX events__project_id_organization_id_id');
}
