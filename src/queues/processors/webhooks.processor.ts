import type { WebhookDelivery } from '../../services/webhooks/webhook-delivery';
import { dispatch } from './dispatch';

/**
 * The `webhooks` queue. A delivery's own retries are scheduled by the service
 * (next_attempt_at and a delayed entry), not by BullMQ's attempts: those only
 * retry a job that threw (the database away), which repeats nothing sent.
 */
export function webhooksProcessor(delivery: WebhookDelivery) {
  return dispatch<'webhooks'>({
    'events.dispatch': ({ eventIds }) => delivery.fanOut(eventIds),
    'webhooks.deliver': ({ deliveryId }) => delivery.deliver(deliveryId),
  });
}
