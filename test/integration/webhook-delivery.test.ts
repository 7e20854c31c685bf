import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { formatId, uuidv7 } from '../../src/ids';
import { SCHEDULES } from '../../src/queues/registry';
import type { EventActor, EventInput } from '../../src/services/events/event-types';
import type { ProjectContext } from '../../src/services/project-context';
import { useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';
import { eventually, eventuallyValue } from '../helpers/eventually';
import { insertEndpoint, newSigningSecret, WebhookReceiver, type ReceivedWebhook } from '../helpers/webhook-receiver';

const DIRECT: EventActor = { source: 'DIRECT', type: 'api_key', id: null };
const MIGRATION: EventActor = { source: 'MIGRATION', type: 'job', id: 'job-test-00000000-0000-7000-8000-000000000000' };
const TIMEOUT_MS = 1500;

describe('webhook delivery', () => {
  const ctx = useTestApp(
    {
      WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
      // Four attempts, compressed: the tests watch retries without waiting minutes.
      WEBHOOK_RETRY_SCHEDULE: '0,100ms,100ms,100ms',
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    },
    { workers: true },
  );
  const receiver = new WebhookReceiver();
  const knex = () => ctx.app.container.knex;
  let project: ProjectContext;

  beforeAll(async () => {
    await receiver.start();
    project = await ctx.app.container.projects.find(ctx.app.project.projectId);
  });
  afterAll(() => receiver.stop());

  const memberId = () => formatId('member', 'test', uuidv7());

  /** Records one event (its own transaction, like a change would) as `actor`; answers its public id. */
  async function record(objectId: string, actor: EventActor = DIRECT, input: Partial<EventInput> = {}): Promise<string> {
    const [id] = await ctx.app.container.eventLog.record(
      knex(),
      { ...project, actor },
      {
        objectType: 'member',
        action: 'UPDATE',
        objectId,
        object: { member_id: objectId, name: 'Ada' },
        ...input,
      },
    );
    return formatId('event', 'test', id);
  }

  async function newEndpoint(options: Parameters<typeof insertEndpoint>[3] = {}) {
    const { path, url } = receiver.newPath();
    const endpoint = await insertEndpoint(knex(), project, url, options);
    return { ...endpoint, path, url };
  }

  const eventOf = (request: ReceivedWebhook) => JSON.parse(request.body) as { event_id: string; id: string };

  async function deliveryOf(endpointId: string, eventPublicId: string) {
    const eventId = eventPublicId.replace(/^event-test-/, '');
    return knex()('webhook_deliveries').where({ endpoint_id: endpointId, event_id: eventId }).first();
  }

  async function settled(endpointId: string, eventPublicId: string, status: 'succeeded' | 'failed') {
    return eventuallyValue(
      () => deliveryOf(endpointId, eventPublicId),
      (row) => row?.status === status,
      { what: `delivery of ${eventPublicId} ${status}` },
    );
  }

  it('delivers an event signed by Standard Webhooks, verifiable with the standardwebhooks library', async () => {
    const endpoint = await newEndpoint();
    const eventId = await record(memberId());

    const [request] = await receiver.waitFor(endpoint.path, 1);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('Roster-Webhooks/1');
    expect(request.headers['webhook-id']).toBe(eventId);
    const verified = new Webhook(endpoint.secret).verify(request.body, request.headers) as Record<string, unknown>;
    expect(verified).toMatchObject({ event_id: eventId, action: 'UPDATE', object_type: 'member', source: 'DIRECT', vertical: 'B2B' });
    // Another secret does not verify it.
    expect(() => new Webhook(newSigningSecret()).verify(request.body, request.headers)).toThrow();

    const delivery = await settled(endpoint.id, eventId, 'succeeded');
    expect(delivery).toMatchObject({ attempt_count: 1, last_status_code: 200, next_attempt_at: null });
  });

  it('signs with every unexpired secret during a rotation, so both the old and the new secret verify', async () => {
    const old = newSigningSecret();
    const expired = newSigningSecret();
    const endpoint = await newEndpoint({
      extraSecrets: [
        { secret: old, expiresAt: new Date(Date.now() + 3600_000) },
        { secret: expired, expiresAt: new Date(Date.now() - 1000) },
      ],
    });
    await record(memberId());

    const [request] = await receiver.waitFor(endpoint.path, 1);
    expect(request.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(endpoint.secret).verify(request.body, request.headers)).toBeTruthy();
    expect(new Webhook(old).verify(request.body, request.headers)).toBeTruthy();
    expect(() => new Webhook(expired).verify(request.body, request.headers)).toThrow();
  });

  it('retries a 500 on the schedule, recording each attempt, until the endpoint answers 2xx', async () => {
    const endpoint = await newEndpoint();
    receiver.script(endpoint.path, { status: 500, body: 'boom' }, { status: 500, body: 'boom again' });
    const eventId = await record(memberId());

    const delivery = await settled(endpoint.id, eventId, 'succeeded');
    expect(delivery).toMatchObject({ attempt_count: 3, last_status_code: 200 });
    const requests = receiver.requests(endpoint.path);
    expect(requests.map((r) => r.headers['webhook-id'])).toEqual([eventId, eventId, eventId]);

    const res = await ctx.app.http('GET', `/v1/b2b/webhooks/deliveries/${formatId('webhook-delivery', 'test', delivery.id)}`);
    expect(res.status).toBe(200);
    expect(res.body.delivery.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 200]);
    expect(res.body.delivery.attempts[0]).toMatchObject({ response_excerpt: 'boom', error: null });
    expect(res.body.delivery.attempts[0].latency_ms).toEqual(expect.any(Number));
    // A failure set failing_since; the success cleared it.
    expect(await knex()('webhook_endpoints').where({ id: endpoint.id }).first()).toMatchObject({ failing_since: null, status: 'enabled' });
  });

  it('gives up after the last attempt of the schedule and marks the delivery failed', async () => {
    const endpoint = await newEndpoint();
    receiver.answer(endpoint.path, { status: 502 });
    const eventId = await record(memberId());

    const delivery = await settled(endpoint.id, eventId, 'failed');
    expect(delivery).toMatchObject({ attempt_count: 4, last_status_code: 502, next_attempt_at: null });
    expect(receiver.requests(endpoint.path)).toHaveLength(4);
    const row = await knex()('webhook_endpoints').where({ id: endpoint.id }).first();
    expect(row.failing_since).toBeInstanceOf(Date);
    expect(row.status).toBe('enabled');
  });

  it("honours a 503's Retry-After: the next attempt is not due before it", async () => {
    const endpoint = await newEndpoint();
    receiver.script(endpoint.path, { status: 503, headers: { 'retry-after': '3600' } });
    const eventId = await record(memberId());

    const delivery = await eventuallyValue(
      () => deliveryOf(endpoint.id, eventId),
      (row) => row?.attempt_count === 1,
      { what: 'first attempt recorded' },
    );
    const [attempt] = await knex()('webhook_attempts').where({ delivery_id: delivery.id });
    expect(attempt.status_code).toBe(503);
    expect(delivery.status).toBe('pending');
    expect(delivery.next_attempt_at.getTime() - attempt.attempted_at.getTime()).toBeGreaterThanOrEqual(3600_000);
    expect(receiver.requests(endpoint.path)).toHaveLength(1);
  });

  it('disables an endpoint that answers 410 Gone and stops its pending deliveries', async () => {
    const endpoint = await newEndpoint();
    receiver.script(endpoint.path, { status: 410 });
    const objectId = memberId();
    const first = await record(objectId);
    const second = await record(objectId);
    const [earlier, later] = [first, second].sort();

    await settled(endpoint.id, earlier, 'failed');
    expect(await knex()('webhook_endpoints').where({ id: endpoint.id }).first()).toMatchObject({
      status: 'disabled',
      disabled_reason: 'gone',
    });
    // The later event waited behind the first and was stopped with it, never sent.
    expect(await settled(endpoint.id, later, 'failed')).toMatchObject({ attempt_count: 0 });
    expect(receiver.requests(endpoint.path).map((r) => r.headers['webhook-id'])).toEqual([earlier]);
  });

  it('sends the events of one object in event order, while other objects go on', async () => {
    const endpoint = await newEndpoint();
    const a = memberId();
    const b = memberId();
    const aEvents: string[] = [];
    for (let i = 0; i < 3; i++) aEvents.push(await record(a));
    const bEvents = [await record(b), await record(b)];
    aEvents.sort();
    // The first event of A fails until both of B's have arrived: were B held up behind A, it never would.
    receiver.answer(endpoint.path, (request, all) => {
      const event = eventOf(request);
      const bSeen = all.filter((r) => r.path === endpoint.path && eventOf(r).id === b).length;
      return event.event_id === aEvents[0] && bSeen < 2 ? { status: 500 } : { status: 200 };
    });

    for (const eventId of [...aEvents, ...bEvents]) await settled(endpoint.id, eventId, 'succeeded');
    const ofA = receiver.requests(endpoint.path).filter((r) => eventOf(r).id === a);
    const collapsed = ofA.map((r) => eventOf(r).event_id).filter((id, i, ids) => i === 0 || ids[i - 1] !== id);
    expect(collapsed).toEqual(aEvents);
    expect(ofA.filter((r) => eventOf(r).event_id === aEvents[0]).length).toBeGreaterThanOrEqual(2);
    expect(
      receiver
        .requests(endpoint.path)
        .filter((r) => eventOf(r).id === b)
        .map((r) => eventOf(r).event_id),
    ).toEqual([...bEvents].sort());
  });

  describe('when the later event of an object is fanned out first', () => {
    /** Records an event whose dispatch the test runs itself: its outbox entry is dropped before the change commits. */
    async function recordUndispatched(objectId: string, input: Partial<EventInput> = {}): Promise<string> {
      return knex().transaction(async (trx) => {
        const [id] = await ctx.app.container.eventLog.record(
          trx,
          { ...project, actor: DIRECT },
          { objectType: 'member', action: 'UPDATE', objectId, object: { member_id: objectId }, ...input },
        );
        await trx('outbox')
          .where({ queue_job_id: `events.dispatch.${id}` })
          .delete();
        return id;
      });
    }
    const dispatch = (eventId: string) => ctx.app.container.webhookDelivery.fanOut([eventId]);
    const publicId = (id: string) => formatId('event', 'test', id);

    it('holds its delivery until the earlier event is fanned out, then sends both in event order', async () => {
      const endpoint = await newEndpoint({ eventTypes: ['direct.member.update'] });
      const member = memberId();
      const earlier = await recordUndispatched(member);
      const later = await recordUndispatched(member);

      expect(await dispatch(later)).toMatchObject({ queued: 0 });
      const waiting = await deliveryOf(endpoint.id, publicId(later));
      expect(await ctx.app.container.webhookDelivery.deliver(waiting.id)).toEqual({ attempted: false });
      expect(await knex()('webhook_attempts').where({ delivery_id: waiting.id })).toHaveLength(0);

      await dispatch(earlier);
      await settled(endpoint.id, publicId(later), 'succeeded');
      expect(receiver.requests(endpoint.path).map((r) => eventOf(r).event_id)).toEqual([publicId(earlier), publicId(later)]);
    });

    it('sends the waiting delivery once the earlier event is fanned out, though that event goes nowhere', async () => {
      const endpoint = await newEndpoint({ eventTypes: ['direct.member.update'] });
      const member = memberId();
      const created = await recordUndispatched(member, { action: 'CREATE' });
      const updated = await recordUndispatched(member);

      await dispatch(updated);
      const waiting = await deliveryOf(endpoint.id, publicId(updated));
      expect(await ctx.app.container.webhookDelivery.deliver(waiting.id)).toEqual({ attempted: false });

      // No delivery of its own for this endpoint: the fan-out re-checks the object's chains, so no sweep is needed.
      await dispatch(created);
      expect(await deliveryOf(endpoint.id, publicId(created))).toBeUndefined();
      await settled(endpoint.id, publicId(updated), 'succeeded');
      expect(receiver.requests(endpoint.path).map((r) => eventOf(r).event_id)).toEqual([publicId(updated)]);
    });

    it('the sweep fans out an event whose dispatch never ran, releasing the deliveries held behind it', async () => {
      const endpoint = await newEndpoint({ eventTypes: ['direct.member.update'] });
      const member = memberId();
      const lost = await recordUndispatched(member);
      const later = await recordUndispatched(member);
      await dispatch(later);
      // The lost event's dispatch job failed for good minutes ago.
      await knex()('events')
        .where({ id: lost })
        .update({ created_at: knex().raw("now() - interval '10 minutes'") });
      // An endpoint gets only events made after it: this one was there before.
      await knex()('webhook_endpoints')
        .where({ id: endpoint.id })
        .update({ created_at: knex().raw("now() - interval '1 hour'") });

      await ctx.app.container.webhookDelivery.sweep();
      await settled(endpoint.id, publicId(later), 'succeeded');
      expect(receiver.requests(endpoint.path).map((r) => eventOf(r).event_id)).toEqual([publicId(lost), publicId(later)]);
    });

    it('disabling an endpoint by hand fails its pending deliveries, so re-enabling it sends no backlog', async () => {
      const endpoint = await newEndpoint({ eventTypes: ['direct.member.update'] });
      const member = memberId();
      await recordUndispatched(member); // not fanned out: the next event's delivery waits behind it, pending
      const held = await recordUndispatched(member);
      await dispatch(held);
      const pending = await deliveryOf(endpoint.id, publicId(held));
      expect(pending.status).toBe('pending');

      const endpointId = formatId('webhook-endpoint', 'test', endpoint.id);
      await ctx.app.container.webhookEndpoints.update({ ...project, actor: DIRECT }, endpointId, { status: 'disabled' });
      expect(await deliveryOf(endpoint.id, publicId(held))).toMatchObject({ status: 'failed', next_attempt_at: null });
      await ctx.app.container.webhookEndpoints.update({ ...project, actor: DIRECT }, endpointId, { status: 'enabled' });
      expect(await deliveryOf(endpoint.id, publicId(held))).toMatchObject({ status: 'failed' });
    });
  });

  it('follows no redirect and keeps only the first KiB of an answer', async () => {
    const endpoint = await newEndpoint();
    const elsewhere = receiver.newPath();
    receiver.script(endpoint.path, { status: 307, headers: { location: elsewhere.url }, body: 'x'.repeat(5000) });
    const eventId = await record(memberId());

    const delivery = await settled(endpoint.id, eventId, 'succeeded');
    const attempts = await knex()('webhook_attempts').where({ delivery_id: delivery.id }).orderBy('id');
    expect(attempts.map((a) => a.status_code)).toEqual([307, 200]);
    expect(attempts[0].response_excerpt).toBe('x'.repeat(1024));
    expect(receiver.requests(elsewhere.path)).toEqual([]);
  });

  it('delivers only subscribed events, and bulk per-member events only to endpoints that name them', async () => {
    const everything = await newEndpoint();
    const named = await newEndpoint({ eventTypes: ['migration.member.create'] });
    const bulk = await record(memberId(), MIGRATION, { action: 'CREATE' });
    const direct = await record(memberId());

    await settled(named.id, bulk, 'succeeded');
    await settled(everything.id, direct, 'succeeded');
    expect(await deliveryOf(everything.id, bulk)).toBeUndefined();
    expect(await deliveryOf(named.id, direct)).toBeUndefined();
    expect(receiver.requests(named.path).map((r) => r.headers['webhook-id'])).toEqual([bulk]);
  });

  it('records an endpoint slower than the timeout as a timed-out attempt', async () => {
    const endpoint = await newEndpoint();
    receiver.script(endpoint.path, { delayMs: TIMEOUT_MS * 3 });
    const eventId = await record(memberId());

    const delivery = await eventuallyValue(
      () => deliveryOf(endpoint.id, eventId),
      (row) => row !== undefined && row.attempt_count >= 1,
      { what: 'first attempt recorded' },
    );
    const [attempt] = await knex()('webhook_attempts').where({ delivery_id: delivery.id }).orderBy('id');
    expect(attempt.status_code).toBeNull();
    expect(attempt.error).toMatch(/timeout/);
    // The retry then goes through.
    await settled(endpoint.id, eventId, 'succeeded');
  });

  it('never sends one delivery twice at once, however many workers hold its job', async () => {
    // Written here with no queue entry, so that only the contenders below hold it.
    const endpoint = await newEndpoint({ eventTypes: ['direct.organization.delete'] });
    receiver.answer(endpoint.path, { delayMs: 300 });
    const eventId = await record(memberId());
    const deliveryId = uuidv7();
    await knex()('webhook_deliveries').insert({
      id: deliveryId,
      project_id: project.id,
      endpoint_id: endpoint.id,
      event_id: eventId.replace(/^event-test-/, ''),
      object_id: 'member-test-contended',
      next_attempt_at: new Date(),
    });

    const results = await Promise.all(Array.from({ length: 6 }, () => ctx.app.container.webhookDelivery.deliver(deliveryId)));
    expect(results.filter((r) => r.attempted)).toHaveLength(1);
    await settled(endpoint.id, eventId, 'succeeded');
    expect(receiver.requests(endpoint.path)).toHaveLength(1);
    expect(await knex()('webhook_attempts').where({ delivery_id: deliveryId })).toHaveLength(1);
  });

  it('the sweep re-queues a due delivery whose queue entry was lost', async () => {
    // An endpoint that takes nothing by subscription: its delivery is written here, with no queue entry, as if Redis had lost it.
    const endpoint = await newEndpoint({ eventTypes: ['direct.organization.delete'] });
    const eventId = await record(memberId());
    await knex()('webhook_deliveries').insert({
      id: uuidv7(),
      project_id: project.id,
      endpoint_id: endpoint.id,
      event_id: eventId.replace(/^event-test-/, ''),
      object_id: 'member-test-swept',
      next_attempt_at: new Date(Date.now() - 60_000),
    });

    expect(SCHEDULES).toContainEqual({ queue: 'maintenance', job: 'webhooks.sweep', everyMs: 60_000 });
    await ctx.app.container.producer.ensure('webhooks.sweep', {}, `webhooks.sweep.${randomUUID()}`);
    await receiver.waitFor(endpoint.path, 1);
    await settled(endpoint.id, eventId, 'succeeded');
  });

  it('the sweep disables an endpoint failing for days, stopping its deliveries, and spares one failing briefly', async () => {
    const failing = await newEndpoint({ eventTypes: ['direct.organization.delete'] });
    const brief = await newEndpoint({ eventTypes: ['direct.organization.delete'] });
    await knex()('webhook_endpoints')
      .where({ id: failing.id })
      .update({ failing_since: new Date(Date.now() - 6 * 24 * 3600_000) });
    await knex()('webhook_endpoints')
      .where({ id: brief.id })
      .update({ failing_since: new Date(Date.now() - 24 * 3600_000) });
    const eventId = await record(memberId());
    await knex()('webhook_deliveries').insert({
      id: uuidv7(),
      project_id: project.id,
      endpoint_id: failing.id,
      event_id: eventId.replace(/^event-test-/, ''),
      object_id: 'member-test-failing',
      next_attempt_at: new Date(Date.now() + 3600_000),
    });

    const result = await ctx.app.container.webhookDelivery.sweep();
    expect(result.disabled).toBeGreaterThanOrEqual(1);
    expect(await knex()('webhook_endpoints').where({ id: failing.id }).first()).toMatchObject({
      status: 'disabled',
      disabled_reason: 'failing',
    });
    expect(await knex()('webhook_endpoints').where({ id: brief.id }).first()).toMatchObject({ status: 'enabled', disabled_reason: null });
    expect(await deliveryOf(failing.id, eventId)).toMatchObject({ status: 'failed', next_attempt_at: null });
  });

  describe('API', () => {
    const deliveryPath = (id: string) => `/v1/b2b/webhooks/deliveries/${formatId('webhook-delivery', 'test', id)}`;

    it('lists an endpoint’s deliveries newest first, a page at a time, filtered by status', async () => {
      const endpoint = await newEndpoint();
      receiver.script(endpoint.path, { status: 410 });
      const first = await record(memberId());
      await settled(endpoint.id, first, 'failed');
      await knex()('webhook_endpoints').where({ id: endpoint.id }).update({ status: 'enabled', disabled_reason: null });
      const second = await record(memberId());
      await settled(endpoint.id, second, 'succeeded');

      const base = `/v1/b2b/webhooks/endpoints/${endpoint.publicId}/deliveries`;
      const page1 = await ctx.app.http('GET', `${base}?limit=1`);
      expect(page1.status).toBe(200);
      expect(page1.body.results_metadata.total).toBe(2);
      expect(page1.body.deliveries).toHaveLength(1);
      expect(page1.body.deliveries[0]).toMatchObject({
        event_id: second,
        event_name: 'direct.member.update',
        endpoint_id: endpoint.publicId,
        status: 'succeeded',
        attempt_count: 1,
        last_status_code: 200,
        next_attempt_at: null,
      });
      const page2 = await ctx.app.http('GET', `${base}?limit=1&cursor=${page1.body.results_metadata.next_cursor}`);
      expect(page2.body.deliveries.map((d: { event_id: string }) => d.event_id)).toEqual([first]);
      expect(page2.body.results_metadata.next_cursor).toBeNull();

      const failed = await ctx.app.http('GET', `${base}?status=failed`);
      expect(failed.body.deliveries.map((d: { event_id: string; last_status_code: number }) => [d.event_id, d.last_status_code])).toEqual([
        [first, 410],
      ]);
    });

    it('refuses a bad status filter or cursor with a 400', async () => {
      const endpoint = await newEndpoint({ eventTypes: ['direct.organization.delete'] });
      const base = `/v1/b2b/webhooks/endpoints/${endpoint.publicId}/deliveries`;
      expectErrorEnvelope((await ctx.app.http('GET', `${base}?status=lost`)).body, 400, 'invalid_webhook_delivery_status');
      expectErrorEnvelope((await ctx.app.http('GET', `${base}?cursor=nonsense`)).body, 400, 'invalid_cursor');
    });

    it('replays a delivered event once, however many callers ask at the same time', async () => {
      const endpoint = await newEndpoint();
      const eventId = await record(memberId());
      const delivery = await settled(endpoint.id, eventId, 'succeeded');

      const replies = await Promise.all(
        Array.from({ length: 5 }, () => ctx.app.http('POST', `${deliveryPath(delivery.id)}/replay`, { body: {} })),
      );
      for (const reply of replies) {
        expect(reply.status).toBe(200);
        expect(reply.body.delivery.delivery_id).toBe(formatId('webhook-delivery', 'test', delivery.id));
      }
      await eventually(async () => (await deliveryOf(endpoint.id, eventId)).attempt_count === 2, { what: 'replayed attempt' });
      await settled(endpoint.id, eventId, 'succeeded');
      const requests = receiver.requests(endpoint.path);
      expect(requests.map((r) => r.headers['webhook-id'])).toEqual([eventId, eventId]);
      expect(new Webhook(endpoint.secret).verify(requests[1].body, requests[1].headers)).toMatchObject({ event_id: eventId });
    });

    it('refuses to replay a delivery of a disabled endpoint, changing nothing', async () => {
      const endpoint = await newEndpoint();
      receiver.script(endpoint.path, { status: 410 });
      const eventId = await record(memberId());
      const delivery = await settled(endpoint.id, eventId, 'failed');

      const res = await ctx.app.http('POST', `${deliveryPath(delivery.id)}/replay`, { body: {} });
      expectErrorEnvelope(res.body, 400, 'webhook_endpoint_disabled');
      expect(await deliveryOf(endpoint.id, eventId)).toMatchObject({ status: 'failed', attempt_count: 1 });
    });

    it("answers 404 for another project's deliveries and endpoints", async () => {
      const endpoint = await newEndpoint();
      const eventId = await record(memberId());
      const delivery = await settled(endpoint.id, eventId, 'succeeded');
      const other = await ctx.app.newProject();
      const auth = { projectId: other.projectId, secret: other.secret };

      expectErrorEnvelope((await ctx.app.http('GET', deliveryPath(delivery.id), { auth })).body, 404, 'webhook_delivery_not_found');
      expectErrorEnvelope(
        (await ctx.app.http('POST', `${deliveryPath(delivery.id)}/replay`, { body: {}, auth })).body,
        404,
        'webhook_delivery_not_found',
      );
      expectErrorEnvelope(
        (await ctx.app.http('GET', `/v1/b2b/webhooks/endpoints/${endpoint.publicId}/deliveries`, { auth })).body,
        404,
        'webhook_endpoint_not_found',
      );
      expectErrorEnvelope(
        (await ctx.app.http('GET', '/v1/b2b/webhooks/deliveries/webhook-delivery-test-nope')).body,
        404,
        'webhook_delivery_not_found',
      );
      expect(await deliveryOf(endpoint.id, eventId)).toMatchObject({ attempt_count: 1 });
    });
  });
});
