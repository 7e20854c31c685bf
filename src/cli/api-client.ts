import type { Readable } from 'node:stream';
import { isNetworkFailure, networkCause, UnreachableError } from './errors';

/** The error envelope every Roster error answers with (Stytch's). */
interface ErrorBody {
  error_type?: string;
  error_message?: string;
  request_id?: string;
}

/** The server answered, with an error: its status, error_type and message, and which request it was. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    readonly errorMessage: string,
    readonly request: string,
    readonly requestId: string | undefined,
  ) {
    super(`${status} ${errorType}: ${errorMessage}\n  (${request}${requestId ? `, request_id ${requestId}` : ''})`);
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

interface SendOptions {
  query?: Query;
  /** A JSON value, or a stream sent as it is (with `contentType`). */
  body?: unknown;
  contentType?: string;
  accept?: string;
}

/** The CLI's view of a Roster server: Basic auth, Stytch's envelope, failures as exceptions naming the URL. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly projectId: string,
    private readonly secret: string,
  ) {}

  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', path, { query });
  }

  post<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.json<T>('POST', path, { body, query });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('PUT', path, { body });
  }

  delete<T>(path: string): Promise<T> {
    return this.json<T>('DELETE', path);
  }

  /** Streams `body` up as the request body. */
  upload<T>(path: string, body: Readable, contentType: string, query?: Query): Promise<T> {
    return this.json<T>('POST', path, { body, contentType, query });
  }

  /** A text body (e.g. a CSV report), streamed to `write`. */
  async download(path: string, accept: string, write: (chunk: Uint8Array) => void): Promise<void> {
    const { response } = await this.send('GET', path, { accept });
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) write(chunk);
  }

  private async json<T>(method: string, path: string, init: SendOptions = {}): Promise<T> {
    const { response, request } = await this.send(method, path, init);
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError(response.status, 'invalid_response', 'the answer is not JSON: is ROSTER_URL a Roster server?', request, undefined);
    }
  }

  /** Sends a request and returns a successful response; anything else throws. */
  private async send(method: string, path: string, init: SendOptions): Promise<{ response: Response; request: string }> {
    const url = `${this.baseUrl}${path}${queryString(init.query)}`;
    const request = `${method} ${url}`;
    const headers: Record<string, string> = {
      authorization: `Basic ${Buffer.from(`${this.projectId}:${this.secret}`).toString('base64')}`,
      accept: init.accept ?? 'application/json',
    };
    let body: string | Readable | undefined;
    if (init.contentType) {
      headers['content-type'] = init.contentType;
      body = init.body as Readable;
    } else if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body as never,
        // Node's fetch streams a request body only in half-duplex mode.
        duplex: init.contentType ? 'half' : undefined,
      } as RequestInit);
    } catch (err) {
      if (isNetworkFailure(err)) throw new UnreachableError(this.baseUrl, networkCause(err), 'is Roster running? (set ROSTER_URL)');
      // Connected, then lost: the server may have done something, so this is not "cannot reach".
      throw new Error(`${request} failed (${networkCause(err)})`);
    }
    if (!response.ok) {
      const error = (await response.json().catch(() => ({}))) as ErrorBody;
      throw new ApiError(
        response.status,
        error.error_type ?? 'http_error',
        error.error_message ?? (response.statusText || 'no error message'),
        request,
        error.request_id,
      );
    }
    return { response, request };
  }
}

function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
