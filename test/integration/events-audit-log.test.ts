import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { formatId, parseProjectId, uuidv7 } from '../../src/ids';
import { SCHEDULES } from '../../src/queues/registry';
import { EventFilter, EventQueryRepository } from '../../src/repositories/event-query.repository';
import { EventRepository, EventRow } from '../../src/repositories/event.repository';
import { EventRetention } from '../../src/services/events/event-retention';
import type { EventActor, EventInput } from '../../src/services/events/event-types';
import type { ProjectContext } from '../../src/services/project-context';
import { startWorkers, Workers } from '../../workers';
import { TestProject, useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';
import { cliEnv, lines, ROSTER_BIN, runCli } from '../helpers/cli';
import { eventually } from '../helpers/eventually';
import type { AuditEvent } from '../../src/services/events/event-query';
import { createOrganization } from '../helpers/factories';
import { MaintenanceQueue, openMaintenanceQueue } from '../helpers/maintenance-queue';

interface PageBody {
  events: AuditEvent[];
  next_cursor: string | null;
}

const DAY_MS = 24 * 3600_000;
const bare = (eventId: string) => eventId.replace(/^event-(test|live)-/, '');
// UUIDv7 ids sort by time as plain strings (Postgres compares their bytes the same way).
const newestFirst = (ids: string[]) => [...ids].sort((a, b) => (bare(a) < bare(b) ? 1 : -1));
const publicOf = (kind: 'member' | 'organization' | 'job' | 'scim-connection', uuid = randomUUID()) => formatId(kind, 'test', uuid);

describe('the audit log: GET /v1/b2b/events', () => {
  const ctx = useTestApp();
  const knex = () => ctx.app.container.knex;
  let project: TestProject;

  // Each test reads the log of a project of its own.
  beforeEach(async () => {
    project = await ctx.app.newProject();
  });

  const projectUuid = (of: TestProject = project) => parseProjectId(of.projectId)!.uuid;
  const apiKey = (of: TestProject = project): EventActor => ({ source: 'DIRECT', type: 'api_key', id: of.projectId });

  /** Records events as a service would, in one transaction; answers their public ids. */
  async function record(inputs: EventInput | EventInput[], actor: EventActor = apiKey(), of: TestProject = project): Promise<string[]> {
    const context: ProjectContext = { id: projectUuid(of), publicId: of.projectId, env: 'test', actor };
    const ids = await knex().transaction((trx) => ctx.app.container.eventLog.record(trx, context, inputs));
    return ids.map((id) => formatId('event', 'test', id));
  }

  /** A change to a member of its own, as the member service records one. */
  const memberChange = (action: EventInput['action'] = 'UPDATE'): EventInput => {
    const memberId = publicOf('member');
    return { objectType: 'member', action, objectId: memberId, object: { member_id: memberId } };
  };

  const list = (query = '', of: TestProject = project) =>
    ctx.app.http('GET', `/v1/b2b/events${query ? `?${query}` : ''}`, { auth: { projectId: of.projectId, secret: of.secret } });

  async function page(query = '', of: TestProject = project): Promise<PageBody> {
    const response = await list(query, of);
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 200, body: { status_code: 200 } });
    return response.body as PageBody;
  }

  /** Every event a query lists, page after page. */
  async function all(query: string, limit: number, of: TestProject = project): Promise<string[]> {
    const ids: string[] = [];
    for (let cursor: string | null = null; ;) {
      const answer: PageBody = await page(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, of);
      ids.push(...answer.events.map((e) => e.event_id));
      if (!answer.next_cursor) return ids;
      cursor = answer.next_cursor;
    }
  }

  it('lists events newest first with their name, object, organization, actor and the delivered payload', async () => {
    const organizationUuid = randomUUID();
    const memberId = publicOf('member');
    const [created] = await record({
      objectType: 'member',
      action: 'CREATE',
      objectId: memberId,
      organizationId: organizationUuid,
      object: { member_id: memberId },
    });
    const [updated] = await record({
      objectType: 'member',
      action: 'UPDATE',
      objectId: memberId,
      organizationId: organizationUuid,
      object: { member_id: memberId },
    });

    const { events, next_cursor } = await page();

    expect(events.map((e) => e.event_id)).toEqual(newestFirst([created, updated]));
    expect(next_cursor).toBeNull();
    const event = events.find((e) => e.event_id === created)!;
    expect(event).toEqual({
      event_id: created,
      name: 'direct.member.create',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      source: 'DIRECT',
      action: 'CREATE',
      object_type: 'member',
      object_id: memberId,
      organization_id: formatId('organization', 'test', organizationUuid),
      actor: { type: 'api_key', id: project.projectId },
      payload: expect.objectContaining({ event_id: created, project_id: project.projectId, id: memberId, member: { member_id: memberId } }),
    });
    const single = await ctx.app.http('GET', `/v1/b2b/events/${created}`, {
      auth: { projectId: project.projectId, secret: project.secret },
    });
    expect(single.status).toBe(200);
    expect(single.body.event).toEqual(event);
  });

  it('records a change made through the SDK, with the API key as its actor', async () => {
    const organization = await createOrganization(project.client);

    const { events } = await page(`object_id=${organization.organization_id}`);

    expect(events).toEqual([
      expect.objectContaining({
        name: 'direct.organization.create',
        source: 'DIRECT',
        action: 'CREATE',
        object_type: 'organization',
        organization_id: organization.organization_id,
        actor: { type: 'api_key', id: project.projectId },
      }),
    ]);
  });

  describe('filters', () => {
    const labels = new Map<string, string>();
    const ids: Record<string, string> = {};
    const m1 = publicOf('member');
    const m2 = publicOf('member');
    const o1 = randomUUID();
    const o2 = randomUUID();
    const job = publicOf('job');
    const scimConnection = publicOf('scim-connection');
    let owner: TestProject;

    // One read-only log for every filter below: a member created by the API key, a SCIM
    // connection's update and delete of another member, a job's summary, and a member's change to an organization.
    beforeAll(async () => {
      owner = await ctx.app.newProject();
      const scim: EventActor = { source: 'SCIM', type: 'scim_connection', id: scimConnection };
      const inputs: [string, EventInput, EventActor][] = [
        ['a', { objectType: 'member', action: 'CREATE', objectId: m1, organizationId: o1 }, apiKey(owner)],
        ['b', { objectType: 'member', action: 'UPDATE', objectId: m2, organizationId: o1 }, scim],
        ['c', { objectType: 'member', action: 'DELETE', objectId: m2, organizationId: o1 }, scim],
        ['d', { objectType: 'job', action: 'UPDATE', objectId: job, name: 'job.completed' }, { source: 'MIGRATION', type: 'job', id: job }],
        [
          'e',
          { objectType: 'organization', action: 'UPDATE', objectId: formatId('organization', 'test', o2), organizationId: o2 },
          { source: 'DIRECT', type: 'member', id: m1 },
        ],
      ];
      for (const [label, input, actor] of inputs) {
        const [id] = await record(input, actor, owner);
        ids[label] = id;
        labels.set(id, label);
      }
    });

    it.each([
      ['', 'abcde'],
      ['event_type=direct.member.create', 'a'],
      ['event_type=scim.member.update&event_type=job.completed', 'bd'],
      ['event_type=scim.member.update,direct.organization.update', 'be'],
      ['event_type=scim.member.*', 'bc'],
      ['event_type=scim.*', 'bc'],
      ['event_type=job.*&event_type=direct.member.*', 'ad'],
      [`object_id=${m2}`, 'bc'],
      [`organization_id=${formatId('organization', 'test', o1)}`, 'abc'],
      ['actor_type=scim_connection', 'bc'],
      [`actor_id=${m1}`, 'e'],
      [`actor_id=${job}`, 'd'],
      ['source=MIGRATION', 'd'],
      ['source=SCIM&event_type=scim.member.delete', 'c'],
      [`organization_id=${formatId('organization', 'test', o1)}&actor_type=api_key`, 'a'],
      ['event_type=direct.saml_connection.create', ''],
    ])('%s lists exactly the matching events, newest first', async (query, expected) => {
      const { events } = await page(query, owner);
      const listed = events.map((e) => e.event_id);
      expect(listed).toEqual(newestFirst(listed));
      expect(
        listed
          .map((id) => labels.get(id))
          .sort()
          .join(''),
      ).toBe(expected);
    });

    it('pages a several-type filter without losing or repeating an event', async () => {
      expect(await all('event_type=scim.member.*,job.completed,direct.member.create', 1, owner)).toEqual(
        newestFirst([ids.a, ids.b, ids.c, ids.d]),
      );
    });
  });

  it('filters by time, both bounds inclusive to the millisecond, whatever the offset', async () => {
    const at = (iso: string) => {
      const id = uuidv7(Date.parse(iso));
      const row: EventRow = {
        id,
        project_id: projectUuid(),
        organization_id: null,
        name: 'direct.member.update',
        source: 'DIRECT',
        action: 'UPDATE',
        object_type: 'member',
        object_id: publicOf('member'),
        actor_type: 'api_key',
        actor_id: project.projectId,
        payload: {},
        created_at: new Date(iso),
      };
      return row;
    };
    const [jan1, jan2, jan3] = [at('2026-01-01T12:00:00Z'), at('2026-01-02T12:00:00Z'), at('2026-01-03T12:00:00Z')];
    await new EventRepository().insertMany(knex(), [jan1, jan2, jan3]);
    const named = (query: string) => page(query).then(({ events }) => events.map((e) => bare(e.event_id)));

    expect(await named('from=2026-01-02T12:00:00Z')).toEqual([jan3.id, jan2.id]);
    expect(await named('to=2026-01-02T12:00:00Z')).toEqual([jan2.id, jan1.id]);
    expect(await named('from=2026-01-02T12:00:00Z&to=2026-01-02T12:00:00Z')).toEqual([jan2.id]);
    expect(await named(`from=${encodeURIComponent('2026-01-02T13:00:00+01:00')}`)).toEqual([jan3.id, jan2.id]);
    expect(await named('from=2026-01-02T12:00:00.001Z')).toEqual([jan3.id]);
    expect(await named('to=2026-01-01T11:59:59.999Z')).toEqual([]);
  });

  it('pages through the log with its cursor, no event missing or repeated, while new events keep arriving', async () => {
    const original: string[] = [];
    for (let i = 0; i < 5; i++)
      original.push(...(await record([memberChange(), memberChange(), memberChange(), memberChange(), memberChange()])));

    const listed: string[] = [];
    let answer = await page('limit=4');
    listed.push(...answer.events.map((e) => e.event_id));
    // A writer adding events all the while the rest of the pages are read.
    let paging = true;
    let added = 0;
    const writer = (async () => {
      while (paging) {
        await record(memberChange());
        added++;
      }
    })();
    try {
      while (answer.next_cursor) {
        answer = await page(`limit=4&cursor=${answer.next_cursor}`);
        listed.push(...answer.events.map((e) => e.event_id));
      }
    } finally {
      paging = false;
      await writer;
    }

    expect(listed).toEqual(newestFirst(original));
    expect(added).toBeGreaterThan(0);
    // The newest page now starts with what the writer added.
    expect((await all('', 1000)).length).toBe(original.length + added);
  });

  it('answers 100 events by default and at most 1000', async () => {
    await record(Array.from({ length: 105 }, () => memberChange()));

    const first = await page();
    expect(first.events).toHaveLength(100);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await page(`cursor=${first.next_cursor}`);
    expect(second.events).toHaveLength(5);
    expect(second.next_cursor).toBeNull();
    expect((await page('limit=1000')).events).toHaveLength(105);
  });

  it("never shows another project's events, by listing, by filter or by id", async () => {
    const other = await ctx.app.newProject();
    const sharedObject = publicOf('member');
    const organizationUuid = randomUUID();
    const [mine] = await record({ objectType: 'member', action: 'UPDATE', objectId: sharedObject, organizationId: organizationUuid });
    const [theirs] = await record(
      { objectType: 'member', action: 'UPDATE', objectId: sharedObject, organizationId: organizationUuid },
      apiKey(other),
      other,
    );
    const [theirNewest] = await record(memberChange(), apiKey(other), other);

    expect((await page()).events.map((e) => e.event_id)).toEqual([mine]);
    expect((await page('', other)).events.map((e) => e.event_id)).toEqual([theirNewest, theirs]);
    expect((await page(`object_id=${sharedObject}`)).events.map((e) => e.event_id)).toEqual([mine]);
    expect((await page(`organization_id=${formatId('organization', 'test', organizationUuid)}`)).events.map((e) => e.event_id)).toEqual([
      mine,
    ]);
    // A cursor carries only a position in time: another project's cursor still shows only the caller's events.
    const theirCursor = (await page('limit=1', other)).next_cursor;
    expect(theirCursor).toEqual(expect.any(String));
    expect((await page(`cursor=${theirCursor}`)).events.map((e) => e.event_id)).toEqual([mine]);
    const foreign = await ctx.app.http('GET', `/v1/b2b/events/${theirs}`, {
      auth: { projectId: project.projectId, secret: project.secret },
    });
    expect(foreign.status).toBe(404);
    expectErrorEnvelope(foreign.body, 404, 'event_not_found');
  });

  it.each([
    ['an unknown event id', () => formatId('event', 'test', randomUUID())],
    ['a malformed id', () => 'event-test-nope'],
    ['a live id on a test project', () => formatId('event', 'live', randomUUID())],
  ])('answers 404 event_not_found for %s', async (_, id) => {
    const response = await ctx.app.http('GET', `/v1/b2b/events/${id()}`, {
      auth: { projectId: project.projectId, secret: project.secret },
    });
    expect(response.status).toBe(404);
    expectErrorEnvelope(response.body, 404, 'event_not_found');
  });

  it.each([
    ['source=FOO', 'invalid_event_source'],
    ['source=direct', 'invalid_event_source'],
    ['actor_type=robot', 'invalid_actor_type'],
    ['event_type=direct.member.explode', 'invalid_event_type'],
    ['event_type=nothing.*', 'invalid_event_type'],
    ['event_type=scim.member.update,', 'invalid_event_type'],
    ['event_type=*', 'invalid_event_type'],
    ['organization_id=organization-live-00000000-0000-7000-8000-000000000000', 'invalid_organization_id'],
    ['organization_id=acme', 'invalid_organization_id'],
    ['from=yesterday', 'invalid_date'],
    ['from=2026-01-01', 'invalid_date'],
    ['to=2026-01-01T00:00:00', 'invalid_date'],
    ['from=2026-02-30T00:00:00Z', 'invalid_date'],
    ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'invalid_date_range'],
    ['cursor=abc', 'invalid_cursor'],
    [`cursor=${Buffer.from('jobs:0190d6c4-0000-7000-8000-000000000000').toString('base64url')}`, 'invalid_cursor'],
    ['limit=0', 'invalid_limit'],
    ['limit=1001', 'invalid_limit'],
    ['limit=ten', 'invalid_limit'],
  ])('refuses %s with 400 %s, in the envelope', async (query, errorType) => {
    const response = await list(query);
    expect(response.status).toBe(400);
    expectErrorEnvelope(response.body, 400, errorType);
    expect(response.body.error_message).not.toMatch(/[\\^$[\]{}]|pattern|format "/);
  });

  describe('query plans, on a log large enough for them to matter', () => {
    const repository = new EventQueryRepository();
    const NAMES = ['direct.member.create', 'direct.member.update', 'scim.member.update', 'scim.member.delete', 'job.completed'];
    let tenant: string;

    // 60,000 events interleaved in time as a shared log is, spread over names, objects, actors and
    // organizations; the project whose plans are read holds 1% of them, the other five the rest.
    beforeAll(async () => {
      tenant = projectUuid(await ctx.app.newProject());
      const others = [];
      for (let i = 0; i < 5; i++) others.push(projectUuid(await ctx.app.newProject()));
      await knex().raw(
        `INSERT INTO events (id, project_id, organization_id, name, source, action, object_type, object_id, actor_type, actor_id, payload)
         SELECT roster_uuidv7(), CASE WHEN i % 100 = 0 THEN ?::uuid ELSE (?::uuid[])[1 + i % 5] END, CASE WHEN i % 3 = 0 THEN NULL ELSE md5('org' || (i % 200))::uuid END,
                (?::text[])[1 + i % 5], 'DIRECT', 'UPDATE', 'member', 'member-test-' || md5('m' || (i % 8000))::uuid,
                'api_key', 'actor-' || (i % 400), '{}'::jsonb
         FROM generate_series(1, 60000) AS i`,
        [tenant, others, NAMES],
      );
      await knex().raw('ANALYZE events');
    });

    /** The plan reaches rows through `index` alone: no scan of the table or of its primary key (every project's events). */
    function expectOnlyIndex(plan: string, index: string): void {
      expect(plan).toMatch(new RegExp(`(Index Scan|Index Scan Backward|Bitmap Index Scan) (using|on) ${index}\\b`));
      expect(plan).not.toMatch(/Seq Scan|events_pkey/);
    }

    async function planOf(filter: EventFilter): Promise<string> {
      const { rows } = await knex().raw(`EXPLAIN ${repository.listQuery(knex(), tenant, filter, 101).toQuery()}`);
      return (rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
    }

    const someId = '01900000-0000-7000-8000-000000000000';
    const organizationUuid = () =>
      knex()
        .raw("SELECT md5('org100')::uuid AS id")
        .then((r) => (r.rows[0] as { id: string }).id);

    it.each([
      ['no filter', 'events__project_id_id', {}],
      [
        'a cursor and a time range',
        'events__project_id_id',
        { beforeId: 'ffffffff-0000-7000-8000-000000000000', minId: someId, maxId: 'ffffffff-ffff-ffff-ffff-ffffffffffff' },
      ],
      ['an object', 'events__project_id_object_id_id', { objectId: 'member-test-00000000-0000-0000-0000-000000000000' }],
      ['an event type', 'events__project_id_name_id', { names: ['scim.member.update'] }],
      ['an actor', 'events__project_id_actor_id_id', { actorId: 'actor-100' }],
    ] as [string, string, EventFilter][])('reads %s through %s, not the whole log', async (_, index, filter) => {
      expectOnlyIndex(await planOf(filter), index);
    });

    it('reads an organization through its index (migration 20261231000400)', async () => {
      expectOnlyIndex(await planOf({ organizationId: await organizationUuid() }), 'events__project_id_organization_id_id');
    });

    it('reads several types through the name index, once per type', async () => {
      const plan = await planOf({ names: ['scim.member.update', 'job.completed', 'direct.member.create'] });
      expectOnlyIndex(plan, 'events__project_id_name_id');
      expect(plan.match(/events__project_id_name_id/g)).toHaveLength(3);
    });

    it('finds purgeable events through the created_at index', async () => {
      const { rows } = await knex().raw(
        'EXPLAIN DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < ? LIMIT 10000 FOR UPDATE SKIP LOCKED)',
        [new Date(Date.now() - 90 * DAY_MS)],
      );
      expect((rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n')).toContain(
        'Index Scan using events__created_at on events',
      );
    });
  });

  describe('retention: events.purge', () => {
    let workers: Workers;
    let maintenance: MaintenanceQueue;
    const retentionDays = () => ctx.app.container.config.eventsRetentionDays;

    beforeAll(async () => {
      maintenance = await openMaintenanceQueue(ctx.app.container.config);
      workers = startWorkers(ctx.app.container);
    });

    afterAll(async () => {
      await workers?.close();
      await maintenance?.close();
    });

    // A purge takes every project's old events: start each test with none left by other tests (the time filter's are from January).
    beforeEach(async () => {
      await knex()('events')
        .where('created_at', '<', knex().raw('now() - make_interval(days => ?)', [retentionDays()]))
        .delete();
    });

    /** Moves events back in time, past (or short of) the retention. */
    const backdate = (eventIds: string[], days: number) =>
      knex()('events')
        .whereIn('id', eventIds.map(bare))
        .update({ created_at: knex().raw(`now() - make_interval(days => ?)`, [days]) });

    const remaining = (eventIds: string[]) =>
      knex()('events')
        .whereIn('id', eventIds.map(bare))
        .pluck('id')
        .then((found) => eventIds.filter((id) => found.includes(bare(id))));

    /** A webhook endpoint of the project with a delivery (and one attempt) of `eventId`. */
    async function deliveryOf(eventId: string): Promise<string> {
      const endpointId = randomUUID();
      await knex()('webhook_endpoints').insert({ id: endpointId, project_id: projectUuid(), url: 'https://hooks.example.com/roster' });
      const deliveryId = randomUUID();
      await knex()('webhook_deliveries').insert({
        id: deliveryId,
        project_id: projectUuid(),
        endpoint_id: endpointId,
        event_id: bare(eventId),
        object_id: 'x',
      });
      await knex()('webhook_attempts').insert({ delivery_id: deliveryId, status_code: 500, latency_ms: 12 });
      return deliveryId;
    }

    it('is scheduled hourly on the maintenance queue', () => {
      expect(SCHEDULES).toContainEqual({ queue: 'maintenance', job: 'events.purge', everyMs: 3600_000 });
    });

    it("deletes only events older than the retention, every project's, with their deliveries, in batches", async () => {
      const other = await ctx.app.newProject();
      const old = await record([memberChange(), memberChange(), memberChange(), memberChange()]);
      const oldOfOther = await record([memberChange()], apiKey(other), other);
      const recent = await record([memberChange(), memberChange()]);
      await backdate([...old, ...oldOfOther], retentionDays() + 1);
      // A day short of the retention: kept.
      await backdate([recent[0]], retentionDays() - 1);
      const oldDelivery = await deliveryOf(old[0]);
      const keptDelivery = await deliveryOf(recent[0]);

      const outcome = await new EventRetention(knex(), new EventQueryRepository(), retentionDays(), 2).purge();

      expect(outcome).toEqual({ events: 5, batches: 3 });
      expect(await remaining([...old, ...oldOfOther, ...recent])).toEqual(recent);
      expect(await knex()('webhook_deliveries').whereIn('id', [oldDelivery, keptDelivery]).pluck('id')).toEqual([keptDelivery]);
      expect(await knex()('webhook_attempts').whereIn('delivery_id', [oldDelivery, keptDelivery]).pluck('delivery_id')).toEqual([
        keptDelivery,
      ]);
    });

    it('runs as the events.purge job, and a second run finds nothing', async () => {
      const old = await record([memberChange(), memberChange(), memberChange()]);
      const kept = await record(memberChange());
      await backdate(old, retentionDays() + 30);

      expect(await maintenance.run('events.purge')).toEqual({ events: 3, batches: 1 });
      expect(await remaining([...old, ...kept])).toEqual(kept);
      expect(await maintenance.run('events.purge')).toEqual({ events: 0, batches: 1 });
    });

    it('deletes each old event exactly once when two purges run at the same time', async () => {
      const old = await record(Array.from({ length: 30 }, () => memberChange()));
      await backdate(old, retentionDays() + 1);
      const retention = new EventRetention(knex(), new EventQueryRepository(), retentionDays(), 4);

      const outcomes = await Promise.all([retention.purge(), retention.purge()]);

      expect(outcomes[0].events + outcomes[1].events).toBe(30);
      expect(await remaining(old)).toEqual([]);
    });
  });

  describe('the CLI: roster events', () => {
    const env = () => ({ ...cliEnv(ctx.app), ROSTER_PROJECT_ID: project.projectId, ROSTER_PROJECT_SECRET: project.secret });
    const roster = (...args: string[]) => runCli(args, env());

    it('prints a table of the latest events, newest first, and takes the filters', async () => {
      const memberId = publicOf('member');
      const [created] = await record({ objectType: 'member', action: 'CREATE', objectId: memberId });
      const scim: EventActor = { source: 'SCIM', type: 'scim_connection', id: publicOf('scim-connection') };
      const [deleted] = await record({ objectType: 'member', action: 'DELETE', objectId: publicOf('member') }, scim);

      const run = await roster('events');
      expect(run.code).toBe(0);
      const [header, ...rows] = lines(run.stdout);
      expect(header.split(/\s+/)).toEqual(['time', 'name', 'object', 'actor', 'source']);
      expect(rows).toHaveLength(2);
      expect(rows.map((row) => row.split(/\s+/).slice(1))).toContainEqual([
        'direct.member.create',
        memberId,
        `api_key:${project.projectId}`,
        'DIRECT',
      ]);
      expect(run.stderr).toContain('2 events');

      const filtered = await roster('events', '--type', 'scim.member.*', '--source', 'SCIM', '--since', '1h', '--json');
      expect(filtered.code).toBe(0);
      expect((JSON.parse(filtered.stdout) as PageBody).events.map((e) => e.event_id)).toEqual([deleted]);
      const byObject = await roster('events', '--object', memberId, '--json');
      expect((JSON.parse(byObject.stdout) as PageBody).events.map((e) => e.event_id)).toEqual([created]);
    });

    it('pages with --limit and --cursor, and says how to get the next page', async () => {
      const changes = [memberChange(), memberChange(), memberChange()];
      await record(changes);
      const first = await roster('events', '--limit', '2');
      const cursor = /--cursor (\S+)/.exec(first.stderr)![1];
      const second = await roster('events', '--limit', '2', '--cursor', cursor, '--json');
      const listed = [
        ...lines(first.stdout)
          .slice(1)
          .map((row) => row.split(/\s+/)[2]),
        ...(JSON.parse(second.stdout) as PageBody).events.map((e) => e.object_id),
      ];
      expect(listed.sort()).toEqual(changes.map((change) => change.objectId).sort());
    });

    it('refuses a bad filter with the API error, and a bad duration before asking', async () => {
      const run = await roster('events', '--type', 'no.such.thing');
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('invalid_event_type');
      const since = await roster('events', '--since', 'last tuesday');
      expect(since.code).not.toBe(0);
      expect(since.stderr).toMatch(/--since/);
    });

    it('--follow prints new events as they happen', async () => {
      const before = memberChange();
      await record(before);
      const child = spawn(process.execPath, [ROSTER_BIN, 'events', '--follow'], {
        env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', ...env() },
      });
      let stdout = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      try {
        await eventually(() => stdout.includes(before.objectId), { what: 'the latest event printed', timeoutMs: 15_000 });
        const fresh = memberChange('CREATE');
        await record(fresh);
        await eventually(() => stdout.includes(fresh.objectId), { what: 'the new event printed', timeoutMs: 15_000 });
        // Each event once, oldest first.
        const rows = lines(stdout).filter((line) => line.includes('direct.member.'));
        expect(rows).toHaveLength(2);
        expect(rows[0]).toContain(before.objectId);
        expect(rows[1]).toContain(fresh.objectId);
      } finally {
        child.kill('SIGINT');
      }
    });
  });
});
