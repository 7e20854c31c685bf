import { loadConfig } from '../../src/config';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { createKnex } from '../../src/db/knex';
import { createTestDatabase, databaseUrl, dropDatabase } from '../helpers/database';

const MIGRATION = '20261203000010_create_bulk_invitees';

/** Bulk invites recorded before the list had its own table keep working, in both directions. */
describe(`migration ${MIGRATION}`, () => {
  let name: string;
  let knex: Knex;

  beforeAll(async () => {
    name = await createTestDatabase();
    knex = createKnex(databaseUrl(name), { ...loadConfig({}).database, poolMax: 2 });
  });
  afterAll(async () => {
    await knex?.destroy();
    if (name) await dropDatabase(name);
  });

  it('moves an existing invitee list out of the params, leaving its count, and back on rollback', async () => {
    await knex.migrate.down({ name: MIGRATION });
    const projectId = randomUUID();
    const jobId = randomUUID();
    const invitees = [
      { email_address: 'a@acme.com', name: 'A' },
      { email_address: 'b@acme.com', trusted_metadata: { k: 1 } },
    ];
    const legacyParams = { organization_id: randomUUID(), invitees, invite_expiration_minutes: 60 };
    await knex('projects').insert({ id: projectId, env: 'test', name: 'p', secret_hash: Buffer.from('x') });
    await knex('jobs').insert({ id: jobId, project_id: projectId, type: 'invites.bulk', params: JSON.stringify(legacyParams) });

    await knex.migrate.up({ name: MIGRATION });
    expect((await knex('jobs').where({ id: jobId }).first()).params).toEqual({ ...legacyParams, invitees: 2 });
    expect(await knex('bulk_invitees').select('line', 'invitee').where({ job_id: jobId }).orderBy('line')).toEqual([
      { line: 1, invitee: invitees[0] },
      { line: 2, invitee: invitees[1] },
    ]);

    await knex.migrate.down({ name: MIGRATION });
    expect((await knex('jobs').where({ id: jobId }).first()).params).toEqual(legacyParams);
    await knex.migrate.up({ name: MIGRATION });
  });
});
