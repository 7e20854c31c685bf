import type { Db } from '../../src/repositories/db';
import { EventRepository, type EventRow } from '../../src/repositories/event.repository';
import { OutboxRepository } from '../../src/repositories/outbox.repository';
import { EventLog } from '../../src/services/events/event-log';
import { jobContext } from '../../src/services/events/job-events';
import type { ProjectContext } from '../../src/services/project-context';

/** The repositories' writes, kept in memory: what EventLog decides to write, without a database. */
class RecordingEvents extends EventRepository {
  rows: EventRow[] = [];
  constructor(private readonly named: string[] = []) {
    super();
  }
  override async insertMany(_db: Db, rows: EventRow[]): Promise<void> {
    this.rows.push(...rows);
  }
  override async namedByEnabledEndpoints(_db: Db, _projectId: string, names: string[]): Promise<Set<string>> {
    return new Set(names.filter((name) => this.named.includes(name)));
  }
}

class RecordingOutbox extends OutboxRepository {
  entries: { name: string; payload: unknown }[] = [];
  override async addMany(_db: Db, name: string, entries: { payload: unknown; queueJobId: string }[]): Promise<void> {
    this.entries.push(...entries.map((e) => ({ name, payload: e.payload })));
  }
}

const db = {} as Db;
const PROJECT_UUID = '0190a6b0-0000-7000-8000-000000000001';
const project: ProjectContext = {
  id: PROJECT_UUID,
  env: 'test',
  publicId: `project-test-${PROJECT_UUID}`,
  actor: { source: 'DIRECT', type: 'api_key', id: `project-test-${PROJECT_UUID}` },
};
const member = { member_id: 'member-test-1', name: 'Ada' };

function log(named: string[] = []) {
  const events = new RecordingEvents(named);
  const outbox = new RecordingOutbox();
  return { events, outbox, eventLog: new EventLog(events, outbox) };
}

describe('EventLog.record', () => {
  it("builds Stytch's payload, names the event by the actor's source, and dispatches it through the outbox", async () => {
    const { events, outbox, eventLog } = log();
    const ids = await eventLog.record(db, project, { objectType: 'member', action: 'CREATE', objectId: 'member-test-1', object: member });
    expect(events.rows).toHaveLength(1);
    const [row] = events.rows;
    expect(row).toMatchObject({ name: 'direct.member.create', source: 'DIRECT', actor_type: 'api_key', object_id: 'member-test-1' });
    expect(row.payload).toEqual({
      action: 'CREATE',
      event_id: `event-test-${row.id}`,
      id: 'member-test-1',
      object_type: 'member',
      project_id: project.publicId,
      source: 'DIRECT',
      timestamp: row.created_at.toISOString(),
      vertical: 'B2B',
      member,
    });
    expect(outbox.entries).toEqual([{ name: 'events.dispatch', payload: { eventIds: ids } }]);
  });

  it('a DELETE carries no object; no actor means the system acted', async () => {
    const { events, eventLog } = log();
    const { actor: _actor, ...system } = project;
    await eventLog.record(db, system, { objectType: 'member', action: 'DELETE', objectId: 'member-test-1', object: member });
    expect(events.rows[0]).toMatchObject({ name: 'system.member.delete', actor_type: 'system', actor_id: null });
    expect(events.rows[0].payload).not.toHaveProperty('member');
  });

  it("drops bulk jobs' per-member events no enabled endpoint names, keeps the others, in one write and one dispatch", async () => {
    const job = jobContext(project, { id: '0190a6b0-0000-7000-8000-000000000002', type: 'migration.members' });
    const inputs = [
      { objectType: 'member' as const, action: 'CREATE' as const, objectId: 'member-test-1', object: member },
      { objectType: 'member' as const, action: 'UPDATE' as const, objectId: 'member-test-2', object: member },
      { objectType: 'job' as const, action: 'UPDATE' as const, objectId: 'job-test-x', name: 'job.completed' as const },
    ];
    const unsubscribed = log();
    await unsubscribed.eventLog.record(db, job, inputs);
    expect(unsubscribed.events.rows.map((r) => r.name)).toEqual(['job.completed']);

    const subscribed = log(['migration.member.update']);
    await subscribed.eventLog.record(db, job, inputs);
    expect(subscribed.events.rows.map((r) => r.name)).toEqual(['migration.member.update', 'job.completed']);
    expect(subscribed.outbox.entries).toHaveLength(1);
    expect(subscribed.events.rows[0]).toMatchObject({
      source: 'MIGRATION',
      actor_type: 'job',
      actor_id: 'job-test-0190a6b0-0000-7000-8000-000000000002',
    });
  });

  it('writes nothing, not even a dispatch, when every event is dropped', async () => {
    const { events, outbox, eventLog } = log();
    const job = jobContext(project, { id: '0190a6b0-0000-7000-8000-000000000003', type: 'invites.bulk' });
    expect(await eventLog.record(db, job, { objectType: 'member', action: 'CREATE', objectId: 'member-test-1', object: member })).toEqual(
      [],
    );
    expect(events.rows).toEqual([]);
    expect(outbox.entries).toEqual([]);
  });

  it("wanted answers which names would be written: a job's member events only when named, a request's always", async () => {
    const { eventLog } = log(['migration.member.create']);
    const job = jobContext(project, { id: '0190a6b0-0000-7000-8000-000000000005', type: 'migration.members' });
    const names = ['migration.member.create', 'migration.member.update'];
    expect(await eventLog.wanted(db, job, 'member', names)).toEqual(new Set(['migration.member.create']));
    expect(await eventLog.wanted(db, job, 'organization', ['migration.organization.create'])).toEqual(
      new Set(['migration.organization.create']),
    );
    expect(await eventLog.wanted(db, project, 'member', ['direct.member.create'])).toEqual(new Set(['direct.member.create']));
  });

  it("the rule is the actor's, not the name's: a reconcile's scim.member.update is opt-in, a SCIM request's is not", async () => {
    const { events, eventLog } = log();
    const reconcile = jobContext(project, { id: '0190a6b0-0000-7000-8000-000000000006', type: 'scim.reconcile' });
    const directory: ProjectContext = { ...project, actor: { source: 'SCIM', type: 'scim_connection', id: 'scim-connection-test-1' } };
    const input = { objectType: 'member' as const, action: 'UPDATE' as const, objectId: 'member-test-1', object: member };
    await eventLog.record(db, reconcile, input);
    await eventLog.record(db, directory, input);
    expect(events.rows.map((r) => [r.name, r.actor_type])).toEqual([['scim.member.update', 'scim_connection']]);
  });
});

describe('jobContext', () => {
  it('a SCIM reconcile acts as SCIM, every other job as a migration, each with the job as its actor', () => {
    const id = '0190a6b0-0000-7000-8000-000000000004';
    expect(jobContext(project, { id, type: 'scim.reconcile' }).actor).toEqual({ source: 'SCIM', type: 'job', id: `job-test-${id}` });
    expect(jobContext(project, { id, type: 'members.merge' }).actor).toEqual({ source: 'MIGRATION', type: 'job', id: `job-test-${id}` });
  });
});
