import type { Knex } from 'knex';
import { keysetPage, type Db, type Page } from './db';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDeliveryRow {
  id: string;
  project_id: string;
  endpoint_id: string;
  event_id: string;
  object_id: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  created_at: Date;
  updated_at: Date;
}

/** A delivery with what the API shows of its event and endpoint. */
export interface ListedDeliveryRow extends WebhookDeliveryRow {
  event_name: string;
  /** The event's public id (its payload's `event_id`). */
  event_public_id: string;
  endpoint_status: string;
}

/** A claimed delivery with everything one attempt needs. */
export interface ClaimedDelivery extends WebhookDeliveryRow {
  url: string;
  payload: Record<string, unknown>;
}

export interface WebhookAttemptRow {
  id: string;
  delivery_id: string;
  attempted_at: Date;
  status_code: number | null;
  latency_ms: number;
  response_excerpt: string;
  error: string | null;
}

/** A delivery that may go now: its queue entry is named after it and its attempt count. */
export interface DeliveryRef {
  id: string;
  attempt_count: number;
}

/** A chain head found after a fan-out, with the event it delivers. */
export interface ChainHead extends DeliveryRef {
  event_id: string;
}

/** How one attempt ended, to be recorded with its consequences. */
export interface AttemptRecord {
  deliveryId: string;
  endpointId: string;
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string;
  error: string | null;
  /** What becomes of the delivery: done, or tried again after `retryInMs`. */
  outcome: { status: 'succeeded' } | { status: 'failed' } | { status: 'pending'; retryInMs: number };
  /** The receiver answered 410 Gone: the endpoint is disabled and its pending deliveries stopped. */
  gone: boolean;
}

// A delivery waits while an earlier event of the same object is still pending to the same endpoint.
const NO_EARLIER_PENDING = `NOT EXISTS (
  SELECT 1 FROM webhook_deliveries earlier
   WHERE earlier.endpoint_id = d.endpoint_id AND earlier.object_id = d.object_id
     AND earlier.status = 'pending' AND earlier.event_id < d.event_id)`;

// ...and while an earlier event of the object has no deliveries yet: two events of one object are fanned out by
// concurrent jobs, and the later one's may commit first (events__project_id_object_id_id__undispatched).
const NO_EARLIER_UNFANNED = `NOT EXISTS (
  SELECT 1 FROM events unfanned
   WHERE unfanned.project_id = d.project_id AND unfanned.object_id = d.object_id
     AND unfanned.dispatched_at IS NULL AND unfanned.id < d.event_id)`;

const ENDPOINT_ENABLED = `EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.id = d.endpoint_id AND w.status = 'enabled')`;

/** A pending delivery `d` that may be attempted now, as far as ordering goes. */
const HEADS_CHAIN = `${NO_EARLIER_PENDING} AND ${NO_EARLIER_UNFANNED}`;

/** Deliveries, their attempts, and the endpoint state delivery drives (failing_since, disabling). */
export class WebhookDeliveryRepository {
  /**
   * Creates the deliveries of these events for every enabled endpoint of
   * their project that takes them, in one statement: an endpoint with no
   * event types takes every event except the opt-in ones (bulk jobs'
   * per-member events, `optIn`: sent only when named). An endpoint gets only events that happened after it
   * was created, however late the dispatch runs. A repeat inserts nothing.
   * The same statement marks the events fanned out, so no delivery of their
   * objects sees them neither pending nor waiting (NO_EARLIER_UNFANNED).
   */
  async insertForEvents(db: Db, eventIds: string[], optIn: { actor_type: string; object_type: string }): Promise<number> {
    const result = await db.raw(
      `WITH fanned AS (
         UPDATE events SET dispatched_at = now() WHERE id = ANY(:ids::uuid[]) AND dispatched_at IS NULL),
       created AS (
         INSERT INTO webhook_deliveries (id, project_id, endpoint_id, event_id, object_id, next_attempt_at)
         SELECT roster_uuidv7(), e.project_id, w.id, e.id, e.object_id, now()
           FROM events e
           JOIN webhook_endpoints w ON w.project_id = e.project_id AND w.status = 'enabled' AND w.created_at <= e.created_at
          WHERE e.id = ANY(:ids::uuid[])
            AND (e.name = ANY(w.event_types)
                 OR (cardinality(w.event_types) = 0 AND NOT (e.actor_type = :optInActor AND e.object_type = :optInObject)))
          ORDER BY e.id
         ON CONFLICT ON CONSTRAINT webhook_deliveries__endpoint_id_event_id__unique DO NOTHING
         RETURNING 1)
       SELECT count(*)::int AS created FROM created`,
      { ids: eventIds, optInActor: optIn.actor_type, optInObject: optIn.object_type },
    );
    return (result as { rows: { created: number }[] }).rows[0].created;
  }

