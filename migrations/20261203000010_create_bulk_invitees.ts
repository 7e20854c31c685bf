import type { Knex } from 'knex';

/**
 * A bulk invite's list leaves the job's params (which callers read back) for
 * a table of its own; params keep the count. Existing jobs move over.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bulk_invitees', (t) => {
    t.uuid('job_id').notNullable().references('id').inTable('jobs').onDelete('CASCADE');
    // The invitee's 1-based position in the request: row errors report it as their line.
    t.integer('line').notNullable();
    t.jsonb('invitee').notNullable();
    t.primary(['job_id', 'line'], { constraintName: 'bulk_invitees__job_id_line__pkey' });
  });
  await knex.raw(`
    INSERT INTO bulk_invitees (job_id, line, invitee)
    SELECT jobs.id, list.line, list.invitee
    FROM jobs, jsonb_array_elements(jobs.params->'invitees') WITH ORDINALITY AS list(invitee, line)
    WHERE jobs.type = 'invites.bulk' AND jsonb_typeof(jobs.params->'invitees') = 'array'`);
  await knex.raw(`
    UPDATE jobs SET params = jsonb_set(params, '{invitees}', to_jsonb(jsonb_array_length(params->'invitees')))
    WHERE type = 'invites.bulk' AND jsonb_typeof(params->'invitees') = 'array'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    UPDATE jobs SET params = jsonb_set(params, '{invitees}', coalesce(
      (SELECT jsonb_agg(invitee ORDER BY line) FROM bulk_invitees WHERE bulk_invitees.job_id = jobs.id), '[]'))
    WHERE type = 'invites.bulk'`);
  await knex.schema.dropTable('bulk_invitees');
}
