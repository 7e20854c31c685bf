import type { Knex } from 'knex';

/**
 * One-time passcode emails (otp_login, otp_signup, otp_discovery) carry a
 * code, not a link: they have no redirect URL. Like a captured link, a
 * captured code is kept for the dev outbox (no SMTP_URL) so that a developer
 * can read it from `GET /v1/b2b/emails`; a check keeps codes off every email
 * that really went out, since a code is a live secret in clear. The code
 * itself is minted by the worker into otp_codes, hashed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE emails ALTER COLUMN redirect_url DROP NOT NULL');
  await knex.raw(`ALTER TABLE emails ADD CONSTRAINT emails__redirect_url__check CHECK (redirect_url IS NOT NULL OR kind LIKE 'otp\\_%')`);
  await knex.schema.alterTable('emails', (t) => {
    t.text('code');
  });
  await knex.raw(`ALTER TABLE emails ADD CONSTRAINT emails__code__check CHECK (code IS NULL OR status = 'captured')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE emails DROP CONSTRAINT emails__code__check');
  await knex.schema.alterTable('emails', (t) => {
    t.dropColumn('code');
  });
  await knex.raw('ALTER TABLE emails DROP CONSTRAINT emails__redirect_url__check');
  // Code emails have no redirect URL: they cannot stay once one is required again.
  await knex.raw('DELETE FROM emails WHERE redirect_url IS NULL');
  await knex.raw('ALTER TABLE emails ALTER COLUMN redirect_url SET NOT NULL');
}
