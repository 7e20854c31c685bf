import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Time-ordered ids minted inside set-based inserts (bulk migrations), the
  // same shape src/ids.ts mints in Node: a v4 uuid with the Unix milliseconds
  // written over its first 48 bits and the version nibble turned into 7.
  await knex.raw(`
    CREATE FUNCTION roster_uuidv7() RETURNS uuid
    LANGUAGE sql VOLATILE PARALLEL SAFE
    AS $$
      SELECT encode(
        set_bit(set_bit(
          overlay(uuid_send(gen_random_uuid())
                  PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                  FROM 1 FOR 6),
          52, 1), 53, 1),
        'hex')::uuid
    $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION roster_uuidv7()');
}
