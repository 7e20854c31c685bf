import { randomUUID } from 'node:crypto';
import type { SchemaObject } from 'ajv';
import { formatId, parseProjectId } from '../../src/ids';
import { RawRequest, RawResponse, useTestApp } from '../helpers/app';
import { createMember, createOrganization } from '../helpers/factories';
import { Route, routeTable } from '../helpers/routes';
import { SCIM_ERROR, SCIM_USER } from '../helpers/scim-users';

/**
 * Walks every route of the app's router table with bad input and fails on any
 * 5xx. The table is read from Express itself, so a new route is walked
 * without touching this file; what a route takes (its string fields) is read
 * from the schemas its validate() middleware carries.
 */

const NUL = 'bad\u0000value';
const LONE_SURROGATE = 'bad\ud800value';
const DEEP = JSON.parse('{"a":'.repeat(2500) + '1' + '}'.repeat(2500));

type Path = (string | number)[];

/** Where a schema takes strings (arrays by their first item), and where it takes free-form objects. */
function positions(schema: SchemaObject | undefined, at: Path = []): { strings: Path[]; objects: Path[] } {
  const out = { strings: [] as Path[], objects: [] as Path[] };
  if (!schema) return out;
  const types: string[] = [schema.type ?? []].flat();
  if (types.includes('string')) out.strings.push(at);
  if (types.includes('array')) {
    const inner = positions(schema.items, [...at, 0]);
    out.strings.push(...inner.strings);
    out.objects.push(...inner.objects);
  }
  if (types.includes('object')) {
    const properties = Object.entries((schema.properties ?? {}) as Record<string, SchemaObject>);
    if (properties.length === 0 || schema.additionalProperties) out.objects.push(at);
    for (const [name, property] of properties) {
      const inner = positions(property, [...at, name]);
      out.strings.push(...inner.strings);
      out.objects.push(...inner.objects);
    }
  }
  return out;
}

/** `value` nested at `path` (arrays by their first item). */
function valueAt(path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  return typeof head === 'number' ? [valueAt(rest, value)] : { [head]: valueAt(rest, value) };
}

/** Values for required fields, by name, so a probe passes validation and reaches the service with its one bad value. */
function sampleValues(ids: Record<string, string>): Record<string, unknown> {
  return {
    email_address: `walk-${Math.random().toString(36).slice(2)}@acme.com`,
    organization_id: ids.organization_id,
    organization_ids: [ids.organization_id],
    organization_name: 'Walk Corp',
    primary_member_id: ids.member_id,
    duplicate_member_ids: [ids.member_id],
    magic_links_token: 'walk-token',
    rules: [{ domains: ['acme.com'] }],
    invitees: [{ email_address: `walk-${Math.random().toString(36).slice(2)}@acme.com` }],
    operator: 'AND',
  };
}

/** The smallest body the schema accepts, or near it: its required fields, filled in. */
function baseline(schema: SchemaObject | undefined, samples: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of (schema?.required ?? []) as string[]) body[name] = samples[name] ?? 'x';
  return body;
}

/** `patch` laid over `base`: objects key by key, arrays by index. */
function merge(base: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) return patch.map((item, i) => merge(Array.isArray(base) ? base[i] : undefined, item));
  if (typeof patch !== 'object' || patch === null || typeof base !== 'object' || base === null || Array.isArray(base)) return patch;
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) merged[key] = merge(merged[key], value);
  return merged;
}

interface Probe {
  name: string;
  path: string;
  request: RawRequest;
  /** The error_type the hygiene layer must answer with; otherwise anything under 500 passes. */
  expect?: { status: number; errorType: string };
}

