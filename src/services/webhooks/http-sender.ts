import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { guardedLookup, refusedLiteral } from './address-guard';

/** What is kept of a receiver's answer: enough to debug it, never a whole page. */
export const RESPONSE_EXCERPT_BYTES = 1024;

export interface SendOptions {
  timeoutMs: number;
  allowPrivateAddresses: boolean;
}

/** One attempt as webhook_attempts records it; `statusCode` is null when no answer came. */
export interface AttemptOutcome {
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string;
  error: string | null;
  /** The receiver's Retry-After header, if it sent one. */
  retryAfter: string | undefined;
}

/**
 * POSTs one webhook and reports how it went; never throws. Redirects are not
 * followed (a 3xx is a failed attempt: a redirect could point anywhere), the
 * whole exchange, connection to last byte, is bounded by `timeoutMs`, and
 * unless private addresses are allowed the connection is made only to a
 * public address (see address-guard).
 */
export function postWebhook(url: string, body: string, headers: Record<string, string>, options: SendOptions): Promise<AttemptOutcome> {
  const started = performance.now();
  const outcome = (fields: Partial<AttemptOutcome>): AttemptOutcome => ({
    statusCode: null,
    latencyMs: Math.round(performance.now() - started),
    responseExcerpt: '',
    error: null,
    retryAfter: undefined,
    ...fields,
  });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(outcome({ error: 'the endpoint URL is not a valid URL' }));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return Promise.resolve(outcome({ error: `unsupported URL scheme ${target.protocol}` }));
  }
  const refused = options.allowPrivateAddresses ? undefined : refusedLiteral(target.hostname);
  if (refused) return Promise.resolve(outcome({ error: refused.message }));

  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      // A fresh connection per attempt: its address is checked by the lookup, never inherited from a pooled socket.
      agent: false,
      lookup: options.allowPrivateAddresses ? undefined : guardedLookup,
    });
    const timer = setTimeout(
      () => finish(outcome({ error: `timeout: no complete answer within ${options.timeoutMs} ms` })),
      options.timeoutMs,
    );
    req.on('error', (err) => finish(outcome({ error: err.message })));
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const answered = () => {
        const retryAfter = res.headers['retry-after'];
        finish(
          outcome({
            statusCode: res.statusCode ?? null,
            responseExcerpt: Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8'),
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          }),
        );
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // The excerpt is all that is kept: stop reading a large body there.
        if (size >= RESPONSE_EXCERPT_BYTES) answered();
      });
      res.on('end', answered);
      res.on('error', (err) => finish(outcome({ statusCode: res.statusCode ?? null, error: err.message })));
    });
    req.end(body);
  });
}
