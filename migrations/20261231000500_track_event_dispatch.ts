import type { Knex } from 'knex';

/**
 * When an event's deliveries were created (its `events.dispatch` fan-out).
 * A delivery waits while an earlier event of its object is not fanned out
 * yet, so two events of one object dispatched concurrently still go out in
 * event order. Events already written count as fanned out: the constant
 * default fills them without rewriting the table, and is then dropped so
 * new events start unfanned.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE events ADD COLUMN dispatched_at timestamptz DEFAULT now()');
  await knex.raw('ALTER TABLE events ALTER COLUMN dispatched_at DROP DEFAULT');
  // Small by nature: only events whose dispatch has not run yet.
  await knex.raw(
    'CREATE INDEX events__project_id_object_id_id__undispatched ON events (project_id, object_id, id) WHERE dispatched_at IS NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX events__project_id_object_id_id__undispatched');
  await knex.raw('ALTER TABLE events DROP COLUMN dispatched_at');
}
