import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/webhook-endpoints';
import { formatId } from '../../ids';
import type { WebhookEndpointService } from '../../services/webhooks/webhook-endpoints';
import { presentWebhookEndpoint } from '../presenters/webhook-endpoint.presenter';
import { route, routerAt } from '../route';

/** Roster's webhook endpoints: where a project's events are delivered, and the secrets that sign them. */
export function webhookEndpointRoutes(endpoints: WebhookEndpointService): Router {
  const router = routerAt(B2B);

  route(router, api.createWebhookEndpoint, async (req) => {
    const { endpoint, secret } = await endpoints.create(req.project, req.body);
    return { endpoint: presentWebhookEndpoint(req.project.env, endpoint), secret };
  });

  route(router, api.listWebhookEndpoints, async (req) => ({
    endpoints: (await endpoints.list(req.project)).map((endpoint) => presentWebhookEndpoint(req.project.env, endpoint)),
  }));

  route(router, api.getWebhookEndpoint, async (req) => ({
    endpoint: presentWebhookEndpoint(req.project.env, await endpoints.get(req.project, req.params.endpoint_id)),
  }));

  route(router, api.updateWebhookEndpoint, async (req) => ({
    endpoint: presentWebhookEndpoint(req.project.env, await endpoints.update(req.project, req.params.endpoint_id, req.body)),
  }));

  route(router, api.deleteWebhookEndpoint, async (req) => ({
    endpoint_id: formatId('webhook-endpoint', req.project.env, await endpoints.delete(req.project, req.params.endpoint_id)),
  }));

  route(router, api.rotateWebhookSecret, async (req) => {
    const { endpoint, secret } = await endpoints.rotateSecret(req.project, req.params.endpoint_id);
    return { endpoint: presentWebhookEndpoint(req.project.env, endpoint), secret };
  });

  route(router, api.listWebhookEventTypes, async () => ({ event_types: endpoints.eventTypes() }));

  return router;
}
