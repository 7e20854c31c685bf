import { createContainer, Container } from '../../src/container';
import { parseId } from '../../src/ids';
import type { ProjectContext } from '../../src/services/project-context';
import { useTestApp } from '../helpers/app';
import { createMember, createOrganization, unique } from '../helpers/factories';
import { FakeJobProducer } from '../helpers/fake-producer';

/**
 * Services against the real database, with a producer that only records:
 * each request enqueues exactly the work it promises, carrying ids only.
 */
describe('what services enqueue', () => {
  const ctx = useTestApp();
  const producer = new FakeJobProducer();
  let services: Container;
  let project: ProjectContext;

  beforeAll(() => {
    services = createContainer(ctx.app.container.config, { producer });
    const { projectId } = ctx.app.project;
    project = { id: parseId('project', 'test', projectId)!, publicId: projectId, env: 'test' };
  });
  afterAll(() => services?.close());
  beforeEach(() => producer.take());

  /** Every outbox entry relayed: the service pokes the relay after its commit, so a pass may already be running. */
  const relayAll = async () => {
    await services.relay.drain();
    await services.relay.stop();
  };

  it('enqueues one members.merge job naming the job only, and records the bare ids in its params', async () => {
    const organization = await createOrganization(ctx.client);
    const primary = await createMember(ctx.client, organization.organization_id);
    const duplicate = await createMember(ctx.client, organization.organization_id);

    const job = await services.deduplication.requestMerge(project, organization.organization_id, {
      primary_member_id: primary.member_id,
      duplicate_member_ids: [duplicate.member_id],
      dry_run: true,
    });

    expect(producer.take()).toEqual([{ name: 'members.merge', payload: { jobId: job.id }, jobId: `members.merge.${job.id}` }]);
    expect(job.params).toEqual({
      organization_id: parseId('organization', 'test', organization.organization_id),
      primary_member_id: parseId('member', 'test', primary.member_id),
      duplicate_member_ids: [parseId('member', 'test', duplicate.member_id)],
      dry_run: true,
    });
  });

  it('enqueues one members.scan-duplicates job for a scan', async () => {
    const organization = await createOrganization(ctx.client);
    const job = await services.deduplication.requestScan(project, organization.organization_id, {});
    expect(producer.take()).toEqual([
      { name: 'members.scan-duplicates', payload: { jobId: job.id }, jobId: `members.scan-duplicates.${job.id}` },
    ]);
  });

  /** What the relay enqueued besides event dispatches, which every recorded change (this job's job.queued included) adds. */
  const relayedWork = () => producer.take().filter((entry) => entry.name !== 'events.dispatch');

  it('promises a bulk invite through the outbox, which relays exactly one invites.send naming the job only', async () => {
    const organization = await createOrganization(ctx.client);
    const emails = Array.from({ length: 3 }, () => `${unique('bulk')}@acme.com`);

    const job = await services.bulkInvites.request(project, organization.organization_id, {
      invitees: emails.map((email_address) => ({ email_address, name: 'Invitee', trusted_metadata: { team: 'red' } })),
    });

    await relayAll();
    expect(relayedWork()).toEqual([{ name: 'invites.send', payload: { jobId: job.id }, jobId: `invites.${job.id}` }]);
    // The list is kept beside the job, in request order; the params only count it.
    expect(job.params).toEqual({ organization_id: parseId('organization', 'test', organization.organization_id), invitees: 3 });
    const stored = await services.knex('bulk_invitees').where({ job_id: job.id }).orderBy('line');
    expect(stored.map((row) => [row.line, row.invitee.email_address, row.invitee.trusted_metadata])).toEqual(
      emails.map((email, i) => [i + 1, email, { team: 'red' }]),
    );
  });

  it('re-enqueues a bulk invite the sweep finds idle under the same queue id', async () => {
    const organization = await createOrganization(ctx.client);
    const job = await services.bulkInvites.request(project, organization.organization_id, {
      invitees: [{ email_address: `${unique('r')}@acme.com` }],
    });
    await relayAll();
    producer.take();

    await services.bulkInvites.resume(job);

    expect(producer.take()).toEqual([{ name: 'invites.send', payload: { jobId: job.id }, jobId: `invites.${job.id}` }]);
  });
});
