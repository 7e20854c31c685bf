import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { CreateWebhookEndpointInput, UpdateWebhookEndpointInput } from '../../contracts/webhook-endpoints';
import { badRequest, notFound } from '../../errors';
import { parseId, uuidv7 } from '../../ids';
import type { WebhookDeliveryRepository } from '../../repositories/webhook-delivery.repository';
import type { WebhookEndpointPatch, WebhookEndpointRepository, WebhookEndpointRow } from '../../repositories/webhook-endpoint.repository';
import { webhookEventTypes } from '../events/event-types';
import type { ProjectContext } from '../project-context';

/** Endpoints a project may have: enough for any application, few enough that every event fans out cheaply. */
export const MAX_WEBHOOK_ENDPOINTS = 100;

/** How long the previous secret keeps signing after a rotation, so receivers can roll over. */
export const SECRET_ROLLOVER_MS = 24 * 60 * 60 * 1000;

/** An endpoint as creation and rotation answer it: with its new signing secret, shown this once. */
export interface WebhookEndpointWithSecret {
  endpoint: WebhookEndpointRow;
  secret: string;
}

/** A Standard Webhooks signing secret: `whsec_` and the base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

const invalidUrl = (problem: string) => badRequest('invalid_webhook_url', `url ${problem}.`, { field: 'url' });

/**
 * A project's webhook endpoints: where its events are delivered, which ones, and the secrets that sign
 * them. Delivery state (failing_since, automatic disabling) belongs to the delivery side; management
 * only clears it when an endpoint is re-enabled.
 */
export class WebhookEndpointService {
  private readonly catalogue: ReadonlySet<string> = new Set(webhookEventTypes());

  constructor(
    private readonly knex: Knex,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    /** config.webhooks.allowPrivateAddresses: development receivers on plain http are allowed too. */
    private readonly allowPlainHttp: boolean,
  ) {}

  /** The event names an endpoint may subscribe to. */
  eventTypes(): string[] {
    return [...this.catalogue];
  }

  async create(project: ProjectContext, input: CreateWebhookEndpointInput): Promise<WebhookEndpointWithSecret> {
    const url = this.checkUrl(input.url);
    const eventTypes = this.checkEventTypes(input.event_types ?? []);
    const secret = newSigningSecret();
    return this.knex.transaction(async (trx) => {
      // Concurrent creates of one project queue here, so none can slip past the cap.
      await this.endpoints.lockProject(trx, project.id);
      if ((await this.endpoints.count(trx, project.id)) >= MAX_WEBHOOK_ENDPOINTS) {
        throw badRequest(
          'webhook_endpoint_limit_reached',
          `A project may have at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints: delete one before creating another.`,
        );
      }
      const endpoint = await this.endpoints.insert(
        trx,
        { id: uuidv7(), project_id: project.id, url, description: input.description ?? '', event_types: eventTypes },
        { id: uuidv7(), secret },
      );
      return { endpoint, secret };
    });
  }

  /** The project's endpoints, newest first. */
  async list(project: ProjectContext): Promise<WebhookEndpointRow[]> {
    return this.endpoints.list(this.knex, project.id);
  }

  async get(project: ProjectContext, endpointRef: string): Promise<WebhookEndpointRow> {
    return (await this.endpoints.find(this.knex, project.id, this.endpointId(project, endpointRef))) ?? throwNotFound();
  }

  /** Changes what is given; `status: 'enabled'` on a disabled endpoint also forgets why and since when it failed. */
  async update(project: ProjectContext, endpointRef: string, input: UpdateWebhookEndpointInput): Promise<WebhookEndpointRow> {
    const id = this.endpointId(project, endpointRef);
    const patch: WebhookEndpointPatch = {
      ...(input.url !== undefined && { url: this.checkUrl(input.url) }),
      ...(input.description !== undefined && { description: input.description }),
      ...(input.event_types !== undefined && { event_types: this.checkEventTypes(input.event_types) }),
    };
    return this.knex.transaction(async (trx) => {
      // The row lock queues concurrent updates: each status change sees the state the previous one left.
      const current = (await this.endpoints.find(trx, project.id, id, true)) ?? throwNotFound();
      const disabling = input.status === 'disabled' && current.status !== 'disabled';
      // Disabled by hand, its pending deliveries fail as when Roster disables it: re-enabling sends no backlog.
      if (disabling) await this.deliveries.disableManually(trx, id);
      if (input.status === 'enabled' && current.status !== 'enabled') {
        Object.assign(patch, { status: 'enabled', disabled_reason: null, disabled_at: null, failing_since: null });
      }
      if (Object.keys(patch).length > 0) return this.endpoints.update(trx, id, patch);
      return disabling ? ((await this.endpoints.find(trx, project.id, id)) ?? throwNotFound()) : current;
    });
  }

  /** Deletes the endpoint with its secrets and delivery log; answers its bare id. */
  async delete(project: ProjectContext, endpointRef: string): Promise<string> {
    const id = this.endpointId(project, endpointRef);
    if (!(await this.endpoints.delete(this.knex, project.id, id))) throwNotFound();
    return id;
  }

  /** Mints the secret that signs from now on; the previous one keeps signing beside it for SECRET_ROLLOVER_MS. */
  async rotateSecret(project: ProjectContext, endpointRef: string): Promise<WebhookEndpointWithSecret> {
    const id = this.endpointId(project, endpointRef);
    const secret = newSigningSecret();
    return this.knex.transaction(async (trx) => {
      // Rotations of one endpoint queue on its row, so exactly one secret is current after any number of them.
      if (!(await this.endpoints.find(trx, project.id, id, true))) throwNotFound();
      await this.endpoints.rotateSecret(trx, id, { id: uuidv7(), secret }, new Date(Date.now() + SECRET_ROLLOVER_MS));
      return { endpoint: await this.endpoints.update(trx, id, {}), secret };
    });
  }

  /** The bare id of one of this project's endpoints; any other shape is simply not found. */
  private endpointId(project: ProjectContext, ref: string): string {
    return parseId('webhook-endpoint', project.env, ref) ?? throwNotFound();
  }

  /**
   * An absolute http(s) URL without credentials (they would sit in clear in every log and console);
   * https unless private addresses are allowed (development). Whether the host resolves to a private
   * address is checked when delivering, against the address actually connected to.
   */
  private checkUrl(value: string): string {
    // URL parsing silently drops tabs and line breaks; refuse them rather than store a URL other than the one sent.
    if (/[\s\p{Cc}]/u.test(value)) throw invalidUrl('must not contain spaces or control characters');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw invalidUrl('must be an absolute URL, like https://example.com/webhooks');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.allowPlainHttp)) {
      throw invalidUrl(this.allowPlainHttp ? 'must be an http(s) URL' : 'must be an https URL');
    }
    if (url.username !== '' || url.password !== '') throw invalidUrl('must not carry credentials (user:password@)');
    return value;
  }

  /** Every name in the catalogue (the first unknown one is named), each once, in the order given. */
  private checkEventTypes(names: readonly string[]): string[] {
    const unknown = names.find((name) => !this.catalogue.has(name));
    if (unknown !== undefined) {
      throw badRequest(
        'invalid_webhook_event_type',
        `event_types has an unknown event type "${unknown}": GET /v1/b2b/webhooks/event_types lists them.`,
        { field: 'event_types' },
      );
    }
    return [...new Set(names)];
  }
}

function throwNotFound(): never {
  throw notFound('webhook_endpoint_not_found', 'Webhook endpoint could not be found in this project.');
}
