import type { Db } from './db';

export type WebhookEndpointStatus = 'enabled' | 'disabled';

export interface WebhookEndpointRow {
  id: string;
  project_id: string;
  url: string;
  description: string;
  event_types: string[];
  status: WebhookEndpointStatus;
  /** null | 'manual' | 'gone' (answered 410) | 'failing' (kept failing for days). */
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type NewWebhookEndpoint = Pick<WebhookEndpointRow, 'id' | 'project_id' | 'url' | 'description' | 'event_types'>;

/** The columns an endpoint's management may change. */
export type WebhookEndpointPatch = Partial<
  Pick<WebhookEndpointRow, 'url' | 'description' | 'event_types' | 'status' | 'disabled_reason' | 'disabled_at' | 'failing_since'>
>;

/** Webhook endpoints and their signing secrets. Management reads are scoped by project; the delivery side reads by endpoint id. */
export class WebhookEndpointRepository {
  /**
   * Serializes the callers of one project's endpoint writes that must see each other (the per-project cap),
   * until the transaction ends. An advisory lock: nothing else about the project is blocked.
   */
  async lockProject(trx: Db, projectId: string): Promise<void> {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`webhook-endpoints:${projectId}`]);
  }

  async count(db: Db, projectId: string): Promise<number> {
    const row = await db('webhook_endpoints').where({ project_id: projectId }).count({ total: '*' }).first();
    return Number(row?.total ?? 0);
  }

  async insert(db: Db, endpoint: NewWebhookEndpoint, secret: { id: string; secret: string }): Promise<WebhookEndpointRow> {
    const [row] = await db('webhook_endpoints').insert(endpoint).returning('*');
    await db('webhook_endpoint_secrets').insert({ id: secret.id, endpoint_id: endpoint.id, secret: secret.secret });
    return row as WebhookEndpointRow;
  }

  /** The project's endpoints, newest first (ids are UUIDv7). */
  async list(db: Db, projectId: string): Promise<WebhookEndpointRow[]> {
    return db('webhook_endpoints').where({ project_id: projectId }).orderBy('id', 'desc');
  }

  /** One endpoint of this project; writers pass `forUpdate` so concurrent changes to one endpoint queue up. */
  async find(db: Db, projectId: string, endpointId: string, forUpdate = false): Promise<WebhookEndpointRow | undefined> {
    const query = db('webhook_endpoints').where({ project_id: projectId, id: endpointId }).first();
    return forUpdate ? query.forUpdate() : query;
  }

  async update(db: Db, endpointId: string, patch: WebhookEndpointPatch): Promise<WebhookEndpointRow> {
    const [row] = await db('webhook_endpoints')
      .where({ id: endpointId })
      .update({ ...patch, updated_at: db.fn.now() })
      .returning('*');
    return row as WebhookEndpointRow;
  }

  /** Deletes the endpoint; its secrets, deliveries and attempts go with it (ON DELETE CASCADE). */
  async delete(db: Db, projectId: string, endpointId: string): Promise<boolean> {
    return (await db('webhook_endpoints').where({ project_id: projectId, id: endpointId }).delete()) > 0;
  }

  /**
   * Starts a rotation on a locked endpoint: the current secret (the one without expiry) keeps signing until
   * `previousExpiresAt`, older ones until their own expiry; expired ones are purged here (lazily), and
   * `secret` becomes the current one.
   */
  async rotateSecret(db: Db, endpointId: string, secret: { id: string; secret: string }, previousExpiresAt: Date): Promise<void> {
    await db('webhook_endpoint_secrets').where({ endpoint_id: endpointId }).where('expires_at', '<=', db.fn.now()).delete();
    await db('webhook_endpoint_secrets')
      .where({ endpoint_id: endpointId })
      .whereNull('expires_at')
      .update({ expires_at: previousExpiresAt });
    await db('webhook_endpoint_secrets').insert({ id: secret.id, endpoint_id: endpointId, secret: secret.secret });
  }

  /**
   * The secrets that sign a delivery sent at `now`: the current one first, then those still rolling over
   * (latest expiry first). Standard Webhooks sends one signature per secret.
   */
  async signingSecrets(db: Db, endpointId: string, now: Date): Promise<string[]> {
    const rows: { secret: string }[] = await db('webhook_endpoint_secrets')
      .where({ endpoint_id: endpointId })
      .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
      .orderByRaw('expires_at DESC NULLS FIRST')
      .select('secret');
    return rows.map((row) => row.secret);
  }
}