  /**
   * The pending deliveries heading their (endpoint, object) chain, for every
   * object these events are about: a fan-out re-checks them all, since a
   * later event's delivery may have been waiting for these events.
   */
  async chainHeadsOfObjects(db: Db, eventIds: string[]): Promise<ChainHead[]> {
    const result = await db.raw(
      `SELECT d.id, d.attempt_count, d.event_id
         FROM (SELECT DISTINCT project_id, object_id FROM events WHERE id = ANY(?::uuid[])) o
         JOIN webhook_endpoints w ON w.project_id = o.project_id AND w.status = 'enabled'
         JOIN webhook_deliveries d ON d.endpoint_id = w.id AND d.object_id = o.object_id AND d.status = 'pending'
        WHERE ${HEADS_CHAIN}`,
      [eventIds],
    );
    return (result as { rows: ChainHead[] }).rows;
  }

  /** The pending delivery that now heads the chain a finished delivery belonged to, if any. */
  async nextInChain(db: Db, deliveryId: string): Promise<DeliveryRef | undefined> {
    const result = await db.raw(
      `SELECT d.id, d.attempt_count FROM webhook_deliveries d
         JOIN webhook_deliveries done ON done.endpoint_id = d.endpoint_id AND done.object_id = d.object_id
        WHERE done.id = ? AND d.status = 'pending' AND ${ENDPOINT_ENABLED}
        ORDER BY d.event_id
        LIMIT 1`,
      [deliveryId],
    );
    return (result as { rows: DeliveryRef[] }).rows[0];
  }

  /**
   * Claims a due delivery at the head of its chain for one attempt, in one
   * conditional UPDATE: its next_attempt_at moves to the end of a lease, so
   * a second worker holding the same job finds it not due and leaves it (and
   * if this worker dies, the sweep finds it due again once the lease ends).
   * `earlyMs` lets a queue entry whose timer ran slightly ahead of the
   * database's clock still claim it.
   */
  async claim(db: Db, deliveryId: string, leaseMs: number, earlyMs: number): Promise<ClaimedDelivery | undefined> {
    const result = await db.raw(
      `WITH claimed AS (
         UPDATE webhook_deliveries d
            SET next_attempt_at = now() + make_interval(secs => ?), updated_at = now()
          WHERE d.id = ? AND d.status = 'pending' AND d.next_attempt_at <= now() + make_interval(secs => ?)
            AND ${ENDPOINT_ENABLED} AND ${HEADS_CHAIN}
          RETURNING d.*)
       SELECT claimed.*, w.url, e.payload
         FROM claimed
         JOIN webhook_endpoints w ON w.id = claimed.endpoint_id
         JOIN events e ON e.id = claimed.event_id`,
      [leaseMs / 1000, deliveryId, earlyMs / 1000],
    );
    return (result as { rows: ClaimedDelivery[] }).rows[0];
  }

  /**
   * Records an attempt and what follows from it, in the caller's transaction:
   * the delivery's state (unless it was stopped meanwhile), the endpoint's
   * failing_since (set by a failure, cleared by a success), and on 410 the
   * endpoint disabled with its pending deliveries stopped.
   */
  async recordAttempt(trx: Knex.Transaction, attempt: AttemptRecord): Promise<void> {
    await trx('webhook_attempts').insert({
      delivery_id: attempt.deliveryId,
      status_code: attempt.statusCode,
      latency_ms: attempt.latencyMs,
      response_excerpt: attempt.responseExcerpt,
      error: attempt.error,
    });
    const { outcome } = attempt;
    await trx('webhook_deliveries')
      .where({ id: attempt.deliveryId, status: 'pending' })
      .update({
        status: outcome.status,
        attempt_count: trx.raw('attempt_count + 1'),
        last_status_code: attempt.statusCode,
        next_attempt_at: outcome.status === 'pending' ? trx.raw('now() + make_interval(secs => ?)', [outcome.retryInMs / 1000]) : null,
        updated_at: trx.fn.now(),
      });
    if (attempt.gone) {
      await this.disableEndpoints(trx, 'id = ?', [attempt.endpointId], 'gone');
    } else if (outcome.status === 'succeeded') {
      await trx('webhook_endpoints').where({ id: attempt.endpointId }).whereNotNull('failing_since').update({ failing_since: null });
    } else {
      await trx('webhook_endpoints').where({ id: attempt.endpointId }).whereNull('failing_since').update({ failing_since: trx.fn.now() });
    }
  }

  /** Disables endpoints failing without a success since before `since`; returns them. */
  async disableFailingSince(db: Db, since: Date): Promise<{ id: string; project_id: string; url: string; failing_since: Date }[]> {
    return this.disableEndpoints(db, 'failing_since < ?', [since], 'failing');
  }

