import type { Knex } from 'knex';
import type { JWK } from 'jose';
import { publishedJwk } from '../src/services/sessions/key-certificate';

/**
 * Published keys carry every field the SDK's `JWK` type declares: `key_ops`,
 * and a self-signed certificate (`x5c`) with its thumbprint (`x5tS256`).
 * Keys made before this get theirs here, from their own private half, so a
 * JWKS never mixes complete and incomplete keys. One key per project (plus
 * the few retired within the grace period): a row at a time is fine.
 */
export async function up(knex: Knex): Promise<void> {
  const rows: { kid: string; private_jwk: JWK & { kid: string } }[] = await knex('signing_keys')
    .select('kid', 'private_jwk')
    .whereRaw("public_jwk->'x5c' IS NULL");
  for (const { kid, private_jwk } of rows) {
    await knex('signing_keys')
      .where({ kid })
      .update({ public_jwk: await publishedJwk({ ...private_jwk, kid }) });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("UPDATE signing_keys SET public_jwk = public_jwk - 'key_ops' - 'x5c' - 'x5tS256'");
}
