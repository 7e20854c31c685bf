import type { Router } from 'express';
import type { Container } from '../../container';
import { listDeliveriesQuery, type ListDeliveriesQuery } from '../../contracts/webhook-deliveries';
import { presentWebhookAttempt, presentWebhookDelivery } from '../../api/presenters/webhook-delivery.presenter';
import { presentWebhookEndpoint } from '../../api/presenters/webhook-endpoint.presenter';
import { requestCheck } from '../../api/validation';
import { ActionButton, Details, NextPage, Notice, Table } from '../components';
import { listingQuery, PAGE_SIZE, textOf } from '../forms';
import { sendPage, seeOther } from '../render';
import { sessionOf } from '../session';

const DELIVERY_STATUSES = ['', 'pending', 'succeeded', 'failed'] as const;

/** The API's rules for the delivery log's filters (GET /v1/b2b/webhooks/endpoints/:endpoint_id/deliveries). */
const checkDeliveriesQuery = requestCheck({ query: listDeliveriesQuery });

/** Webhook endpoints, each with its delivery log; a delivery with its attempts, and replay. */
export function webhookPages(router: Router, container: Container): void {
  router.get('/webhooks', async (_req, res) => {
    const { project } = sessionOf(res);
    const endpoints = (await container.webhookEndpoints.list(project)).map((row) => presentWebhookEndpoint(project.env, row));
    sendPage(
      res,
      { title: 'Webhook endpoints', section: 'webhooks' },
      <>
        <p class="hint">Endpoints are created and edited through the API (POST /v1/b2b/webhooks/endpoints) or `roster webhooks`.</p>
        <Table
          caption="Webhook endpoints"
          empty="No webhook endpoints."
          rows={endpoints}
          columns={[
            ['URL', (e) => <a href={`/admin/webhooks/${e.endpoint_id}`}>{e.url}</a>],
            ['Status', (e) => (e.disabled_reason ? `${e.status} (${e.disabled_reason})` : e.status)],
            ['Events', (e) => (e.event_types.length === 0 ? 'all (bulk per-member events excepted)' : e.event_types.join(', '))],
            ['Failing since', (e) => e.failing_since],
          ]}
        />
      </>,
    );
  });

  router.get('/webhooks/:endpoint_id', async (req, res) => {
    const { project, csrfToken } = sessionOf(res);
    const endpoint = presentWebhookEndpoint(project.env, await container.webhookEndpoints.get(project, req.params.endpoint_id as string));
    const { cursor } = listingQuery(req);
    const status = textOf(req.query, 'status');
    const query = { ...(status && { status }), ...(cursor && { cursor }), limit: String(PAGE_SIZE) };
    const refused = checkDeliveriesQuery({ query });
    if (refused) throw refused;
    const page = await container.webhookDeliveries.list(project, endpoint.endpoint_id, query as ListDeliveriesQuery);
    const path = `/admin/webhooks/${endpoint.endpoint_id}`;
    sendPage(
      res,
      { title: endpoint.url, section: 'webhooks' },
      <>
        <Details
          rows={[
            ['Endpoint id', <span class="mono">{endpoint.endpoint_id}</span>],
            ['Description', endpoint.description],
            ['Status', endpoint.disabled_reason ? `${endpoint.status} (${endpoint.disabled_reason})` : endpoint.status],
            ['Event types', endpoint.event_types.length === 0 ? 'all' : endpoint.event_types.join(', ')],
            ['Failing since', endpoint.failing_since],
            ['Created', endpoint.created_at],
          ]}
        />
        <h2>Deliveries</h2>
        <form method="get" action={path} class="search">
          <label for="status">Status</label>
          <select id="status" name="status">
            {DELIVERY_STATUSES.map((s) => (
              <option value={s} selected={s === status}>
                {s || 'any'}
              </option>
            ))}
          </select>
          <button type="submit">Filter</button>
        </form>
        <p>{`${page.total.toLocaleString('en-US')} deliveries, newest first`}</p>
        <Table
          caption="Deliveries"
          empty="No deliveries."
          rows={page.deliveries.map((d) => presentWebhookDelivery(project.env, d))}
          columns={[
            ['Event', (d) => <a href={`/admin/webhooks/deliveries/${d.delivery_id}`}>{d.event_name}</a>],
            ['Object', (d) => <span class="mono">{d.object_id}</span>],
            ['Status', (d) => d.status],
            ['Attempts', (d) => d.attempt_count],
            ['Last HTTP status', (d) => d.last_status_code],
            ['Created', (d) => d.created_at],
            [
              'Action',
              (d) => <ActionButton action={`/admin/webhooks/deliveries/${d.delivery_id}/replay`} csrfToken={csrfToken} label="Replay" />,
            ],
          ]}
        />
        <NextPage path={path} query={{ status }} cursor={page.nextCursor} />
      </>,
    );
  });

  router.get('/webhooks/deliveries/:delivery_id', async (req, res) => {
    const { project, csrfToken } = sessionOf(res);
    const found = await container.webhookDeliveries.get(project, req.params.delivery_id as string);
    const delivery = presentWebhookDelivery(project.env, found);
    sendPage(
      res,
      { title: `Delivery of ${delivery.event_name}`, section: 'webhooks' },
      <>
        <Notice message={textOf(req.query, 'replayed') === '1' ? 'Queued for delivery again.' : undefined} />
        <Details
          rows={[
            ['Delivery id', <span class="mono">{delivery.delivery_id}</span>],
            ['Endpoint', <a href={`/admin/webhooks/${delivery.endpoint_id}`}>{delivery.endpoint_id}</a>],
            ['Event', <a href={`/admin/events/${delivery.event_id}`}>{delivery.event_id}</a>],
            ['Status', delivery.status],
            ['Next attempt', delivery.next_attempt_at],
            ['Created', delivery.created_at],
          ]}
        />
        <div class="actions">
          <ActionButton action={`/admin/webhooks/deliveries/${delivery.delivery_id}/replay`} csrfToken={csrfToken} label="Replay" />
        </div>
        <h2>Attempts</h2>
        <Table
          caption="Attempts, oldest first"
          empty="No attempts yet."
          rows={found.attempts.map(presentWebhookAttempt)}
          columns={[
            ['At', (a) => a.attempted_at],
            ['HTTP status', (a) => a.status_code],
            ['Latency (ms)', (a) => a.latency_ms],
            ['Error', (a) => a.error],
            ['Response', (a) => <code>{a.response_excerpt}</code>],
          ]}
        />
      </>,
    );
  });

  router.post('/webhooks/deliveries/:delivery_id/replay', async (req, res) => {
    await container.webhookDeliveries.replay(sessionOf(res).project, req.params.delivery_id as string);
    seeOther(res, `/admin/webhooks/deliveries/${req.params.delivery_id}?replayed=1`);
  });
}