  /** Disables one endpoint by hand and stops its pending deliveries, as an automatic disable does. */
  async disableManually(db: Db, endpointId: string): Promise<void> {
    await this.disableEndpoints(db, 'id = ?', [endpointId], 'manual');
  }

  /**
   * Events whose fan-out has not run though it is overdue (its queue job failed for good, or an older worker
   * took it): until fanned out they hold back every later delivery of their object (HEADS_CHAIN).
   */
  async overdueUnfanned(db: Db, before: Date, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await db('events')
      .select('id')
      .whereNull('dispatched_at')
      .where('created_at', '<', before)
      .orderBy('id')
      .limit(limit);
    return rows.map((row) => row.id);
  }

  /** Disables the enabled endpoints matching `condition` for `reason` and stops their pending deliveries. */
  private async disableEndpoints(
    db: Db,
    condition: string,
    bindings: (string | Date)[],
    reason: 'gone' | 'failing' | 'manual',
  ): Promise<{ id: string; project_id: string; url: string; failing_since: Date }[]> {
    const disabled = await db.raw(
      `WITH disabled AS (
         UPDATE webhook_endpoints
            SET status = 'disabled', disabled_reason = ?, disabled_at = now(), updated_at = now()
          WHERE status = 'enabled' AND ${condition}
          RETURNING id, project_id, url, failing_since),
       stopped AS (
         UPDATE webhook_deliveries d SET status = 'failed', next_attempt_at = NULL, updated_at = now()
           FROM disabled WHERE d.endpoint_id = disabled.id AND d.status = 'pending')
       SELECT * FROM disabled`,
      [reason, ...bindings],
    );
    return (disabled as { rows: { id: string; project_id: string; url: string; failing_since: Date }[] }).rows;
  }

  /** Pending deliveries at the head of their chain whose time has come (their queue entries may be lost). */
  async dueChainHeads(db: Db, limit: number): Promise<DeliveryRef[]> {
    const result = await db.raw(
      `SELECT d.id, d.attempt_count FROM webhook_deliveries d
        WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND ${ENDPOINT_ENABLED} AND ${HEADS_CHAIN}
        ORDER BY d.next_attempt_at
        LIMIT ?`,
      [limit],
    );
    return (result as { rows: DeliveryRef[] }).rows;
  }

  /** One delivery of a project, with its event and endpoint status. */
  async find(db: Db, projectId: string, deliveryId: string): Promise<ListedDeliveryRow | undefined> {
    return (await this.listed(db, projectId).where('d.id', deliveryId).first()) as ListedDeliveryRow | undefined;
  }

  /** An endpoint's deliveries, newest first. */
  async listForEndpoint(
    db: Db,
    projectId: string,
    endpointId: string,
    status: DeliveryStatus | undefined,
    beforeId: string | undefined,
    limit: number,
  ): Promise<Page<ListedDeliveryRow>> {
    const listed = this.listed(db, projectId)
      .where('d.endpoint_id', endpointId)
      .modify((q) => {
        if (status) q.where('d.status', status);
      });
    return keysetPage<ListedDeliveryRow>(listed, 'd.id', beforeId, limit, 'desc');
  }

  private listed(db: Db, projectId: string): Knex.QueryBuilder {
    return db('webhook_deliveries as d')
      .join('events as e', 'e.id', 'd.event_id')
      .join('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
      .where('d.project_id', projectId)
      .select('d.*', 'e.name as event_name', db.raw("e.payload->>'event_id' as event_public_id"), 'w.status as endpoint_status');
  }

  async endpointExists(db: Db, projectId: string, endpointId: string): Promise<boolean> {
    return (await db('webhook_endpoints').where({ project_id: projectId, id: endpointId }).first('id')) !== undefined;
  }

  async attempts(db: Db, deliveryId: string): Promise<WebhookAttemptRow[]> {
    return db('webhook_attempts').where({ delivery_id: deliveryId }).orderBy('id');
  }

  /**
   * Sends a finished delivery of an enabled endpoint again: back to pending,
   * due now. A pending one is left as it is (already on its way), so
   * concurrent replays send it once. Returns the delivery if it was reset.
   */
  async resetForReplay(db: Db, projectId: string, deliveryId: string): Promise<DeliveryRef | undefined> {
    const [row] = await db('webhook_deliveries as d')
      .where({ 'd.project_id': projectId, 'd.id': deliveryId })
      .whereNot('d.status', 'pending')
      .whereRaw(ENDPOINT_ENABLED)
      .update({ status: 'pending', next_attempt_at: db.fn.now(), updated_at: db.fn.now() })
      .returning(['id', 'attempt_count']);
    return row as DeliveryRef | undefined;
  }
}
