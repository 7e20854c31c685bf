import type { Knex } from 'knex';

const EMAIL_KINDS = ['invite', 'login', 'signup', 'discovery', 'otp_login', 'otp_signup', 'otp_discovery'];
const LINK_KINDS = ['invite', 'login', 'signup', 'discovery'];

const checkIn = (column: string, values: string[]) => `CHECK (${column} IN (${values.map((v) => `'${v}'`).join(', ')}))`;

export async function up(knex: Knex): Promise<void> {
  // Discovery: an intermediate session proves an email address before any
  // organization is chosen, so its organization and member are optional; the
  // address it proved is always there.
  await knex.raw(`
    ALTER TABLE intermediate_sessions
      ALTER COLUMN organization_id DROP NOT NULL,
      ALTER COLUMN member_id DROP NOT NULL,
      ADD COLUMN email text,
      ADD COLUMN email_normalized text`);
  await knex.raw(`
    UPDATE intermediate_sessions i SET email = m.email, email_normalized = m.email_normalized
      FROM members m WHERE m.id = i.member_id`);
  await knex.raw(`
    ALTER TABLE intermediate_sessions
      ALTER COLUMN email SET NOT NULL,
      ALTER COLUMN email_normalized SET NOT NULL,
      ADD CONSTRAINT intermediate_sessions__member_in_organization__check CHECK ((member_id IS NULL) = (organization_id IS NULL))`);

  // Discovery emails (link or code) name no organization and no member.
  await knex.raw('ALTER TABLE emails ALTER COLUMN organization_id DROP NOT NULL');
  await knex.raw(
    `ALTER TABLE emails DROP CONSTRAINT emails__kind__check, ADD CONSTRAINT emails__kind__check ${checkIn('kind', EMAIL_KINDS)}`,
  );
  await knex.raw(`
    ALTER TABLE magic_link_tokens
      ALTER COLUMN organization_id DROP NOT NULL,
      ALTER COLUMN member_id DROP NOT NULL,
      DROP CONSTRAINT magic_link_tokens__kind__check,
      ADD CONSTRAINT magic_link_tokens__kind__check ${checkIn('kind', LINK_KINDS)}`);

  // One-time passcodes, by email or SMS: hashed, single-use, and void after
  // a few wrong guesses. The code is minted when it is sent (by the worker).
  await knex.schema.createTable('otp_codes', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('organization_id').references('id').inTable('organizations').onDelete('CASCADE');
    t.uuid('member_id').references('id').inTable('members').onDelete('CASCADE');
    t.text('channel').notNullable().checkIn(['email', 'sms'], 'otp_codes__channel__check');
    // The normalized email address or E.164 phone number the code went to.
    t.text('destination').notNullable();
    t.uuid('email_id').references('id').inTable('emails').onDelete('CASCADE');
    t.binary('code_hash').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // Redemption looks up the newest live code sent to an address.
  await knex.raw(
    'CREATE INDEX otp_codes__project_id_channel_destination__live ON otp_codes (project_id, channel, destination, created_at DESC) WHERE used_at IS NULL',
  );
  await knex.raw('CREATE INDEX otp_codes__email_id__index ON otp_codes (email_id) WHERE email_id IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('otp_codes');
  await knex.raw("DELETE FROM magic_link_tokens WHERE kind = 'discovery'");
  await knex.raw(`
    ALTER TABLE magic_link_tokens
      ALTER COLUMN organization_id SET NOT NULL,
      ALTER COLUMN member_id SET NOT NULL,
      DROP CONSTRAINT magic_link_tokens__kind__check,
      ADD CONSTRAINT magic_link_tokens__kind__check ${checkIn('kind', ['invite', 'login', 'signup'])}`);
  await knex.raw("DELETE FROM emails WHERE kind NOT IN ('invite', 'login', 'signup')");
  await knex.raw(
    `ALTER TABLE emails DROP CONSTRAINT emails__kind__check, ADD CONSTRAINT emails__kind__check ${checkIn('kind', ['invite', 'login', 'signup'])}`,
  );
  await knex.raw('ALTER TABLE emails ALTER COLUMN organization_id SET NOT NULL');
  await knex.raw('DELETE FROM intermediate_sessions WHERE member_id IS NULL');
  await knex.raw(`
    ALTER TABLE intermediate_sessions
      DROP CONSTRAINT intermediate_sessions__member_in_organization__check,
      DROP COLUMN email,
      DROP COLUMN email_normalized,
      ALTER COLUMN organization_id SET NOT NULL,
      ALTER COLUMN member_id SET NOT NULL`);
}
