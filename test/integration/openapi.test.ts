import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { useTestApp } from '../helpers/app';
import { routeTable } from '../helpers/routes';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

interface Operation {
  operationId: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required: boolean; schema: object }[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: object }> }>;
}

describe('the OpenAPI document and the reference page', () => {
  const ctx = useTestApp();

  const fetchDocument = async () => {
    const response = await ctx.app.http('GET', '/openapi.json', { auth: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    return response.body;
  };

  const operationsOf = (document: Record<string, any>): { method: string; path: string; operation: Operation }[] =>
    Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => {
        expect(METHODS).toContain(method);
        return { method, path, operation };
      }),
    );

  it('is OpenAPI 3.1 in shape: every operation named once, with its path parameters, a success response and the error envelope as default', async () => {
    const document = await fetchDocument();

    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toEqual(expect.objectContaining({ title: 'Roster', version: expect.any(String) }));
    expect(document.servers).toEqual([{ url: ctx.app.baseUrl }]);
    expect(document.components.securitySchemes.projectSecret).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(document.security).toEqual([{ projectSecret: [] }]);
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThanOrEqual(30);
    const ids = operations.map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, operation } of operations) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = (operation.parameters ?? [])
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
        .sort();
      expect({ path, params: declared }).toEqual({ path, params: templated });
      const statuses = Object.keys(operation.responses);
      // Exactly one success: a 2xx, or the 302 of a browser redirect.
      expect({ path, successes: statuses.filter((s) => /^(2\d\d|302)$/.test(s)).length }).toEqual({ path, successes: 1 });
      // Under a SCIM base URL, failures come in SCIM's envelope; everywhere else in Stytch's.
      const envelope = operation.security?.some((s) => 'scimBearerToken' in (s as object)) ? 'ScimError' : 'Error';
      if (path.startsWith('/v1/')) expect(operation.responses.default).toEqual({ $ref: `#/components/responses/${envelope}` });
    }
    expect(document.components.responses.Error.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(document.components.schemas.Error.required).toEqual(['status_code', 'request_id', 'error_type', 'error_message', 'error_url']);
  });

  it('carries only standard JSON Schema 2020-12 (Roster keywords stripped), every schema compiling strictly', async () => {
    const document = await fetchDocument();
    const ajv = addFormats(new Ajv2020({ strict: true, allErrors: true }));
    ajv.compile(document.components.schemas.Error);

    let compiled = 0;
    const failures: string[] = [];
    for (const { path, method, operation } of operationsOf(document)) {
      const schemas = [
        ...(operation.parameters ?? []).map((p) => p.schema),
        ...Object.values(operation.requestBody?.content ?? {}).map((c) => c.schema),
        ...Object.values(operation.responses).flatMap((r) => Object.values(r.content ?? {}).map((c) => c.schema)),
      ];
      for (const schema of schemas) {
        try {
          ajv.compile(schema);
          compiled++;
        } catch (err) {
          failures.push(`${method} ${path}: ${(err as Error).message}`);
        }
      }
      // Compiling takes seconds on a busy machine: yield between operations, so that the in-process server and
      // fetch's pool run their keep-alive timers on time (a seconds-long block makes the next request meet a reset socket).
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(failures).toEqual([]);
    expect(compiled).toBeGreaterThan(60);
  });

  it('describes every route in the router table, and nothing the router does not serve', async () => {
    const document = await fetchDocument();
    const documented = operationsOf(document)
      .map((o) => `${o.method.toUpperCase()} ${o.path}`)
      .sort();

    const routed = routeTable(ctx.app.express).map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);

    expect(routed.length).toBeGreaterThanOrEqual(30);
    expect(documented).toEqual([...new Set(routed)].sort());
  });

  it('says which operations need the project credentials, as the server enforces them', async () => {
    const document = await fetchDocument();
    const open: string[] = [];
    for (const { method, path, operation } of operationsOf(document)) {
      const response = await ctx.app.http(method.toUpperCase(), path.replace(/\{\w+\}/g, 'unknown-id'), { auth: null });
      const refused = response.status === 401;
      // A SCIM endpoint needs its connection's bearer token instead of the project credentials.
      const needsCredentials = operation.security === undefined || JSON.stringify(operation.security).includes('scimBearerToken');
      if (needsCredentials) expect({ method, path, status: response.status }).toEqual({ method, path, status: 401 });
      else if (!refused) open.push(`${method.toUpperCase()} ${path}`);
      else throw new Error(`${method} ${path} is documented as open but answered 401`);
    }
    expect(open.sort()).toEqual([
      'GET /docs',
      'GET /docs/errors.md',
      'GET /healthz',
      'GET /metrics',
      'GET /openapi.json',
      'GET /v1/b2b/sessions/jwks/{project_id}',
      // The browser's side of SSO: the start URL (a public token names the project) and the IdPs' callbacks.
      'GET /v1/b2b/sso/callback/{connection_id}',
      'GET /v1/public/sso/start',
      'POST /v1/b2b/sso/callback/{connection_id}',
    ]);
  });

  it('documents a 204 with no body and a 302 with its Location header and no body, as those routes answer', async () => {
    const document = await fetchDocument();
    const byName = new Map(operationsOf(document).map((o) => [o.operation.operationId, o.operation]));
    const noContent = ['scim.users.delete', 'scim.groups.delete', 'scim.groups.patch'];
    const redirects = ['sso.start', 'sso.oidc.callback', 'sso.saml.acs'];
    const successes = (name: string) => Object.keys(byName.get(name)!.responses).filter((s) => s !== 'default');
    for (const name of noContent) {
      expect({ name, statuses: successes(name) }).toEqual({ name, statuses: ['204'] });
      expect(byName.get(name)!.responses['204']).not.toHaveProperty('content');
    }
    for (const name of redirects) {
      expect({ name, statuses: successes(name) }).toEqual({ name, statuses: ['302'] });
      const redirect = byName.get(name)!.responses['302'] as { content?: unknown; headers?: Record<string, { required: boolean }> };
      expect(redirect).not.toHaveProperty('content');
      expect(redirect.headers?.Location).toMatchObject({ required: true, schema: { type: 'string', format: 'uri' } });
    }
    // Every other success carries its body.
    for (const [name, operation] of byName) {
      if (noContent.includes(name) || redirects.includes(name)) continue;
      const [status] = successes(name);
      expect({ name, media: Object.keys(operation.responses[status].content ?? {}).length }).toEqual({ name, media: 1 });
    }
  });

  it('serves a reference page at /docs that loads only its own, local assets', async () => {
    const page = await fetch(`${ctx.app.baseUrl}/docs`);
    const html = await page.text();

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const references = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(references.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain("url: 'openapi.json'");
    expect(html).not.toMatch(/https?:\/\/|\/\/[a-z]/i);
    for (const reference of references) {
      const asset = await fetch(new URL(reference, `${ctx.app.baseUrl}/docs`));
      expect({ reference, status: asset.status }).toEqual({ reference, status: 200 });
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
  });

  it("links Roster's own error types to an anchor of its own error reference, which it serves", async () => {
    const answer = await ctx.app.http('POST', '/v1/b2b/organizations', { body: '{', headers: { 'content-type': 'application/json' } });
    expect(answer.body.error_type).toBe('invalid_json');
    const url = new URL(answer.body.error_url);
    expect(`${url.origin}${url.pathname}`).toBe(`${ctx.app.baseUrl}/docs/errors.md`);
    expect(url.hash).toBe(`#${answer.body.error_type}`);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain(`<h2 id="${answer.body.error_type}">`);
    const documented = [...html.matchAll(/<h2 id="([a-z0-9_]+)">/g)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThan(40);
  });
});
