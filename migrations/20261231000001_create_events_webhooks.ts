import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // The audit log and the source of webhook deliveries. Each row is written in
  // the transaction of the change it records, so a rolled-back change leaves
  // none. Ids are UUIDv7: keyset cursors walk them in time order.
  await knex.schema.createTable('events', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('organization_id');
    // Stytch's `source.object_type.action` (`direct.member.create`) or Roster's own (`job.completed`).
    t.text('name').notNullable();
    t.text('source').notNullable();
    t.text('action').notNullable();
    t.text('object_type').notNullable();
    // The changed object's public id (`member-test-…`).
    t.text('object_id').notNullable();
    t.text('actor_type').notNullable();
    t.text('actor_id');
    // The event exactly as it is delivered (Stytch's payload shape).
    t.jsonb('payload').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX events__project_id_id ON events (project_id, id DESC)');
  await knex.raw('CREATE INDEX events__project_id_object_id_id ON events (project_id, object_id, id DESC)');
  await knex.raw('CREATE INDEX events__project_id_name_id ON events (project_id, name, id DESC)');
  await knex.raw('CREATE INDEX events__project_id_actor_id_id ON events (project_id, actor_id, id DESC) WHERE actor_id IS NOT NULL');
  await knex.raw('CREATE INDEX events__created_at ON events (created_at)');

  // Where a project's events are delivered (Standard Webhooks).
  await knex.schema.createTable('webhook_endpoints', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.text('url').notNullable();
    t.text('description').notNullable().defaultTo('');
    // Event names this endpoint takes; empty = every event except bulk jobs' per-member events, which are sent only when named.
    t.specificType('event_types', 'text[]').notNullable().defaultTo('{}');
    t.text('status').notNullable().defaultTo('enabled'); // enabled | disabled
    t.text('disabled_reason'); // null | 'manual' | 'gone' (410) | 'failing'
    t.timestamp('disabled_at', { useTz: true });
    // Since when every attempt has failed; cleared by a success. Drives disabling an endpoint failing for days.
    t.timestamp('failing_since', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX webhook_endpoints__project_id ON webhook_endpoints (project_id, id)');

  // Signing secrets (`whsec_…`). HMAC needs the secret itself, so it cannot be stored hashed like
  // bearer tokens. During a rotation the previous secret signs too, until its expires_at.
  await knex.schema.createTable('webhook_endpoint_secrets', (t) => {
    t.uuid('id').primary();
    t.uuid('endpoint_id').notNullable().references('id').inTable('webhook_endpoints').onDelete('CASCADE');
    t.text('secret').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true });
  });
  await knex.raw('CREATE INDEX webhook_endpoint_secrets__endpoint_id ON webhook_endpoint_secrets (endpoint_id)');

  // One event to one endpoint: its state and schedule. Deliveries of one object to one
  // endpoint go out in event order (see the delivery worker).
  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('endpoint_id').notNullable().references('id').inTable('webhook_endpoints').onDelete('CASCADE');
    t.uuid('event_id').notNullable().references('id').inTable('events').onDelete('CASCADE');
    t.text('object_id').notNullable();
    t.text('status').notNullable().defaultTo('pending'); // pending | succeeded | failed
    t.integer('attempt_count').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true });
    t.integer('last_status_code');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['endpoint_id', 'event_id'], { indexName: 'webhook_deliveries__endpoint_id_event_id__unique' });
  });
  await knex.raw(`
    CREATE INDEX webhook_deliveries__endpoint_id_object_id_pending
      ON webhook_deliveries (endpoint_id, object_id, event_id) WHERE status = 'pending'`);
  await knex.raw("CREATE INDEX webhook_deliveries__next_attempt_at ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'");
  await knex.raw('CREATE INDEX webhook_deliveries__endpoint_id_id ON webhook_deliveries (endpoint_id, id DESC)');
  await knex.raw('CREATE INDEX webhook_deliveries__event_id ON webhook_deliveries (event_id)');

  // Every attempt of a delivery, as the console and the API show it.
  await knex.schema.createTable('webhook_attempts', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('delivery_id').notNullable().references('id').inTable('webhook_deliveries').onDelete('CASCADE');
    t.timestamp('attempted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('status_code');
    t.integer('latency_ms').notNullable();
    t.text('response_excerpt').notNullable().defaultTo('');
    t.text('error');
  });
  await knex.raw('CREATE INDEX webhook_attempts__delivery_id ON webhook_attempts (delivery_id, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_attempts');
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('webhook_endpoint_secrets');
  await knex.schema.dropTable('webhook_endpoints');
  await knex.schema.dropTable('events');
}
