import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/webhook-deliveries';
import type { WebhookDeliveries } from '../../services/webhooks/webhook-deliveries';
import { presentWebhookAttempt, presentWebhookDelivery } from '../presenters/webhook-delivery.presenter';
import { route, routerAt } from '../route';

/** Webhook deliveries: an endpoint's delivery log, one delivery's attempts, and replay. */
export function webhookDeliveryRoutes(deliveries: WebhookDeliveries): Router {
  const router = routerAt(B2B);

  route(router, api.listWebhookDeliveries, async (req) => {
    const page = await deliveries.list(req.project, req.params.endpoint_id, req.query);
    return {
      deliveries: page.deliveries.map((delivery) => presentWebhookDelivery(req.project.env, delivery)),
      results_metadata: { total: page.total, next_cursor: page.nextCursor },
    };
  });

  route(router, api.getWebhookDelivery, async (req) => {
    const delivery = await deliveries.get(req.project, req.params.delivery_id);
    return { delivery: { ...presentWebhookDelivery(req.project.env, delivery), attempts: delivery.attempts.map(presentWebhookAttempt) } };
  });

  route(router, api.replayWebhookDelivery, async (req) => {
    const delivery = await deliveries.replay(req.project, req.params.delivery_id);
    return { delivery: presentWebhookDelivery(req.project.env, delivery) };
  });

  return router;
}
