import type { IncomingMessage, ServerResponse } from 'node:http';
import { sdkMethodFor, shapeDiff } from './sdk-shapes';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Fields the SDK types as optional strings that Stytch's API sends as null:
 * the SDK's own comment on MfaRequired.secondary_auth_initiated says "If null,
 * indicates that no secondary authentication has been initiated".
 */
const SENT_AS_NULL = ['secondary_auth_initiated: null, MfaRequired declares it optional'];

/**
 * Holds every successful response of an endpoint the stytch SDK calls to the
 * SDK's own response type (see sdk-shapes.ts): the test app's server runs
 * through `observe`, and the file's afterAll fails on what `problems` lists.
 * Endpoints are found from the request, so a new one is checked as soon as a
 * test calls it.
 */
export class SdkWireCheck {
  /** `method: problem`, array indexes folded, so a list of 300 members reports a problem once. */
  private readonly found = new Set<string>();

  observe(handler: Handler): Handler {
    return (req, res) => {
      const chunks: Buffer[] = [];
      const write = res.write.bind(res) as (...args: unknown[]) => boolean;
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      const keep = (chunk: unknown) => {
        if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) chunks.push(Buffer.from(chunk));
      };
      res.write = ((chunk: unknown, ...rest: unknown[]) => (keep(chunk), write(chunk, ...rest))) as ServerResponse['write'];
      res.end = ((chunk: unknown, ...rest: unknown[]) => (keep(chunk), end(chunk, ...rest))) as ServerResponse['end'];
      res.on('finish', () => this.check(req, res, chunks));
      handler(req, res);
    };
  }

  private check(req: IncomingMessage, res: ServerResponse, chunks: Buffer[]): void {
    if (res.statusCode >= 300 || !String(res.getHeader('content-type')).startsWith('application/json')) return;
    const method = sdkMethodFor(req.method ?? '', new URL(req.url ?? '/', 'http://roster').pathname);
    if (!method) return;
    for (const problem of shapeDiff(JSON.parse(Buffer.concat(chunks).toString('utf8')), method.response)) {
      if (SENT_AS_NULL.some((field) => problem.includes(field))) continue;
      this.found.add(`${method.name}: ${problem.replace(/\[\d+\]/g, '[*]')}`);
    }
  }

  problems(): string[] {
    return [...this.found].sort();
  }
}
