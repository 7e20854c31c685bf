import type { WebhookDelivery } from '../../services/webhooks/webhook-delivery';
import { dispatch } from './dispatch';

export function webhooksProcessor(delivery: WebhookDelivery) {
  return dispatch<'webhooks'>({
    'events.dispatch': ({ eventIds }) => delivery.fanOut(eventIds),
    'webhooks.deliver': ({ deliveryId }) => delivery.deliver(deliveryId),
  });
}
