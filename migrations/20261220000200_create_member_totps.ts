import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A member's authenticator-app (TOTP) registrations. Pending until the first
  // code is authenticated (expires_at bounds that), verified after; deleting
  // one keeps the row (deleted_at) for the record.
  await knex.schema.createTable('member_totps', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.uuid('member_id').notNullable().references('id').inTable('members').onDelete('CASCADE');
    // Base32, readable on purpose: a TOTP code is an HMAC of the time under
    // this key, so verifying one needs the key itself (a hash cannot).
    t.text('secret').notNullable();
    t.timestamp('verified_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true });
    // The newest time step a code was accepted for: that code, and older ones, cannot be replayed.
    t.bigInteger('last_used_step');
    // Wrong codes (TOTP or recovery) in a row, and the lock they earned.
    t.integer('failed_attempts').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
  });
  await knex.raw(`
    ALTER TABLE member_totps ADD CONSTRAINT member_totps__pending_expires__check
      CHECK (verified_at IS NOT NULL OR expires_at IS NOT NULL)`);
  // At most one live registration per member (pending or verified); also the lookup of a member's registration.
  await knex.raw('CREATE UNIQUE INDEX member_totps__member_id__live ON member_totps (member_id) WHERE deleted_at IS NULL');

  // Recovery codes of a registration: single-use, looked up by hash. The
  // sealed copy lets recovery_codes.get show them again (as Stytch does),
  // sealed under the registration's secret: no more readable than it.
  await knex.schema.createTable('totp_recovery_codes', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('totp_id').notNullable().references('id').inTable('member_totps').onDelete('CASCADE');
    // The order the codes were issued in, which recovery_codes.get keeps.
    t.smallint('position').notNullable();
    t.binary('code_hash').notNullable();
    t.binary('code_sealed').notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX totp_recovery_codes__totp_id_code_hash__unique ON totp_recovery_codes (totp_id, code_hash)');

  // Stytch's Member carries its verified registration's id (totp_registration_id).
  await knex.raw('ALTER TABLE members ADD COLUMN totp_registration_id uuid');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE members DROP COLUMN totp_registration_id');
  await knex.schema.dropTable('totp_recovery_codes');
  await knex.schema.dropTable('member_totps');
}
