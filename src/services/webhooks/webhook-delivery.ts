import type { Knex } from 'knex';
import type { WebhookSettings } from '../../config';
import type { JobProducer } from '../../jobs';
import { logger } from '../../logger';
import type {
  AttemptRecord,
  ClaimedDelivery,
  DeliveryRef,
  WebhookDeliveryRepository,
} from '../../repositories/webhook-delivery.repository';
import type { WebhookEndpointRepository } from '../../repositories/webhook-endpoint.repository';
import { postWebhook, type AttemptOutcome } from './http-sender';
import { OPT_IN_EVENTS } from '../events/event-types';
import { nextRetryDelayMs, parseRetryAfter } from './retry-schedule';
import { signedHeaders } from './signing';

/** An endpoint failing without one success for this long is disabled. */
export const DISABLE_FAILING_AFTER_MS = 5 * 24 * 3600_000;
/** How many due deliveries one sweep re-enqueues; the next sweep takes the rest. */
const SWEEP_BATCH = 500;
/** An event's fan-out job retries for about a minute; one still not fanned out after this is run by the sweep. */
const FAN_OUT_OVERDUE_MS = 5 * 60_000;
/** A queue entry may fire this far ahead of the database's clock and still claim its delivery. */
const CLOCK_SLACK_MS = 1000;
/** Beyond the attempt's own timeout, how long a claim holds before a crashed worker's delivery is taken up again. */
const LEASE_MARGIN_MS = 30_000;

/** The queue entry of a delivery's next attempt: a new attempt count is a new entry, so a retry never dedups against the job scheduling it. */
export const deliverJobId = (ref: DeliveryRef) => `webhooks.deliver.${ref.id}.${ref.attempt_count}`;

export interface DeliverResult {
  /** Whether an attempt was made (false: not due, not at the head of its chain, or already done). */
  attempted: boolean;
  status?: 'succeeded' | 'failed' | 'pending';
}

/**
 * The workers' half of webhooks: turns committed events into deliveries and
 * sends them by the Standard Webhooks specification. Postgres is the record
 * (each delivery's state and schedule, each attempt); queue entries only
 * nudge, and the sweep repairs lost ones. Deliveries of one object to one
 * endpoint go out in event order; different objects never wait on each other.
 */