describe('every route, walked with bad input', () => {
  const ctx = useTestApp();
  jest.setTimeout(180_000);

  /** Real ids for every path parameter, made fresh per route: DELETE routes consume them. */
  async function realIds(): Promise<Record<string, string>> {
    const organization = await createOrganization(ctx.client);
    const member = await createMember(ctx.client, organization.organization_id);
    const scan = await ctx.app.http('POST', `/v1/b2b/organizations/${organization.organization_id}/members/duplicates/scan`, { body: {} });
    expect(scan.status).toBe(202);
    // A SCIM connection with a user in a group: the SCIM server's routes are walked with its bearer token.
    const created = await ctx.client.scim.connection.create({ organization_id: organization.organization_id });
    const connection = created.connection!;
    const scim = (method: string, path: string, body: unknown) =>
      ctx.app.http(method, `/v1/b2b/scim/${connection.connection_id}${path}`, {
        body,
        auth: null,
        headers: { authorization: `Bearer ${connection.bearer_token}`, 'content-type': 'application/scim+json' },
      });
    const user = await scim('POST', '/Users', { schemas: [SCIM_USER], userName: `walk-${randomUUID()}@acme.com` });
    const group = await scim('POST', '/Groups', { displayName: `walk ${randomUUID()}`, members: [{ value: user.body.id }] });
    expect([user.status, group.status]).toEqual([201, 201]);
    // A project may hold 100 webhook endpoints: reuse the one a previous route left, unless its DELETE consumed it.
    const webhooks = await ctx.app.http('GET', '/v1/b2b/webhooks/endpoints');
    const webhook =
      webhooks.body.endpoints[0] ??
      (await ctx.app.http('POST', '/v1/b2b/webhooks/endpoints', { body: { url: 'https://hooks.example.com/walk' } })).body.endpoint;
    // An event of the project's audit log, recorded as a service records one.
    const project = { id: parseProjectId(ctx.app.project.projectId)!.uuid, publicId: ctx.app.project.projectId, env: 'test' as const };
    const [eventId] = await ctx.app.container.eventLog.record(ctx.app.container.knex, project, {
      objectType: 'organization',
      action: 'UPDATE',
      objectId: organization.organization_id,
    });
    return {
      organization_id: organization.organization_id,
      member_id: member.member_id,
      job_id: scan.body.job.job_id,
      project_id: ctx.app.project.projectId,
      connection_id: connection.connection_id,
      scim_token: connection.bearer_token,
      user_id: user.body.id,
      group_id: group.body.id,
      resource_type_id: 'User',
      schema_id: SCIM_USER,
      // No SAML connection has these: the SSO certificate and key routes are walked to their 404s.
      certificate_id: randomUUID(),
      private_key_id: randomUUID(),
      endpoint_id: webhook.endpoint_id,
      // No delivery has this id: the delivery routes are walked to their 404s.
      delivery_id: `webhook-delivery-test-${randomUUID()}`,
      event_id: formatId('event', 'test', eventId),
    };
  }

  /** Routes of a SCIM connection's service provider: its bearer token opens them, and they refuse in SCIM's envelope. */
  const isScim = (route: Route) => route.path.startsWith('/v1/b2b/scim/:connection_id/');

  function probes(route: Route, ids: Record<string, string>): Probe[] {
    const params = route.path.match(/:\w+/g)?.map((p) => p.slice(1)) ?? [];
    for (const param of params) if (!(param in ids)) throw new Error(`no real id for :${param} in ${route.method} ${route.path}`);
    const pathWith = (values: Record<string, string>) =>
      route.path.replace(/:(\w+)/g, (_m, name: string) => values[name] ?? encodeURIComponent(ids[name]));
    const path = pathWith({});
    const refused = { status: 400, errorType: 'invalid_character' };
    // The SAML POST binding (the ACS URL) takes a form, not JSON: its JSON probes meet a missing SAMLResponse.
    const takesForm = route.method === 'POST' && route.path === '/v1/b2b/sso/callback/:connection_id';
    const takesJson = route.schemas.body !== undefined && !takesForm;
    const base = baseline(route.schemas.body, sampleValues(ids));
    const bodyWith = (at: Path, value: unknown) => merge(base, valueAt(at, value));
    const list: Probe[] = [
      { name: 'no body', path, request: {} },
      { name: 'an empty object', path, request: { body: {} } },
      { name: 'its required fields only', path, request: { body: base } },
      { name: 'null', path, request: { body: 'null' } },
      { name: 'an array', path, request: { body: [] } },
      { name: 'an array of objects', path, request: { body: [{ a: 1 }] } },
      { name: 'a JSON string', path, request: { body: '"text"' } },
      { name: 'a deep object', path, request: { body: DEEP } },
      { name: 'a NUL in an unknown query parameter', path: `${path}?x=a%00b`, request: {}, expect: refused },
      { name: 'a NUL in a query parameter name', path: `${path}?a%00b=1`, request: {}, expect: refused },
      { name: 'undecodable UTF-8 in the query', path: `${path}?x=%ED%A0%80`, request: {} },
    ];
    for (const param of params) {
      list.push({ name: `a NUL in :${param}`, path: pathWith({ [param]: 'a%00b' }), request: {}, expect: refused });
      list.push({ name: `undecodable UTF-8 in :${param}`, path: pathWith({ [param]: 'a%ED%A0%80b' }), request: {}, expect: refused });
    }
    for (const field of positions(route.schemas.query).strings) {
      list.push({ name: `a NUL in query ${field.join('.')}`, path: `${path}?${field[0]}=a%00b`, request: {}, expect: refused });
    }
    const body = positions(route.schemas.body);
    for (const field of body.strings) {
      const name = field.join('.');
      list.push({ name: `a NUL in ${name}`, path, request: { body: bodyWith(field, NUL) }, expect: takesJson ? refused : undefined });
      list.push({ name: `a lone surrogate in ${name}`, path, request: { body: bodyWith(field, LONE_SURROGATE) }, expect: refused });
    }
    for (const field of body.objects) {
      const name = field.join('.') || 'the body';
      list.push({ name: `a NUL key in ${name}`, path, request: { body: bodyWith(field, { [NUL]: 1 }) }, expect: refused });
      list.push({
        name: `a lone surrogate value in ${name}`,
        path,
        request: { body: bodyWith(field, { k: LONE_SURROGATE }) },
        expect: refused,
      });
      list.push({ name: `a deep object in ${name}`, path, request: { body: bodyWith(field, DEEP) } });
    }
    if (body.strings.some((f) => f[0] === 'query')) {
      const filter = (filter_name: string, filter_value: unknown) => ({
        query: { operator: 'AND', operands: [{ filter_name, filter_value }] },
      });
      list.push({ name: 'a NUL in a search filter value', path, request: { body: filter('organization_slugs', [NUL]) }, expect: refused });
      list.push({ name: 'a NUL in a fuzzy search filter', path, request: { body: filter('member_email_fuzzy', NUL) }, expect: refused });
    }
    // fetch sends no body with a GET. The CSV upload takes no JSON: its body probes meet the content-type check.
    const sendable = route.method === 'GET' ? list.filter((p) => p.request.body === undefined) : list;
    const checked = takesJson ? sendable : sendable.map((p) => (p.request.body !== undefined ? { ...p, expect: undefined } : p));
    if (!isScim(route)) return checked;
    const bearer = { auth: null, headers: { authorization: `Bearer ${ids.scim_token}` } };
    return checked.map((p) => ({ ...p, request: { ...p.request, ...bearer, headers: { ...p.request.headers, ...bearer.headers } } }));
  }

  function verdict(probe: Probe, res: RawResponse): string | undefined {
    if (res.status >= 500) return `${res.status} ${res.body.error_type ?? ''} ${res.body.error_message ?? JSON.stringify(res.body)}`;
    // Successes are held to their contracts elsewhere (and /docs, /openapi.json answer documents); errors to the envelope here.
    const error = res.status >= 400;
    if (error && res.body.raw !== undefined) return `${res.status} with a body that is not JSON`;
    // SCIM's envelope (RFC 7644 §3.12) carries the status as a string; what is refused before routing keeps Stytch's.
    if (error && res.body.status === String(res.status) && res.body.schemas?.includes(SCIM_ERROR)) {
      return probe.expect && res.status !== probe.expect.status ? `${res.status}, expected ${probe.expect.status}` : undefined;
    }
    if (error && res.body.status_code !== res.status) return `${res.status} without the envelope's status_code`;
    if (probe.expect && (res.status !== probe.expect.status || res.body.error_type !== probe.expect.errorType)) {
      return `${res.status} ${res.body.error_type}, expected ${probe.expect.status} ${probe.expect.errorType}`;
    }
    return undefined;
  }

  it('finds the routes in the router table, with their schemas', () => {
    const routes = routeTable(ctx.app.express).map((r) => `${r.method} ${r.path}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'GET /v1/b2b/sessions/jwks/:project_id',
        'POST /v1/b2b/migrations/members',
        'PUT /v1/b2b/organizations/:organization_id/members/:member_id',
        'POST /v1/b2b/organizations/:organization_id/invites',
        'POST /v1/b2b/sessions/authenticate',
      ]),
    );
    expect(routes.length).toBeGreaterThanOrEqual(30);
    const update = routeTable(ctx.app.express).find((r) => r.method === 'PUT' && r.path.endsWith('/members/:member_id'));
    expect(positions(update!.schemas.body).strings).toContainEqual(['email_address']);
  });

  it('answers every probe of every route below 500, in the envelope, and refuses unstorable text with 400', async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const route of routeTable(ctx.app.express)) {
      const ids = await realIds();
      for (const probe of probes(route, ids)) {
        const res = await ctx.app.http(route.method, probe.path, probe.request);
        sent++;
        const problem = verdict(probe, res);
        if (problem) failures.push(`${route.method} ${route.path} with ${probe.name}: ${problem}`);
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(500);
  });
});
