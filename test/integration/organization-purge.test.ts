import { startWorkers, Workers } from '../../workers';
import { parseId } from '../../src/ids';
import { startTestApp, TestApp } from '../helpers/app';
import { createMember, createOrganization, stytchError } from '../helpers/factories';
import { MaintenanceQueue, openMaintenanceQueue } from '../helpers/maintenance-queue';

describe('purging deleted organizations', () => {
  let app: TestApp;
  let workers: Workers;
  let maintenance: MaintenanceQueue;

  beforeAll(async () => {
    app = await startTestApp();
    maintenance = await openMaintenanceQueue(app.container.config);
    workers = startWorkers(app.container);
  });

  afterAll(async () => {
    await workers?.close();
    await maintenance?.close();
    await app.close();
  });

  const uuidOf = (organizationId: string) => parseId('organization', 'test', organizationId)!;
  const organizationRows = (id: string) => app.container.knex('organizations').where({ id: uuidOf(id) });
  const memberRows = (id: string) => app.container.knex('members').where({ organization_id: uuidOf(id) });

  /** Adds the purge job and waits for the real worker to finish it. */
  function runPurge(): Promise<unknown> {
    return maintenance.run('organizations.purge-deleted');
  }

  /** An organization of the app's project with `count` members. */
  async function organizationWithMembers(count: number) {
    const organization = await createOrganization(app.project.client);
    for (let i = 0; i < count; i++) await createMember(app.project.client, organization.organization_id);
    return organization;
  }

  it('hides a deleted organization at once, before any purge runs', async () => {
    const organization = await organizationWithMembers(2);
    await app.project.client.organizations.delete({ organization_id: organization.organization_id });
    for (const ref of [organization.organization_id, organization.organization_slug]) {
      const error = await stytchError(app.project.client.organizations.get({ organization_id: ref }));
      expect([error.status_code, error.error_type]).toEqual([404, 'organization_not_found']);
    }
    const { organizations } = await app.project.client.organizations.search({
      query: { operator: 'AND', operands: [{ filter_name: 'organization_ids', filter_value: [organization.organization_id] }] },
    });
    expect(organizations).toEqual([]);
  });

  it("hides a deleted organization's members at once", async () => {
    const organization = await organizationWithMembers(1);
    const [member] = (await app.project.client.organizations.members.search({ organization_ids: [organization.organization_id] })).members;
    await app.project.client.organizations.delete({ organization_id: organization.organization_id });
    const error = await stytchError(app.project.client.organizations.members.dangerouslyGet({ member_id: member.member_id }));
    expect([error.status_code, error.error_type]).toEqual([404, 'member_not_found']);
    const search = await stytchError(app.project.client.organizations.members.search({ organization_ids: [organization.organization_id] }));
    expect(search.error_type).toBe('organization_not_found');
  });

  it("removes a deleted organization's members and its row, leaving other organizations' members untouched", async () => {
    const doomed = await organizationWithMembers(3);
    const kept = await organizationWithMembers(2);
    const keptMembersBefore = await memberRows(kept.organization_id).orderBy('id');
    await app.project.client.organizations.delete({ organization_id: doomed.organization_id });
    expect(await memberRows(doomed.organization_id)).toHaveLength(3);

    await runPurge();

    expect(await memberRows(doomed.organization_id)).toEqual([]);
    expect(await organizationRows(doomed.organization_id)).toEqual([]);
    expect(await memberRows(kept.organization_id).orderBy('id')).toEqual(keptMembersBefore);
    expect(await organizationRows(kept.organization_id)).toHaveLength(1);
    expect((await app.project.client.organizations.metrics({ organization_id: kept.organization_id })).member_count).toBe(2);
  });

  it("lets a new organization take a deleted one's slug and external id at once, and the purge spares it", async () => {
    const doomed = await createOrganization(app.project.client, { organization_external_id: `ext-${Date.now()}` });
    await app.project.client.organizations.delete({ organization_id: doomed.organization_id });
    const reborn = await createOrganization(app.project.client, {
      organization_slug: doomed.organization_slug,
      organization_external_id: doomed.organization_external_id,
    });
    await createMember(app.project.client, reborn.organization_id);

    await runPurge();

    expect(await organizationRows(doomed.organization_id)).toEqual([]);
    const { organization } = await app.project.client.organizations.get({ organization_id: doomed.organization_slug });
    expect(organization.organization_id).toBe(reborn.organization_id);
    expect(await memberRows(reborn.organization_id)).toHaveLength(1);
  });

  it('is safe to re-run when nothing is left to purge', async () => {
    const kept = await organizationWithMembers(1);
    await runPurge();
    await expect(runPurge()).resolves.toEqual({ purged: 0 });
    expect(await memberRows(kept.organization_id)).toHaveLength(1);
  });
});
