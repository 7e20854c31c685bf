import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Transactional outbox: follow-up work written in the same transaction as
  // the data it follows; the relay moves it into BullMQ.
  await knex.schema.createTable('outbox', (t) => {
    t.bigIncrements('id');
    t.text('job_name').notNullable();
    t.jsonb('payload').notNullable();
    t.text('queue_job_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // Every email Roster sends: what, to whom, and how delivery went. The
  // link's token is minted at send time and never stored in clear.
  await knex.schema.createTable('emails', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.uuid('member_id').references('id').inTable('members').onDelete('CASCADE');
    t.text('kind').notNullable().checkIn(['invite', 'login', 'signup'], 'emails__kind__check');
    t.text('to_address').notNullable();
    t.text('to_normalized').notNullable();
    t.text('redirect_url').notNullable();
    t.integer('expiration_minutes').notNullable();
    t.text('pkce_code_challenge');
    t.uuid('job_id').references('id').inTable('jobs').onDelete('SET NULL');
    t.text('status').notNullable().defaultTo('queued').checkIn(['queued', 'sent', 'failed'], 'emails__status__check');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.text('transport');
    t.text('message_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
  });
  // The per-address send rate limit looks up the latest email to an address.
  await knex.raw('CREATE INDEX emails__project_id_to_normalized_created_at__index ON emails (project_id, to_normalized, created_at DESC)');
  await knex.raw('CREATE INDEX emails__job_id__index ON emails (job_id) WHERE job_id IS NOT NULL');
  // The sweep looks for emails that stayed queued past every retry.
  await knex.raw("CREATE INDEX emails__created_at__queued ON emails (created_at) WHERE status = 'queued'");

  await knex.schema.createTable('magic_link_tokens', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.uuid('member_id').notNullable().references('id').inTable('members').onDelete('CASCADE');
    t.uuid('email_id').notNullable().references('id').inTable('emails').onDelete('CASCADE');
    t.text('kind').notNullable().checkIn(['invite', 'login', 'signup'], 'magic_link_tokens__kind__check');
    // The address the link went to: it proves that address only while it is still the member's.
    t.text('email_normalized').notNullable();
    t.binary('token_hash').notNullable();
    t.text('pkce_code_challenge');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX magic_link_tokens__token_hash__unique ON magic_link_tokens (token_hash)');
  await knex.raw('CREATE INDEX magic_link_tokens__member_id__index ON magic_link_tokens (member_id)');

  await knex.schema.createTable('member_sessions', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.uuid('member_id').notNullable().references('id').inTable('members').onDelete('CASCADE');
    t.binary('token_hash').notNullable();
    t.jsonb('authentication_factors').notNullable().defaultTo('[]');
    t.jsonb('custom_claims').notNullable().defaultTo('{}');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_accessed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX member_sessions__token_hash__unique ON member_sessions (token_hash)');
  await knex.raw('CREATE INDEX member_sessions__member_id__index ON member_sessions (member_id) WHERE revoked_at IS NULL');

  // Intermediate sessions: primary authentication done, the organization's policy not yet met.
  await knex.schema.createTable('intermediate_sessions', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.uuid('member_id').notNullable().references('id').inTable('members').onDelete('CASCADE');
    t.binary('token_hash').notNullable();
    t.jsonb('authentication_factors').notNullable().defaultTo('[]');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX intermediate_sessions__token_hash__unique ON intermediate_sessions (token_hash)');

  // Session JWT signing keys, per project. A retired key stays published
  // until every JWT it signed has expired.
  await knex.schema.createTable('signing_keys', (t) => {
    t.text('kid').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.jsonb('private_jwk').notNullable();
    t.jsonb('public_jwk').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('retired_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX signing_keys__project_id__active ON signing_keys (project_id) WHERE retired_at IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['signing_keys', 'intermediate_sessions', 'member_sessions', 'magic_link_tokens', 'emails', 'outbox']) {
    await knex.schema.dropTable(table);
  }
}
