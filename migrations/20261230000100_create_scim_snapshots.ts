import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A directory snapshot's users, staged for one reconcile job and diffed
  // against the organization set-based. The resolution columns (member_id,
  // scim_user_id, action) are recomputed from scratch by every attempt.
  await knex.schema.createTable('scim_snapshot_rows', (t) => {
    t.uuid('job_id').notNullable().references('id').inTable('jobs').onDelete('CASCADE');
    t.integer('line').notNullable();
    t.text('user_name').notNullable();
    t.text('external_id');
    t.text('email').notNullable();
    t.text('email_normalized').notNullable();
    t.text('name');
    t.text('member_external_id');
    t.boolean('active').notNullable();
    t.jsonb('attributes').notNullable();
    t.uuid('member_id');
    t.uuid('scim_user_id');
    t.text('action');
    t.primary(['job_id', 'line']);
  });
  // A snapshot names each person once: duplicates are refused while staging.
  await knex.raw('CREATE UNIQUE INDEX scim_snapshot_rows__job_id_user_name__unique ON scim_snapshot_rows (job_id, lower(user_name))');
  await knex.raw(
    'CREATE UNIQUE INDEX scim_snapshot_rows__job_id_email_normalized__unique ON scim_snapshot_rows (job_id, email_normalized)',
  );
  await knex.raw(`
    CREATE UNIQUE INDEX scim_snapshot_rows__job_id_external_id__unique
      ON scim_snapshot_rows (job_id, external_id) WHERE external_id IS NOT NULL`);

  // Every change a reconcile job made (or, in a dry run, would make): its report.
  await knex.schema.createTable('scim_reconcile_changes', (t) => {
    t.uuid('job_id').notNullable().references('id').inTable('jobs').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.uuid('member_id').notNullable();
    t.text('email').notNullable();
    t.text('kind').notNullable();
    t.specificType('fields', 'text[]').notNullable().defaultTo('{}');
    t.primary(['job_id', 'seq']);
  });

  // One unfinished reconcile per SCIM connection: a second is refused while one is queued or running.
  await knex.raw(`
    CREATE UNIQUE INDEX jobs__scim_reconcile_connection__unfinished
      ON jobs ((params->>'connection_id')) WHERE type = 'scim.reconcile' AND finished_at IS NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX jobs__scim_reconcile_connection__unfinished');
  await knex.schema.dropTable('scim_reconcile_changes');
  await knex.schema.dropTable('scim_snapshot_rows');
}
