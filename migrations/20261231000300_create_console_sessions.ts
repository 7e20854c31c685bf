import type { Knex } from 'knex';

/**
 * Sign-ins to the admin console (/admin). The browser holds the token in an
 * HttpOnly cookie; only its SHA-256 is stored, with the hash of the session's
 * CSRF token. A session ends after 12 h without use or 7 days in all
 * (expires_at is the absolute end; the idle end is read from last_seen_at).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE console_sessions (
      id uuid PRIMARY KEY,
      project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      token_hash bytea NOT NULL,
      csrf_token_hash bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      CONSTRAINT console_sessions__token_hash__unique UNIQUE (token_hash)
    )`);
  await knex.raw('CREATE INDEX console_sessions__project_id ON console_sessions (project_id)');
  await knex.raw('CREATE INDEX console_sessions__expires_at ON console_sessions (expires_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE console_sessions');
}
