import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Stytch-style public tokens (`public-token-test-<uuid>`): they name a
  // project in browser-facing URLs (the SSO start URL). Public by design, so
  // the id is the token; revoking one stops it at once.
  await knex.schema.createTable('project_public_tokens', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true });
  });
  await knex.raw('CREATE INDEX project_public_tokens__project_id__index ON project_public_tokens (project_id)');

  // An organization's SSO connections, OIDC or SAML. The kind's own settings
  // live in `oidc` / `saml` (jsonb: Stytch adds fields often, and nothing
  // queries inside them). The OIDC client secret is kept readable on purpose:
  // Roster must present it to the IdP's token endpoint (a hash could not).
  await knex.schema.createTable('sso_connections', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.text('kind').notNullable().checkIn(['oidc', 'saml'], 'sso_connections__kind__check');
    t.text('display_name').notNullable().defaultTo('');
    t.text('status').notNullable().defaultTo('pending');
    t.text('identity_provider').notNullable().defaultTo('generic');
    t.jsonb('attribute_mapping').notNullable().defaultTo('{}');
    t.jsonb('oidc');
    t.jsonb('saml');
    // Roles every member signing in through this connection holds for that session, and by IdP group.
    t.jsonb('connection_role_assignments').notNullable().defaultTo('[]');
    t.jsonb('group_role_assignments').notNullable().defaultTo('[]');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX sso_connections__organization_id__index ON sso_connections (organization_id)');

  // X.509 certificates of a SAML connection: the IdP's (verification) and
  // Roster's own signing/encryption ones (with their private keys).
  await knex.schema.createTable('sso_certificates', (t) => {
    t.uuid('id').primary();
    t.uuid('connection_id').notNullable().references('id').inTable('sso_connections').onDelete('CASCADE');
    t.text('purpose').notNullable().checkIn(['verification', 'signing', 'encryption'], 'sso_certificates__purpose__check');
    t.text('certificate').notNullable();
    t.text('private_key');
    t.text('issuer').notNullable().defaultTo('');
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX sso_certificates__connection_id__index ON sso_certificates (connection_id)');

  // A member's identity at one connection: keyed by (connection, IdP subject)
  // so that no other IdP can claim the account by asserting the same email.
  await knex.schema.createTable('sso_registrations', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.uuid('connection_id').notNullable().references('id').inTable('sso_connections').onDelete('CASCADE');
    t.uuid('member_id').notNullable().references('id').inTable('members').onDelete('CASCADE');
    t.text('external_id').notNullable();
    t.jsonb('sso_attributes').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    'CREATE UNIQUE INDEX sso_registrations__connection_id_external_id__unique ON sso_registrations (connection_id, external_id)',
  );
  await knex.raw('CREATE UNIQUE INDEX sso_registrations__connection_id_member_id__unique ON sso_registrations (connection_id, member_id)');
  await knex.raw('CREATE INDEX sso_registrations__member_id__index ON sso_registrations (member_id)');

  // A sign-in between the start URL and the IdP's answer: what the callback
  // must match (state, OIDC nonce and PKCE verifier, SAML request id) and
  // where the browser goes next. Single-use, short-lived; `state_hash` is the
  // SHA-256 of the state sent to the IdP (also bound to a browser cookie).
  await knex.schema.createTable('sso_flows', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('connection_id').notNullable().references('id').inTable('sso_connections').onDelete('CASCADE');
    t.binary('state_hash').notNullable();
    t.text('nonce');
    t.text('code_verifier');
    t.text('saml_request_id');
    // The caller's PKCE challenge (Stytch's pkce_code_challenge), checked again at sso.authenticate.
    t.text('pkce_code_challenge');
    t.text('login_redirect_url');
    t.text('signup_redirect_url');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX sso_flows__state_hash__unique ON sso_flows (state_hash)');

  // The `token` of the redirect (stytch_token_type=sso): what the IdP proved
  // about the person, waiting for sso.authenticate. Hashed, single-use, 10 minutes.
  await knex.schema.createTable('sso_tokens', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('id').inTable('projects').onDelete('CASCADE');
    t.uuid('connection_id').notNullable().references('id').inTable('sso_connections').onDelete('CASCADE');
    t.binary('token_hash').notNullable();
    t.text('external_id').notNullable();
    t.text('email').notNullable();
    t.jsonb('attributes').notNullable().defaultTo('{}');
    t.specificType('groups', 'text[]').notNullable().defaultTo('{}');
    t.text('pkce_code_challenge');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX sso_tokens__token_hash__unique ON sso_tokens (token_hash)');

  // SAML assertion ids seen, kept until the assertion would have expired: a replay is refused by this key.
  await knex.schema.createTable('saml_assertion_ids', (t) => {
    t.uuid('connection_id').notNullable().references('id').inTable('sso_connections').onDelete('CASCADE');
    t.text('assertion_id').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.primary(['connection_id', 'assertion_id']);
  });

  // Which connection a session was started through: SSO-sourced roles hold only in those sessions.
  await knex.raw('ALTER TABLE member_sessions ADD COLUMN sso_connection_id uuid');
  await knex.raw(`ALTER TABLE member_sessions ADD COLUMN sso_roles jsonb NOT NULL DEFAULT '[]'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE member_sessions DROP COLUMN sso_roles');
  await knex.raw('ALTER TABLE member_sessions DROP COLUMN sso_connection_id');
  for (const table of [
    'saml_assertion_ids',
    'sso_tokens',
    'sso_flows',
    'sso_registrations',
    'sso_certificates',
    'sso_connections',
    'project_public_tokens',
  ]) {
    await knex.schema.dropTable(table);
  }
}
