import { randomUUID } from 'node:crypto';
import { useScratchDatabase } from '../helpers/database';

const MIGRATION = '20261203000010_create_bulk_invitees';

/** Bulk invites recorded before the list had its own table keep working, in both directions. */
describe(`migration ${MIGRATION}`, () => {
  const database = useScratchDatabase();

  it('moves an existing invitee list out of the params, leaving its count, and back on rollback', async () => {
    await database().migrate.down({ name: MIGRATION });
    const projectId = randomUUID();
    const jobId = randomUUID();
    const invitees = [
      { email_address: 'a@acme.com', name: 'A' },
      { email_address: 'b@acme.com', trusted_metadata: { k: 1 } },
    ];
    const legacyParams = { organization_id: randomUUID(), invitees, invite_expiration_minutes: 60 };
    await database()('projects').insert({ id: projectId, env: 'test', name: 'p', secret_hash: Buffer.from('x') });
    await database()('jobs').insert({ id: jobId, project_id: projectId, type: 'invites.bulk', params: JSON.stringify(legacyParams) });

    await database().migrate.up({ name: MIGRATION });
    expect((await database()('jobs').where({ id: jobId }).first()).params).toEqual({ ...legacyParams, invitees: 2 });
    expect(await database()('bulk_invitees').select('line', 'invitee').where({ job_id: jobId }).orderBy('line')).toEqual([
      { line: 1, invitee: invitees[0] },
      { line: 2, invitee: invitees[1] },
    ]);

    await database().migrate.down({ name: MIGRATION });
    expect((await database()('jobs').where({ id: jobId }).first()).params).toEqual(legacyParams);
    await database().migrate.up({ name: MIGRATION });
  });
});
