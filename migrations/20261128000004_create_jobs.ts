import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // The record of every job a caller starts; Redis only carries the work.
  await knex.schema.createTable('jobs', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.text('type').notNullable();
    t.text('status')
      .notNullable()
      .defaultTo('queued')
      .checkIn(['queued', 'running', 'completed', 'failed', 'cancelled'], 'jobs__status__check');
    // What an unfinished job is doing now (e.g. uploading, processing).
    t.text('phase');
    t.jsonb('params').notNullable().defaultTo('{}');
    t.jsonb('progress').notNullable().defaultTo('{}');
    t.jsonb('result');
    t.jsonb('error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.timestamp('cancel_requested_at', { useTz: true });
  });
  await knex.raw('CREATE INDEX jobs__project_id_id__index ON jobs (project_id, id)');
  // The sweep looks for unfinished jobs that nobody has touched for a while.
  await knex.raw("CREATE INDEX jobs__updated_at__unfinished ON jobs (updated_at) WHERE status IN ('queued', 'running')");

  // Rows a job rejected, one per input line, in line order.
  await knex.schema.createTable('job_row_errors', (t) => {
    t.uuid('job_id').notNullable().references('id').inTable('jobs').onDelete('CASCADE');
    t.integer('line').notNullable();
    t.text('error_type').notNullable();
    t.text('column_name');
    t.text('value');
    t.text('message').notNullable();
    t.primary(['job_id', 'line'], { constraintName: 'job_row_errors__job_id_line__pkey' });
  });

  // A migration's unit of work: a range of input lines processed in one transaction.
  await knex.schema.createTable('migration_chunks', (t) => {
    t.uuid('job_id').notNullable().references('id').inTable('jobs').onDelete('CASCADE');
    t.integer('chunk_no').notNullable();
    t.integer('first_line').notNullable();
    t.integer('last_line').notNullable();
    // Rows staged in the range when the chunk was planned: a chunk finding fewer
    // (an UNLOGGED staging table truncated by a Postgres crash) fails the job.
    t.integer('row_count').notNullable();
    t.text('status').notNullable().defaultTo('pending').checkIn(['pending', 'done', 'cancelled'], 'migration_chunks__status__check');
    t.primary(['job_id', 'chunk_no'], { constraintName: 'migration_chunks__job_id_chunk_no__pkey' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('migration_chunks');
  await knex.schema.dropTable('job_row_errors');
  await knex.schema.dropTable('jobs');
}
