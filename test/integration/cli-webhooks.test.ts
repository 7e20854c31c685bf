import { formatId, parseId, parseProjectId, uuidv7 } from '../../src/ids';
import { WebhookEndpointRepository } from '../../src/repositories/webhook-endpoint.repository';
import { useTestApp } from '../helpers/app';
import { cliEnv, lines, runCli } from '../helpers/cli';

const SUBCOMMANDS = [
  'list',
  'create',
  'get',
  'update',
  'enable',
  'disable',
  'delete',
  'rotate-secret',
  'event-types',
  'deliveries',
  'replay',
];
// A development receiver: plain http is accepted because the server allows private addresses.
const RECEIVER = 'http://127.0.0.1:9/hooks';

describe('roster webhooks', () => {
  const ctx = useTestApp({ WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' });
  const roster = (...args: string[]) => runCli(args, cliEnv(ctx.app));
  const knex = () => ctx.app.container.knex;
  const bareId = (endpointId: string) => parseId('webhook-endpoint', 'test', endpointId)!;
  const stored = (endpointId: string) =>
    knex()('webhook_endpoints')
      .where({ id: bareId(endpointId) })
      .first();

  /** `roster webhooks create`, answering the printed endpoint id and secret. */
  async function create(...args: string[]): Promise<{ endpointId: string; secret: string }> {
    const run = await roster('webhooks', 'create', RECEIVER, ...args);
    expect(run.code).toBe(0);
    return {
      endpointId: /^endpoint_id +(\S+)$/m.exec(run.stdout)![1],
      secret: /^secret: (whsec_\S+)$/m.exec(run.stdout)![1],
    };
  }

  it('has help for every subcommand', async () => {
    const run = await roster('webhooks', '--help');
    expect(run.code).toBe(0);
    for (const command of SUBCOMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));

    const runs = await Promise.all(SUBCOMMANDS.map((command) => roster('webhooks', command, '--help')));
    runs.forEach((help, i) => {
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: roster webhooks ${SUBCOMMANDS[i]} `));
    });
  });

  it('creates an endpoint with its event types and description, printing the secret once', async () => {
    const run = await roster(
      'webhooks',
      'create',
      RECEIVER,
      '--event-type',
      'direct.member.create',
      '--event-type',
      'job.completed',
      '--description',
      'CRM sync',
    );

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^endpoint_id +webhook-endpoint-test-[0-9a-f-]{36}$/m);
    expect(run.stdout).toMatch(/^event_types +direct\.member\.create,job\.completed$/m);
    expect(run.stdout).toMatch(/^status +enabled$/m);
    expect(run.stderr).toContain('shown this once');
    const endpointId = /^endpoint_id +(\S+)$/m.exec(run.stdout)![1];
    const secret = /^secret: (whsec_\S+)$/m.exec(run.stdout)![1];
    expect(await stored(endpointId)).toEqual(
      expect.objectContaining({ url: RECEIVER, description: 'CRM sync', event_types: ['direct.member.create', 'job.completed'] }),
    );
    expect(await new WebhookEndpointRepository().signingSecrets(knex(), bareId(endpointId), new Date())).toEqual([secret]);

    const shown = await roster('webhooks', 'get', endpointId);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^description +CRM sync$/m);
    expect(shown.stdout).not.toContain(secret);
  });

  it('lists endpoints newest first, one line each', async () => {
    const older = await create('--description', 'older');
    const newer = await create();

    const run = await roster('webhooks', 'list');

    expect(run.code).toBe(0);
    const rows = lines(run.stdout);
    expect(rows[0]).toMatch(/^endpoint_id +status +url +event_types$/);
    const ids = rows.slice(1).map((row) => row.split(/ +/)[0]);
    expect(ids.indexOf(newer.endpointId)).toBeLessThan(ids.indexOf(older.endpointId));
    expect(rows.find((row) => row.startsWith(newer.endpointId))).toMatch(/ enabled +http:\/\/127\.0\.0\.1:9\/hooks +all$/);
  });

  it('updates the url, description and event types, and goes back to all events', async () => {
    const { endpointId } = await create('--event-type', 'job.failed');

    const updated = await roster('webhooks', 'update', endpointId, '--url', 'http://127.0.0.1:9/v2', '--event-type', 'scim.member.update');
    expect(updated.code).toBe(0);
    expect(await stored(endpointId)).toEqual(
      expect.objectContaining({ url: 'http://127.0.0.1:9/v2', event_types: ['scim.member.update'] }),
    );

    const everything = await roster('webhooks', 'update', endpointId, '--all-events', '--json');
    expect(everything.code).toBe(0);
    expect(JSON.parse(everything.stdout).endpoint).toEqual(expect.objectContaining({ endpoint_id: endpointId, event_types: [] }));
  });

  it('refuses an update that changes nothing, as a usage error, without calling the API', async () => {
    const { endpointId } = await create('--description', 'same');
    const before = await stored(endpointId);

    const run = await roster('webhooks', 'update', endpointId);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nothing to change');
    expect(await stored(endpointId)).toEqual(before);
  });

  it('disables and enables an endpoint', async () => {
    const { endpointId } = await create();

    const disabled = await roster('webhooks', 'disable', endpointId);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toMatch(/^status +disabled$/m);
    expect(disabled.stdout).toMatch(/^disabled_reason +manual$/m);

    const enabled = await roster('webhooks', 'enable', endpointId);
    expect(enabled.code).toBe(0);
    expect(await stored(endpointId)).toEqual(expect.objectContaining({ status: 'enabled', disabled_reason: null, disabled_at: null }));
  });

  it('rotates the secret: the new one is printed and both sign', async () => {
    const { endpointId, secret } = await create();

    const run = await roster('webhooks', 'rotate-secret', endpointId);

    expect(run.code).toBe(0);
    const next = /^secret: (whsec_\S+)$/m.exec(run.stdout)![1];
    expect(next).not.toBe(secret);
    expect(await new WebhookEndpointRepository().signingSecrets(knex(), bareId(endpointId), new Date())).toEqual([next, secret]);
  });

  it('deletes an endpoint; it is then not found (exit 1, the error type on stderr)', async () => {
    const { endpointId } = await create();

    const deleted = await roster('webhooks', 'delete', endpointId);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe(`deleted ${endpointId}\n`);
    expect(await stored(endpointId)).toBeUndefined();

    const missing = await roster('webhooks', 'get', endpointId);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('404 webhook_endpoint_not_found');
  });

  it('reports an unknown event type by name and creates nothing', async () => {
    const count = async () => Number((await knex()('webhook_endpoints').count({ n: '*' }).first())!.n);
    const before = await count();

    const run = await roster('webhooks', 'create', RECEIVER, '--event-type', 'member.created');

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('400 invalid_webhook_event_type');
    expect(run.stderr).toContain('"member.created"');
    expect(await count()).toBe(before);
  });

  it('prints the event type catalogue, one name a line', async () => {
    const run = await roster('webhooks', 'event-types');

    expect(run.code).toBe(0);
    const names = lines(run.stdout);
    expect(names).toEqual(expect.arrayContaining(['direct.member.create', 'migration.member.update', 'job.completed']));
    expect(names).toEqual((await ctx.app.http('GET', '/v1/b2b/webhooks/event_types')).body.event_types);
  });

  it("lists an endpoint's deliveries and replays one", async () => {
    const { endpointId } = await create();
    const project = ctx.app.project;
    const projectUuid = parseProjectId(project.projectId)!.uuid;
    const memberId = `member-test-${uuidv7()}`;
    // A delivery that used up its attempts, as the delivery worker leaves one.
    const [eventId] = await ctx.app.container.eventLog.record(
      knex(),
      { id: projectUuid, publicId: project.projectId, env: 'test' },
      { objectType: 'member', action: 'UPDATE', objectId: memberId, object: { member_id: memberId } },
    );
    const deliveryUuid = uuidv7();
    await knex()('webhook_deliveries').insert({
      id: deliveryUuid,
      project_id: projectUuid,
      endpoint_id: bareId(endpointId),
      event_id: eventId,
      object_id: memberId,
      status: 'failed',
      attempt_count: 8,
      last_status_code: 500,
    });
    const deliveryId = formatId('webhook-delivery', 'test', deliveryUuid);

    const listed = await roster('webhooks', 'deliveries', endpointId);
    expect(listed.code).toBe(0);
    const row = lines(listed.stdout).find((line) => line.startsWith(deliveryId));
    expect(row).toMatch(new RegExp(`^${deliveryId} +system\\.member\\.update +${memberId} +failed +8 +500 `));

    const replayed = await roster('webhooks', 'replay', deliveryId, '--json');
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.stdout).delivery).toEqual(expect.objectContaining({ delivery_id: deliveryId, status: 'pending' }));
    expect(await knex()('webhook_deliveries').where({ id: deliveryUuid }).first()).toEqual(expect.objectContaining({ status: 'pending' }));
  });
});
