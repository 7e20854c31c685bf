import type { Knex } from 'knex';

/**
 * FOUNDATION PLACEHOLDER — owned by the webhook-delivery helper, who replaces this file.
 * Turns committed events into deliveries and sends them.
 */
export class WebhookDelivery {
  constructor(private readonly knex: Knex) {}

  /** Creates the deliveries of these events for every subscribed, enabled endpoint, and queues the ones that may go now. */
  async fanOut(eventIds: string[]): Promise<{ deliveries: number }> {
    void this.knex;
    void eventIds;
    return { deliveries: 0 };
  }

  /** Sends one delivery. */
  async deliver(deliveryId: string): Promise<void> {
    void deliveryId;
    throw new Error('webhook delivery is not built yet');
  }
}
