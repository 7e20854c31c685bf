import type { Knex } from 'knex';
import type { ListDeliveriesQuery } from '../../contracts/webhook-deliveries';
import { badRequest, notFound } from '../../errors';
import { parseId } from '../../ids';
import type { JobProducer } from '../../jobs';
import type { ListedDeliveryRow, WebhookAttemptRow, WebhookDeliveryRepository } from '../../repositories/webhook-delivery.repository';
import type { ProjectContext } from '../project-context';
import { checkLimit, decodeCursor, encodeCursor } from '../search-query';
import { deliverJobId } from './webhook-delivery';

export interface DeliveryPage {
  deliveries: ListedDeliveryRow[];
  total: number;
  nextCursor: string | null;
}

const deliveryNotFound = () => notFound('webhook_delivery_not_found', 'Webhook delivery could not be found.');

/** What the API and the console show of webhook deliveries, and replay. Never another project's. */
export class WebhookDeliveries {
  constructor(
    private readonly knex: Knex,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly producer: JobProducer,
  ) {}

  /** An endpoint's deliveries, newest first. */
  async list(project: ProjectContext, endpointRef: string, query: ListDeliveriesQuery): Promise<DeliveryPage> {
    const endpointId = parseId('webhook-endpoint', project.env, endpointRef);
    if (!endpointId || !(await this.deliveries.endpointExists(this.knex, project.id, endpointId))) {
      throw notFound('webhook_endpoint_not_found', 'Webhook endpoint could not be found.');
    }
    const page = await this.deliveries.listForEndpoint(
      this.knex,
      project.id,
      endpointId,
      query.status,
      decodeCursor(query.cursor),
      checkLimit(query.limit === undefined ? undefined : Number(query.limit)),
    );
    return { deliveries: page.rows, total: page.total, nextCursor: encodeCursor(page.nextAfterId) };
  }

  /** One delivery with its attempts, oldest first. */
  async get(project: ProjectContext, deliveryRef: string): Promise<ListedDeliveryRow & { attempts: WebhookAttemptRow[] }> {
    const delivery = await this.find(project, deliveryRef);
    return { ...delivery, attempts: await this.deliveries.attempts(this.knex, delivery.id) };
  }

  /**
   * Sends the same event again (same webhook-id, so a receiver that already
   * took it can tell): a finished delivery goes back to pending, due now,
   * behind any earlier pending event of its object. A pending one is already
   * on its way and is answered as it is, so concurrent replays send it once.
   */
  async replay(project: ProjectContext, deliveryRef: string): Promise<ListedDeliveryRow> {
    const delivery = await this.find(project, deliveryRef);
    const reset = await this.deliveries.resetForReplay(this.knex, project.id, delivery.id);
    if (!reset) {
      const current = await this.find(project, deliveryRef);
      if (current.endpoint_status !== 'enabled') {
        throw badRequest('webhook_endpoint_disabled', 'The webhook endpoint is disabled: enable it before replaying its deliveries.');
      }
      return current;
    }
    await this.producer.ensure('webhooks.deliver', { deliveryId: reset.id }, deliverJobId(reset));
    return this.find(project, deliveryRef);
  }

  private async find(project: ProjectContext, deliveryRef: string): Promise<ListedDeliveryRow> {
    const id = parseId('webhook-delivery', project.env, deliveryRef);
    const delivery = id && (await this.deliveries.find(this.knex, project.id, id));
    if (!delivery) throw deliveryNotFound();
    return delivery;
  }
}
