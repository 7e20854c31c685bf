import type { Knex } from 'knex';

/**
 * Text messages carrying SMS one-time passcodes. A request records the
 * message (queued, with its outbox entry) in its own transaction; the worker
 * mints the code when it sends, so no code exists before its text is on its
 * way. The row is the per-number rate limit's record too: it counts sends
 * as they are accepted, not as they leave.
 *
 * `body` holds the text, code included, for messages the dev outbox
 * captured (no SMS_WEBHOOK_URL) and for no other: a check keeps it so.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sms_messages', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.uuid('member_id').notNullable().references('id').inTable('members').onDelete('CASCADE');
    // E.164, as the member's mfa_phone_number holds it.
    t.text('to_number').notNullable();
    t.text('locale').notNullable().defaultTo('en');
    t.text('status').notNullable().defaultTo('queued').checkIn(['queued', 'sent', 'captured', 'failed'], 'sms_messages__status__check');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.text('transport');
    t.text('message_id');
    t.text('body');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
  });
  await knex.raw(`ALTER TABLE sms_messages ADD CONSTRAINT sms_messages__body__check CHECK (body IS NULL OR status = 'captured')`);
  // The per-number rate limit counts the recent messages to a number.
  await knex.raw(
    'CREATE INDEX sms_messages__project_id_to_number_created_at__index ON sms_messages (project_id, to_number, created_at DESC)',
  );
  // The dev outbox lists a project's messages newest first, a page at a time.
  await knex.raw('CREATE INDEX sms_messages__project_id_id__index ON sms_messages (project_id, id DESC)');
  // The sweep expires messages that stayed queued past their code's lifetime.
  await knex.raw("CREATE INDEX sms_messages__created_at__queued ON sms_messages (created_at) WHERE status = 'queued'");
  await knex.raw('CREATE INDEX sms_messages__member_id__index ON sms_messages (member_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sms_messages');
}
