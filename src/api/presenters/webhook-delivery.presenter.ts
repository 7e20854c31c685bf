import { formatId, ProjectEnv } from '../../ids';
import type { ListedDeliveryRow, WebhookAttemptRow } from '../../repositories/webhook-delivery.repository';
import { timestamp } from './wire';

/** A webhook delivery (Roster's own resource). */
export function presentWebhookDelivery(env: ProjectEnv, delivery: ListedDeliveryRow) {
  return {
    delivery_id: formatId('webhook-delivery', env, delivery.id),
    endpoint_id: formatId('webhook-endpoint', env, delivery.endpoint_id),
    event_id: delivery.event_public_id,
    event_name: delivery.event_name,
    object_id: delivery.object_id,
    status: delivery.status,
    attempt_count: delivery.attempt_count,
    next_attempt_at: delivery.next_attempt_at && timestamp(delivery.next_attempt_at),
    last_status_code: delivery.last_status_code,
    created_at: timestamp(delivery.created_at),
    updated_at: timestamp(delivery.updated_at),
  };
}

export function presentWebhookAttempt(attempt: WebhookAttemptRow) {
  return {
    attempted_at: timestamp(attempt.attempted_at),
    status_code: attempt.status_code,
    latency_ms: attempt.latency_ms,
    response_excerpt: attempt.response_excerpt,
    error: attempt.error,
  };
}