export class WebhookDelivery {
  constructor(
    private readonly knex: Knex,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly endpoints: Pick<WebhookEndpointRepository, 'signingSecrets'>,
    private readonly producer: JobProducer,
    private readonly settings: WebhookSettings,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Creates the deliveries of these events for every subscribed, enabled
   * endpoint, and queues the ones that may go now — those of other events of
   * the same objects included: a later event's delivery that waited for these
   * events to be fanned out goes now rather than at the next sweep.
   */
  async fanOut(eventIds: string[]): Promise<{ deliveries: number; queued: number }> {
    const created = await this.deliveries.insertForEvents(this.knex, eventIds, OPT_IN_EVENTS);
    // Heads are looked up whether or not this run inserted them: a retried job re-queues what a crashed run left.
    const heads = await this.deliveries.chainHeadsOfObjects(this.knex, eventIds);
    const own = new Set(eventIds);
    await this.producer.enqueueMany(
      heads
        .filter((ref) => own.has(ref.event_id))
        .map((ref) => ({ name: 'webhooks.deliver', payload: { deliveryId: ref.id }, jobId: deliverJobId(ref) })),
    );
    // A waiting delivery's entry may have run already (and refused): ensure replaces a finished entry.
    for (const ref of heads.filter((head) => !own.has(head.event_id))) {
      await this.producer.ensure('webhooks.deliver', { deliveryId: ref.id }, deliverJobId(ref));
    }
    return { deliveries: created, queued: heads.length };
  }

  /** Makes one attempt of a delivery, if it is due and heads its chain; records it and schedules what follows. */
  async deliver(deliveryId: string): Promise<DeliverResult> {
    const leaseMs = this.settings.timeoutMs + LEASE_MARGIN_MS;
    const delivery = await this.deliveries.claim(this.knex, deliveryId, leaseMs, CLOCK_SLACK_MS);
    if (!delivery) return { attempted: false };

    const sent = await this.send(delivery);
    const record = this.judge(delivery, sent);
    await this.knex.transaction((trx) => this.deliveries.recordAttempt(trx, record));

    const { outcome } = record;
    if (outcome.status === 'pending') {
      const ref = { id: delivery.id, attempt_count: delivery.attempt_count + 1 };
      await this.producer.ensure('webhooks.deliver', { deliveryId: delivery.id }, deliverJobId(ref), { delayMs: outcome.retryInMs });
    } else if (!record.gone) {
      await this.queueNextInChain(delivery.id);
    }
    return { attempted: true, status: outcome.status };
  }

  /**
   * Disables endpoints failing for days (and reports them), fans out events
   * whose dispatch is overdue, then re-queues
   * due deliveries whose queue entries were lost (Redis restarted, an enqueue
   * failed): an entry still pending makes `ensure` a no-op.
   */
  async sweep(): Promise<{ disabled: number; requeued: number }> {
    const disabled = await this.deliveries.disableFailingSince(this.knex, new Date(Date.now() - DISABLE_FAILING_AFTER_MS));
    for (const endpoint of disabled) {
      logger.warn(
        { project_id: endpoint.project_id, endpoint_id: endpoint.id, failing_since: endpoint.failing_since },
        'webhook endpoint disabled: every delivery has failed for days',
      );
    }
    const overdue = await this.deliveries.overdueUnfanned(this.knex, new Date(Date.now() - FAN_OUT_OVERDUE_MS), SWEEP_BATCH);
    if (overdue.length > 0) await this.fanOut(overdue);
    const due = await this.deliveries.dueChainHeads(this.knex, SWEEP_BATCH);
    for (const ref of due) await this.producer.ensure('webhooks.deliver', { deliveryId: ref.id }, deliverJobId(ref));
    return { disabled: disabled.length, requeued: due.length };
  }

  /** Queues the delivery that now heads the chain of one that finished. */
  async queueNextInChain(deliveryId: string): Promise<void> {
    const next = await this.deliveries.nextInChain(this.knex, deliveryId);
    if (next) await this.producer.ensure('webhooks.deliver', { deliveryId: next.id }, deliverJobId(next));
  }

  private async send(delivery: ClaimedDelivery): Promise<AttemptOutcome> {
    const now = new Date();
    const secrets = await this.endpoints.signingSecrets(this.knex, delivery.endpoint_id, now);
    const body = JSON.stringify(delivery.payload);
    // The event's public id is the message id: the same on every retry, so receivers can drop repeats.
    const messageId = String(delivery.payload.event_id);
    let headers: Record<string, string>;
    try {
      headers = signedHeaders(secrets, messageId, body, now);
    } catch (err) {
      return { statusCode: null, latencyMs: 0, responseExcerpt: '', error: (err as Error).message, retryAfter: undefined };
    }
    return postWebhook(delivery.url, body, { ...headers, 'user-agent': 'Roster-Webhooks/1' }, this.settings);
  }

  /** 2xx succeeds; 410 Gone stops the endpoint; anything else retries on the schedule (Retry-After pushing it later). */
  private judge(delivery: ClaimedDelivery, sent: AttemptOutcome): AttemptRecord {
    const attempt = {
      deliveryId: delivery.id,
      endpointId: delivery.endpoint_id,
      statusCode: sent.statusCode,
      latencyMs: sent.latencyMs,
      responseExcerpt: sent.responseExcerpt,
      error: sent.error,
    };
    const code = sent.statusCode;
    if (code !== null && code >= 200 && code < 300) return { ...attempt, outcome: { status: 'succeeded' }, gone: false };
    if (code === 410) return { ...attempt, outcome: { status: 'failed' }, gone: true };
    const attemptsMade = delivery.attempt_count + 1;
    const retryInMs = nextRetryDelayMs(
      this.settings.retryScheduleMs,
      attemptsMade,
      parseRetryAfter(sent.retryAfter, new Date()),
      this.random,
    );
    return { ...attempt, outcome: retryInMs === undefined ? { status: 'failed' } : { status: 'pending', retryInMs }, gone: false };
  }
}
