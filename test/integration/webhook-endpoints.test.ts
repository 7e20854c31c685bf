import { Webhook } from 'standardwebhooks';
import { parseId, parseProjectId, uuidv7 } from '../../src/ids';
import { WebhookEndpointRepository } from '../../src/repositories/webhook-endpoint.repository';
import { MAX_WEBHOOK_ENDPOINTS, SECRET_ROLLOVER_MS } from '../../src/services/webhooks/webhook-endpoints';
import { TestProject, useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';

const PATH = '/v1/b2b/webhooks/endpoints';
const RECEIVER = 'https://hooks.example.com/roster';

interface EndpointBody {
  endpoint_id: string;
  url: string;
  description: string;
  event_types: string[];
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  disabled_at: string | null;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

describe("Roster's webhook endpoints API", () => {
  const ctx = useTestApp();
  const knex = () => ctx.app.container.knex;
  const repository = new WebhookEndpointRepository();
  let project: TestProject;

  // Each test works in a project of its own: listings and the cap see only its endpoints.
  beforeEach(async () => {
    project = await ctx.app.newProject();
  });

  const call = (method: string, path: string, body?: unknown, as: TestProject = project) =>
    ctx.app.http(method, path, { body, auth: { projectId: as.projectId, secret: as.secret } });

  async function create(
    body: Record<string, unknown> = {},
    as: TestProject = project,
  ): Promise<{ endpoint: EndpointBody; secret: string }> {
    const response = await call('POST', PATH, { url: RECEIVER, ...body }, as);
    if (response.status !== 200) throw new Error(`create: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as { endpoint: EndpointBody; secret: string };
  }

  const bareId = (endpointId: string) => parseId('webhook-endpoint', 'test', endpointId)!;
  const storedEndpoint = (endpointId: string) =>
    knex()('webhook_endpoints')
      .where({ id: bareId(endpointId) })
      .first();
  const storedSecrets = (endpointId: string) => knex()('webhook_endpoint_secrets').where({ endpoint_id: bareId(endpointId) });
  const signingSecrets = (endpointId: string, at = new Date()) => repository.signingSecrets(knex(), bareId(endpointId), at);
  const endpointCount = (of: TestProject = project) =>
    knex()('webhook_endpoints')
      .where({ project_id: parseProjectId(of.projectId)!.uuid })
      .count({ n: '*' })
      .first()
      .then((row) => Number(row!.n));

  /** A secret Standard Webhooks receivers accept: a message signed with it verifies with it. */
  function expectUsableSecret(secret: string): void {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    const webhook = new Webhook(secret);
    const timestamp = new Date();
    const signature = webhook.sign('msg_1', timestamp, '{"ok":true}');
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    };
    expect(webhook.verify('{"ok":true}', headers)).toEqual({ ok: true });
  }

  describe('create, get, list', () => {
    it('creates an enabled endpoint and shows its signing secret once', async () => {
      const response = await call('POST', PATH, {
        url: RECEIVER,
        description: 'CRM sync',
        event_types: ['direct.member.create', 'scim.member.update', 'job.completed'],
      });

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        request_id: expect.stringMatching(/^request-id-/),
        status_code: 200,
        secret: expect.any(String),
        endpoint: {
          endpoint_id: expect.stringMatching(/^webhook-endpoint-test-[0-9a-f-]{36}$/),
          url: RECEIVER,
          description: 'CRM sync',
          event_types: ['direct.member.create', 'scim.member.update', 'job.completed'],
          status: 'enabled',
          disabled_reason: null,
          disabled_at: null,
          failing_since: null,
          created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
          updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        },
      });
      const { endpoint, secret } = response.body;
      expectUsableSecret(secret);
      expect(await signingSecrets(endpoint.endpoint_id)).toEqual([secret]);

      const fetched = await call('GET', `${PATH}/${endpoint.endpoint_id}`);
      expect(fetched.status).toBe(200);
      expect(fetched.body.endpoint).toEqual(endpoint);
      expect(JSON.stringify(fetched.body)).not.toContain(secret.slice('whsec_'.length));
    });

    it('defaults to no description and every event, and keeps each event type once in the order given', async () => {
      const everything = await create();
      expect(everything.endpoint).toEqual(expect.objectContaining({ description: '', event_types: [] }));

      const named = await create({ event_types: ['job.failed', 'direct.member.delete', 'job.failed', 'direct.member.delete'] });
      expect(named.endpoint.event_types).toEqual(['job.failed', 'direct.member.delete']);
      expect((await storedEndpoint(named.endpoint.endpoint_id)).event_types).toEqual(['job.failed', 'direct.member.delete']);
    });

    it('gives every endpoint a secret of its own', async () => {
      const [a, b] = await Promise.all([create(), create()]);

      expect(a.secret).not.toBe(b.secret);
    });

    it("lists the project's endpoints newest first", async () => {
      const first = await create({ description: 'first' });
      const second = await create({ description: 'second' });
      const third = await create({ description: 'third' });

      const response = await call('GET', PATH);

      expect(response.status).toBe(200);
      expect(response.body.endpoints).toEqual([third.endpoint, second.endpoint, first.endpoint]);
    });

    it('answers an empty list for a project without endpoints', async () => {
      const response = await call('GET', PATH);

      expect(response.status).toBe(200);
      expect(response.body.endpoints).toEqual([]);
    });
  });

  describe('the event type catalogue', () => {
    it("lists Stytch's source.object_type.action names, the bulk per-member ones and Roster's job events, each once", async () => {
      const response = await call('GET', '/v1/b2b/webhooks/event_types');

      expect(response.status).toBe(200);
      const names: string[] = response.body.event_types;
      expect(names).toEqual(
        expect.arrayContaining([
          'direct.organization.create',
          'direct.member.update',
          'scim.member.delete',
          'dashboard.saml_connection.update',
          'direct.member_session.delete',
          'migration.member.create',
          'job.queued',
          'job.completed',
          'job.failed',
        ]),
      );
      expect(new Set(names).size).toBe(names.length);
      // Jobs' events carry Roster's names only.
      expect(names.filter((name) => name.includes('.job.'))).toEqual([]);
    });

    it('accepts every name of the catalogue as an event type', async () => {
      const { body } = await call('GET', '/v1/b2b/webhooks/event_types');

      const { endpoint } = await create({ event_types: body.event_types });

      expect(endpoint.event_types).toEqual(body.event_types);
    });
  });

  describe('validation', () => {
    const ok = { url: RECEIVER };
    // Complete request bodies, each wrong in one way.
    // Every row has all four values: jest would take a missing fourth argument for a done callback.
    type BadRequest = [name: string, body: Record<string, unknown>, errorType: string, message: RegExp];
    const badCreates: BadRequest[] = [
      ['no url', { description: 'x' }, 'invalid_webhook_url', /url is required/],
      ['a url that is not a string', { url: 42 }, 'invalid_webhook_url', /^url must be string/],
      ['an empty url', { url: '' }, 'invalid_webhook_url', /^url must NOT have fewer than 1 characters/],
      ['a relative url', { url: '/hooks' }, 'invalid_webhook_url', /absolute URL/],
      ['a url of another scheme', { url: 'ftp://hooks.example.com/x' }, 'invalid_webhook_url', /https/],
      ['a plain http url (private addresses are not allowed here)', { url: 'http://hooks.example.com/x' }, 'invalid_webhook_url', /https/],
      ['a url with credentials', { url: 'https://user:pass@hooks.example.com/x' }, 'invalid_webhook_url', /credentials/],
      ['a url with a user name only', { url: 'https://user@hooks.example.com/x' }, 'invalid_webhook_url', /credentials/],
      ['a url with a line break', { url: 'https://hooks.example.com/a\nb' }, 'invalid_webhook_url', /control characters/],
      [
        'a url over 2048 characters',
        { url: `https://hooks.example.com/${'a'.repeat(2030)}` },
        'invalid_webhook_url',
        /more than 2048 characters/,
      ],
      [
        'an unknown event type',
        { ...ok, event_types: ['direct.member.create', 'member.created'] },
        'invalid_webhook_event_type',
        /"member\.created"/,
      ],
      [
        'event types that are not a list',
        { ...ok, event_types: 'direct.member.create' },
        'invalid_webhook_event_type',
        /^event_types must be array/,
      ],
      ['an event type that is not a string', { ...ok, event_types: [7] }, 'invalid_webhook_event_type', /^event_types\.0 must be string/],
      ['a two-line description', { ...ok, description: 'a\nb' }, 'invalid_webhook_description', /^description /],
      [
        'a description over 500 characters',
        { ...ok, description: 'd'.repeat(501) },
        'invalid_webhook_description',
        /more than 500 characters/,
      ],
    ];

    it.each(badCreates)('refuses to create with %s, and creates nothing', async (_, body, errorType, message) => {
      const response = await call('POST', PATH, body);

      expect(response.status).toBe(400);
      expectErrorEnvelope(response.body, 400, errorType);
      expect(response.body.error_message).toMatch(message);
      expect(await endpointCount()).toBe(0);
    });

    it.each<BadRequest>([
      ...badCreates.filter(([name]) => name !== 'no url'),
      ['an unknown status', { status: 'paused' }, 'invalid_webhook_endpoint_status', /"enabled", "disabled"/],
    ])('refuses to update with %s, and changes nothing', async (_, body, errorType, message) => {
      const { endpoint } = await create({ description: 'kept', event_types: ['job.completed'] });
      const before = await storedEndpoint(endpoint.endpoint_id);

      const response = await call('PUT', `${PATH}/${endpoint.endpoint_id}`, { description: 'changed?', ...body });

      expect(response.status).toBe(400);
      expectErrorEnvelope(response.body, 400, errorType);
      expect(response.body.error_message).toMatch(message);
      expect(await storedEndpoint(endpoint.endpoint_id)).toEqual(before);
    });
  });

  describe('update', () => {
    it('changes the url, description and event types given, and only those', async () => {
      const { endpoint } = await create({ description: 'before', event_types: ['job.completed'] });

      const moved = await call('PUT', `${PATH}/${endpoint.endpoint_id}`, { url: 'https://other.example.com/in' });
      expect(moved.status).toBe(200);
      expect(moved.body.endpoint).toEqual(
        expect.objectContaining({ url: 'https://other.example.com/in', description: 'before', event_types: ['job.completed'] }),
      );

      const retyped = await call('PUT', `${PATH}/${endpoint.endpoint_id}`, { description: 'after', event_types: [] });
      expect(retyped.body.endpoint).toEqual(
        expect.objectContaining({ url: 'https://other.example.com/in', description: 'after', event_types: [], status: 'enabled' }),
      );
      expect(await call('GET', `${PATH}/${endpoint.endpoint_id}`).then((r) => r.body.endpoint)).toEqual(retyped.body.endpoint);
    });

    it('disables an endpoint by hand and re-enables it, forgetting why and since when it failed', async () => {
      const { endpoint } = await create();
      const path = `${PATH}/${endpoint.endpoint_id}`;

      const disabled = await call('PUT', path, { status: 'disabled' });
      expect(disabled.status).toBe(200);
      expect(disabled.body.endpoint).toEqual(
        expect.objectContaining({ status: 'disabled', disabled_reason: 'manual', disabled_at: expect.any(String) }),
      );

      // As the delivery side leaves an endpoint it disabled after failures.
      const since = new Date(Date.now() - 6 * 24 * 3600 * 1000);
      await knex()('webhook_endpoints')
        .where({ id: bareId(endpoint.endpoint_id) })
        .update({ disabled_reason: 'failing', failing_since: since });

      const enabled = await call('PUT', path, { status: 'enabled' });
      expect(enabled.status).toBe(200);
      expect(enabled.body.endpoint).toEqual(
        expect.objectContaining({ status: 'enabled', disabled_reason: null, disabled_at: null, failing_since: null }),
      );
      expect(await storedEndpoint(endpoint.endpoint_id)).toEqual(
        expect.objectContaining({ status: 'enabled', disabled_reason: null, disabled_at: null, failing_since: null }),
      );
    });

    it('keeps the reason of an endpoint the delivery side disabled when it is disabled again by hand', async () => {
      const { endpoint } = await create();
      const disabledAt = new Date('2026-11-30T10:00:00Z');
      await knex()('webhook_endpoints')
        .where({ id: bareId(endpoint.endpoint_id) })
        .update({ status: 'disabled', disabled_reason: 'gone', disabled_at: disabledAt });

      const response = await call('PUT', `${PATH}/${endpoint.endpoint_id}`, { status: 'disabled', description: 'receiver retired' });

      expect(response.body.endpoint).toEqual(
        expect.objectContaining({
          status: 'disabled',
          disabled_reason: 'gone',
          disabled_at: '2026-11-30T10:00:00Z',
          description: 'receiver retired',
        }),
      );
    });

    it("leaves an enabled endpoint's failure clock alone when it is 'enabled' again", async () => {
      const { endpoint } = await create();
      const since = new Date('2026-12-01T00:00:00Z');
      await knex()('webhook_endpoints')
        .where({ id: bareId(endpoint.endpoint_id) })
        .update({ failing_since: since });

      const response = await call('PUT', `${PATH}/${endpoint.endpoint_id}`, { status: 'enabled' });

      expect(response.body.endpoint.failing_since).toBe('2026-12-01T00:00:00Z');
    });

    it('settles 8 concurrent updates on one of them whole, with a status and its reason that agree', async () => {
      const { endpoint } = await create();
      const path = `${PATH}/${endpoint.endpoint_id}`;
      const { body: catalogue } = await call('GET', '/v1/b2b/webhooks/event_types');
      const bodies = Array.from({ length: 8 }, (_, i) => ({
        url: `https://hooks.example.com/${i}`,
        description: `writer ${i}`,
        event_types: [catalogue.event_types[i]],
        status: i % 2 === 0 ? 'disabled' : 'enabled',
      }));

      const responses = await Promise.all(bodies.map((body) => call('PUT', path, body)));

      expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
      const final = (await call('GET', path)).body.endpoint as EndpointBody;
      const writer = bodies.findIndex((body) => body.description === final.description);
      expect(writer).toBeGreaterThanOrEqual(0);
      expect(final).toEqual(
        expect.objectContaining({ url: bodies[writer].url, event_types: bodies[writer].event_types, status: bodies[writer].status }),
      );
      if (final.status === 'disabled')
        expect(final).toEqual(expect.objectContaining({ disabled_reason: 'manual', disabled_at: expect.any(String) }));
      else expect(final).toEqual(expect.objectContaining({ disabled_reason: null, disabled_at: null }));
    });
  });

  describe('delete', () => {
    it('deletes the endpoint with its secrets; it is then not found', async () => {
      const { endpoint } = await create();
      const path = `${PATH}/${endpoint.endpoint_id}`;

      const deleted = await call('DELETE', path);

      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ request_id: expect.any(String), endpoint_id: endpoint.endpoint_id, status_code: 200 });
      expect(await storedEndpoint(endpoint.endpoint_id)).toBeUndefined();
      expect(await storedSecrets(endpoint.endpoint_id)).toEqual([]);
      for (const [method, body] of [
        ['GET', undefined],
        ['PUT', { description: 'x' }],
        ['DELETE', undefined],
      ] as const) {
        const again = await call(method, path, body);
        expectErrorEnvelope(again.body, 404, 'webhook_endpoint_not_found');
      }
    });

    it('deletes an endpoint once when two callers delete it at the same time', async () => {
      const { endpoint } = await create();

      const responses = await Promise.all([1, 2].map(() => call('DELETE', `${PATH}/${endpoint.endpoint_id}`)));

      expect(responses.map((r) => r.status).sort()).toEqual([200, 404]);
    });
  });

  describe('secret rotation', () => {
    it('signs with the new secret and the previous one for 24 hours, then with the new one alone', async () => {
      const { endpoint, secret: first } = await create();
      const startedAt = Date.now();

      const response = await call('POST', `${PATH}/${endpoint.endpoint_id}/rotate_secret`, {});

      expect(response.status).toBe(200);
      const second: string = response.body.secret;
      expectUsableSecret(second);
      expect(second).not.toBe(first);
      expect(response.body.endpoint).toEqual(expect.objectContaining({ endpoint_id: endpoint.endpoint_id, status: 'enabled' }));
      expect(await signingSecrets(endpoint.endpoint_id)).toEqual([second, first]);

      const previous = (await storedSecrets(endpoint.endpoint_id)).find((row) => row.secret === first);
      expect(previous.expires_at.getTime()).toBeGreaterThanOrEqual(startedAt + SECRET_ROLLOVER_MS - 1000);
      expect(previous.expires_at.getTime()).toBeLessThanOrEqual(Date.now() + SECRET_ROLLOVER_MS);
      // Read as a delivery sent just after the rollover would be.
      expect(await signingSecrets(endpoint.endpoint_id, new Date(previous.expires_at.getTime() + 1))).toEqual([second]);
    });

    it('keeps every secret of back-to-back rotations signing, newest first, and purges expired ones at the next rotation', async () => {
      const { endpoint, secret: a } = await create();
      const rotate = () => call('POST', `${PATH}/${endpoint.endpoint_id}/rotate_secret`, {}).then((r) => r.body.secret as string);
      const b = await rotate();
      const c = await rotate();

      expect(await signingSecrets(endpoint.endpoint_id)).toEqual([c, b, a]);

      // a's rollover ends.
      await knex()('webhook_endpoint_secrets')
        .where({ endpoint_id: bareId(endpoint.endpoint_id), secret: a })
        .update({ expires_at: new Date(Date.now() - 1000) });
      expect(await signingSecrets(endpoint.endpoint_id)).toEqual([c, b]);

      const d = await rotate();
      expect(await signingSecrets(endpoint.endpoint_id)).toEqual([d, c, b]);
      expect((await storedSecrets(endpoint.endpoint_id)).map((row) => row.secret).sort()).toEqual([b, c, d].sort());
    });

    it('leaves exactly one current secret after 5 concurrent rotations, every minted one still signing', async () => {
      const { endpoint, secret: original } = await create();

      const responses = await Promise.all(
        Array.from({ length: 5 }, () => call('POST', `${PATH}/${endpoint.endpoint_id}/rotate_secret`, {})),
      );

      expect(responses.map((r) => r.status)).toEqual(Array(5).fill(200));
      const minted = responses.map((r) => r.body.secret as string);
      const rows = await storedSecrets(endpoint.endpoint_id);
      expect(rows.filter((row) => row.expires_at === null)).toHaveLength(1);
      const signing = await signingSecrets(endpoint.endpoint_id);
      expect(signing).toHaveLength(6);
      expect([...signing].sort()).toEqual([original, ...minted].sort());
      expect(signing[0]).toBe(rows.find((row) => row.expires_at === null).secret);
      expect(signing[signing.length - 1]).toBe(original);
    });
  });

  describe('tenant isolation', () => {
    it("answers webhook_endpoint_not_found for another project's endpoint, and leaves it untouched", async () => {
      const { endpoint, secret } = await create({ description: 'mine' });
      const other = await ctx.app.newProject();
      const path = `${PATH}/${endpoint.endpoint_id}`;
      const before = await storedEndpoint(endpoint.endpoint_id);

      for (const [method, suffix, body] of [
        ['GET', '', undefined],
        ['PUT', '', { description: 'theirs', status: 'disabled' }],
        ['POST', '/rotate_secret', {}],
        ['DELETE', '', undefined],
      ] as const) {
        const response = await call(method, `${path}${suffix}`, body, other);
        expect(response.status).toBe(404);
        expectErrorEnvelope(response.body, 404, 'webhook_endpoint_not_found');
      }

      expect((await call('GET', PATH, undefined, other)).body.endpoints).toEqual([]);
      expect(await storedEndpoint(endpoint.endpoint_id)).toEqual(before);
      expect(await signingSecrets(endpoint.endpoint_id)).toEqual([secret]);
    });

    it('answers not found for ids that are not an endpoint of this project', async () => {
      const { endpoint } = await create();
      const uuid = bareId(endpoint.endpoint_id);

      for (const id of [
        `webhook-endpoint-live-${uuid}`,
        `webhook-delivery-test-${uuid}`,
        uuid,
        `webhook-endpoint-test-${uuidv7()}`,
        'nope',
      ]) {
        const response = await call('GET', `${PATH}/${encodeURIComponent(id)}`);
        expectErrorEnvelope(response.body, 404, 'webhook_endpoint_not_found');
      }
    });
  });

  describe('the per-project cap', () => {
    /** Endpoints of `project`, inserted directly as creation would store them. */
    async function insertEndpoints(count: number): Promise<void> {
      const projectId = parseProjectId(project.projectId)!.uuid;
      await knex()('webhook_endpoints').insert(
        Array.from({ length: count }, (_, i) => ({ id: uuidv7(), project_id: projectId, url: `${RECEIVER}/${i}` })),
      );
    }

    it(`refuses the ${MAX_WEBHOOK_ENDPOINTS + 1}th endpoint, and takes one again after a delete`, async () => {
      await insertEndpoints(MAX_WEBHOOK_ENDPOINTS - 1);
      const last = await create();

      const refused = await call('POST', PATH, { url: RECEIVER });

      expectErrorEnvelope(refused.body, 400, 'webhook_endpoint_limit_reached');
      expect(await endpointCount()).toBe(MAX_WEBHOOK_ENDPOINTS);
      await call('DELETE', `${PATH}/${last.endpoint.endpoint_id}`);
      expect((await call('POST', PATH, { url: RECEIVER })).status).toBe(200);
    });

    it('never lets concurrent creates past the cap', async () => {
      await insertEndpoints(MAX_WEBHOOK_ENDPOINTS - 4);

      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => call('POST', PATH, { url: `${RECEIVER}/racer-${i}` })));

      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(4);
      expect(statuses.filter((s) => s === 400)).toHaveLength(6);
      for (const refused of responses.filter((r) => r.status === 400))
        expect(refused.body.error_type).toBe('webhook_endpoint_limit_reached');
      expect(await endpointCount()).toBe(MAX_WEBHOOK_ENDPOINTS);
      // Another project's cap is its own.
      const other = await ctx.app.newProject();
      expect((await create({}, other)).endpoint.status).toBe('enabled');
    });
  });
});
