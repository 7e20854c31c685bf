import type { Knex } from 'knex';

/**
 * The dev outbox (no SMTP_URL) records its emails as `captured`, not `sent`:
 * nothing left the machine. A captured email keeps its link so a developer
 * can follow it from `GET /v1/b2b/emails`; a check keeps links off every
 * other email, since a link carries a live token in clear. Every email
 * keeps the subject it was rendered with.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE emails DROP CONSTRAINT emails__status__check');
  await knex.raw(`ALTER TABLE emails ADD CONSTRAINT emails__status__check CHECK (status IN ('queued', 'sent', 'captured', 'failed'))`);
  await knex.schema.alterTable('emails', (t) => {
    t.text('subject');
    t.text('link');
  });
  await knex.raw(`ALTER TABLE emails ADD CONSTRAINT emails__link__check CHECK (link IS NULL OR status = 'captured')`);
  await knex.raw(`UPDATE emails SET status = 'captured' WHERE status = 'sent' AND transport = 'dev-outbox'`);
  // The outbox lists a project's emails newest first, a page at a time.
  await knex.raw('CREATE INDEX emails__project_id_id__index ON emails (project_id, id DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX emails__project_id_id__index');
  await knex.raw('ALTER TABLE emails DROP CONSTRAINT emails__link__check');
  await knex.schema.alterTable('emails', (t) => {
    t.dropColumn('link');
    t.dropColumn('subject');
  });
  await knex.raw(`UPDATE emails SET status = 'sent' WHERE status = 'captured'`);
  await knex.raw('ALTER TABLE emails DROP CONSTRAINT emails__status__check');
  await knex.raw(`ALTER TABLE emails ADD CONSTRAINT emails__status__check CHECK (status IN ('queued', 'sent', 'failed'))`);
}
