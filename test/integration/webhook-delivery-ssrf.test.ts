import { formatId, uuidv7 } from '../../src/ids';
import type { ProjectContext } from '../../src/services/project-context';
import { useTestApp } from '../helpers/app';
import { eventuallyValue } from '../helpers/eventually';
import { insertEndpoint, WebhookReceiver } from '../helpers/webhook-receiver';

describe('webhook delivery with private addresses refused (the default)', () => {
  const ctx = useTestApp({ WEBHOOK_RETRY_SCHEDULE: '0,100ms' }, { workers: true });
  const receiver = new WebhookReceiver();
  const knex = () => ctx.app.container.knex;
  let project: ProjectContext;

  beforeAll(async () => {
    await receiver.start();
    project = await ctx.app.container.projects.find(ctx.app.project.projectId);
  });
  afterAll(() => receiver.stop());

  it.each([
    ['an IP literal', (path: string) => `http://127.0.0.1:${receiver.port}${path}`],
    ['a name resolving to loopback', (path: string) => `http://localhost:${receiver.port}${path}`],
  ])('refuses to connect to loopback through %s: the attempts fail and no request is sent', async (_case, urlOf) => {
    const { path } = receiver.newPath();
    const endpoint = await insertEndpoint(knex(), project, urlOf(path));
    const memberId = formatId('member', 'test', uuidv7());
    const [eventId] = await ctx.app.container.eventLog.record(
      knex(),
      { ...project, actor: { source: 'DIRECT', type: 'api_key', id: null } },
      { objectType: 'member', action: 'UPDATE', objectId: memberId, object: { member_id: memberId } },
    );

    const delivery = await eventuallyValue(
      () => knex()('webhook_deliveries').where({ endpoint_id: endpoint.id, event_id: eventId }).first(),
      (row) => row?.status === 'failed',
      { what: 'delivery failed' },
    );
    expect(delivery).toMatchObject({ attempt_count: 2, last_status_code: null });
    const attempts = await knex()('webhook_attempts').where({ delivery_id: delivery.id });
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attempt.status_code).toBeNull();
      expect(attempt.error).toMatch(/refused to connect to (127\.0\.0\.1|::1): not a public address/);
    }
    expect(receiver.requests(path)).toEqual([]);
  });
});
