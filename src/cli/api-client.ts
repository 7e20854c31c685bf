import type { Readable } from 'node:stream';

/** The CLI's view of a Roster server: Basic auth, Stytch's envelope, errors as exceptions. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly projectId: string,
    private readonly secret: string,
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Basic ${Buffer.from(`${this.projectId}:${this.secret}`).toString('base64')}`, ...extra };
  }

  async request<T>(method: string, path: string, init: { body?: Readable; headers?: Record<string, string> } = {}): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: this.headers(init.headers),
      body: init.body as never,
      duplex: init.body ? 'half' : undefined,
    } as RequestInit);
    const body = (await response.json().catch(() => ({}))) as { error_type?: string; error_message?: string };
    if (!response.ok) {
      throw new ApiError(response.status, body.error_type ?? 'http_error', body.error_message ?? response.statusText);
    }
    return body as T;
  }

  /** A text body (e.g. a CSV report), streamed to `write`. */
  async download(path: string, accept: string, write: (chunk: Uint8Array) => void): Promise<void> {
    const response = await fetch(`${this.baseUrl}${path}`, { headers: this.headers({ accept }) });
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => ({}))) as { error_type?: string; error_message?: string };
      throw new ApiError(response.status, body.error_type ?? 'http_error', body.error_message ?? response.statusText);
    }
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) write(chunk);
  }
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(`${status} ${errorType}: ${message}`);
  }
}
