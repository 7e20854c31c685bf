/** A browser-like client of the admin console over raw HTTP: it keeps the session cookie and reads each page's CSRF token. */
export interface ConsolePage {
  status: number;
  headers: Headers;
  html: string;
  /** The Location of a redirect. */
  location: string | null;
}

export class ConsoleClient {
  cookie: string | undefined;
  /** The CSRF token of the last page read that had one. */
  csrfToken: string | undefined;

  constructor(readonly baseUrl: string) {}

  async get(path: string): Promise<ConsolePage> {
    return this.request('GET', path);
  }

  /** A form POST; `csrf_token` is added unless `fields` sets it (null leaves it out). */
  async post(path: string, fields: Record<string, string | null> = {}, headers: Record<string, string> = {}): Promise<ConsolePage> {
    const form = new URLSearchParams();
    const withToken = { csrf_token: this.csrfToken ?? null, ...fields };
    for (const [name, value] of Object.entries(withToken)) if (value !== null) form.set(name, value);
    return this.request('POST', path, form.toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  }

  /** Signs in with a project's credentials; the page answered (a 303 to /admin when it worked). */
  async signIn(projectId: string, secret: string): Promise<ConsolePage> {
    const page = await this.post('/admin/sign-in', { project_id: projectId, secret, csrf_token: null });
    if (page.status === 303) await this.get('/admin');
    return page;
  }

  private async request(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<ConsolePage> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      body,
      redirect: 'manual',
      headers: { ...headers, ...(this.cookie ? { cookie: this.cookie } : {}) },
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) {
      const [pair] = setCookie.split(';');
      this.cookie = pair.endsWith('=') ? undefined : pair;
    }
    const html = await response.text();
    const token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
    if (token) this.csrfToken = token;
    return { status: response.status, headers: response.headers, html, location: response.headers.get('location') };
  }
}
