import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { formatId, uuidv7, type ProjectEnv } from '../../src/ids';
import { eventually } from './eventually';

/** One request the receiver took. */
export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** How the receiver answers one request. */
export interface Answer {
  status?: number;
  /** Waits this long before answering (a slow endpoint). */
  delayMs?: number;
  headers?: Record<string, string>;
  body?: string;
}

type Responder = Answer | ((request: ReceivedWebhook, received: ReceivedWebhook[]) => Answer);

/**
 * A local webhook receiver: records every request and answers as each path
 * was scripted (a queue of answers, then a standing answer; 200 by default).
 * One receiver serves a whole test file: give each endpoint its own path.
 */
export class WebhookReceiver {
  private server: Server | undefined;
  private baseUrl = '';
  private readonly all: ReceivedWebhook[] = [];
  private readonly queued = new Map<string, Answer[]>();
  private readonly standing = new Map<string, Responder>();
  private nextPath = 0;
  /** Answers held back by a scripted delay: stop() drops them, so no timer outlives the test. */
  private readonly delays = new Set<NodeJS.Timeout>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const timer of this.delays) clearTimeout(timer);
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** The port the receiver listens on (to build URLs with another host name). */
  get port(): number {
    return Number(new URL(this.baseUrl).port);
  }

  /** A fresh path of this receiver, with its full URL. */
  newPath(): { path: string; url: string } {
    const path = `/hooks/${++this.nextPath}`;
    return { path, url: `${this.baseUrl}${path}` };
  }

  /** Answers the next requests to `path` with these, in order; then the standing answer. */
  script(path: string, ...answers: Answer[]): void {
    this.queued.set(path, [...(this.queued.get(path) ?? []), ...answers]);
  }

  /** The answer to every request to `path` once its script is spent. */
  answer(path: string, responder: Responder): void {
    this.standing.set(path, responder);
  }

  /** Requests to `path`, in arrival order. */
  requests(path: string): ReceivedWebhook[] {
    return this.all.filter((request) => request.path === path);
  }

  /** Waits until `path` has taken at least `count` requests; returns them. */
  async waitFor(path: string, count: number, timeoutMs = 15_000): Promise<ReceivedWebhook[]> {
    return eventually(
      () => {
        const seen = this.requests(path);
        if (seen.length < count) throw new Error(`${seen.length} of ${count} requests to ${path}`);
        return seen;
      },
      { what: `${count} webhook requests to ${path}`, timeoutMs },
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: ReceivedWebhook = {
      path: req.url ?? '',
      headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, String(value)])),
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.all.push(request);
    const scripted = this.queued.get(request.path)?.shift();
    const standing = this.standing.get(request.path) ?? {};
    const answer = scripted ?? (typeof standing === 'function' ? standing(request, this.all) : standing);
    if (answer.delayMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.delays.delete(timer);
          resolve();
        }, answer.delayMs);
        this.delays.add(timer);
      });
    }
    if (res.destroyed) return;
    res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain', ...answer.headers });
    res.end(answer.body ?? 'ok');
  }
}

/** A `whsec_` signing secret, as Standard Webhooks libraries take it. */
export const newSigningSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

export interface TestEndpoint {
  id: string;
  publicId: string;
  secret: string;
}

/**
 * Inserts a webhook endpoint with a signing secret (and any extra secrets,
 * e.g. a rotation's), as the endpoints API would store them.
 */
export async function insertEndpoint(
  knex: Knex,
  project: { id: string; env: ProjectEnv },
  url: string,
  options: { eventTypes?: string[]; extraSecrets?: { secret: string; expiresAt: Date | null }[] } = {},
): Promise<TestEndpoint> {
  const id = uuidv7();
  const secret = newSigningSecret();
  await knex('webhook_endpoints').insert({ id, project_id: project.id, url, event_types: options.eventTypes ?? [] });
  await knex('webhook_endpoint_secrets').insert(
    [{ secret, expiresAt: null }, ...(options.extraSecrets ?? [])].map((s) => ({
      id: uuidv7(),
      endpoint_id: id,
      secret: s.secret,
      expires_at: s.expiresAt,
    })),
  );
  return { id, publicId: formatId('webhook-endpoint', project.env, id), secret };
}
