import type { Knex } from 'knex';

/**
 * An SSO sign-in that still needs MFA (or another primary factor) leaves an
 * intermediate session: it keeps the connection and the roles the sign-in
 * granted, so the session granted when the member completes it holds them,
 * as one that needed nothing more would (member_sessions has the same pair).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE intermediate_sessions
      ADD COLUMN sso_connection_id uuid,
      ADD COLUMN sso_roles jsonb NOT NULL DEFAULT '[]'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE intermediate_sessions DROP COLUMN sso_roles, DROP COLUMN sso_connection_id');
}
