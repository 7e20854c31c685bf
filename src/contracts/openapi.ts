import type { Contract, Schema } from './contract';

/** Contracts served without project credentials: the API mounts them outside its Basic-auth router. */
const UNAUTHENTICATED = new Set(['health', 'sessions.getJWKS', 'sso.saml.acs', 'sso.start', 'sso.oidc.callback']);

/** Contracts whose body is not JSON: the member import streams a CSV file. */
const CSV_BODIES = new Set(['migrations.members']);

/** Contracts whose body is an HTML form: the SAML POST binding. */
const FORM_BODIES = new Set(['sso.saml.acs']);
const bodyMedia = (contract: Contract) => (FORM_BODIES.has(contract.name) ? 'application/x-www-form-urlencoded' : 'application/json');

/** Roster's own JSON Schema keywords (the API's ajv reads them); OpenAPI readers do not know them. */
const ROSTER_KEYWORDS = new Set(['errorType', 'errorMessage', 'text']);

/** The error envelope every failure answers with, Stytch's shape. */
const ERROR_ENVELOPE = {
  type: 'object',
  properties: {
    status_code: { type: 'integer' },
    request_id: { type: 'string' },
    error_type: { type: 'string' },
    error_message: { type: 'string' },
    error_url: { type: 'string' },
  },
  required: ['status_code', 'request_id', 'error_type', 'error_message', 'error_url'],
} as const;

/** SCIM's error message (RFC 7644 §3.12): `status` is a string. */
const SCIM_ERROR_ENVELOPE = {
  type: 'object',
  properties: {
    schemas: { type: 'array', items: { const: 'urn:ietf:params:scim:api:messages:2.0:Error' } },
    status: { type: 'string' },
    scimType: { type: 'string' },
    detail: { type: 'string' },
  },
  required: ['schemas', 'status'],
} as const;

export interface OpenApiOptions {
  version: string;
  /** The server's external base URL (PUBLIC_URL). */
  serverUrl: string;
}

/** Where the document itself and its reference page are served; they are routes too, so they are in it. */
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';
/** Roster's own error types, one anchor each: `error_url` links here unless ROSTER_DOCS_URL points elsewhere. */
export const ERRORS_PATH = '/docs/errors.md';
/** Prometheus metrics: outside the project API, open unless METRICS_TOKEN is set. */
export const METRICS_PATH = '/metrics';

/** A schema without Roster's own keywords, at any depth. */
function portable(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(portable);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key]) => !ROSTER_KEYWORDS.has(key))
      .map(([key, value]) => [key, portable(value)]),
  );
}

function parameters(schema: Schema | undefined, where: 'path' | 'query'): object[] {
  const properties = (schema?.properties ?? {}) as Record<string, Schema>;
  const required = new Set<string>((schema?.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: portable(property),
  }));
}

/** `Stytch: organizations` for endpoints the SDK calls (grouped by SDK namespace), `Roster` for Roster's own. */
const tagOf = (contract: Contract) => (contract.sdk ? `Stytch: ${contract.sdk.split('.').slice(0, -1).join('.')}` : 'Roster');

/**
 * The success response of a contract: 204 carries no body, 302 only its Location header (the
 * `response` schema of those is the empty `noBody`); every other status carries the JSON body.
 */
function successResponse(contract: Contract, media: string): Record<string, object> {
  const description = contract.summary;
  if (contract.status === 204) return { '204': { description } };
  if (contract.status === 302) {
    const location = { description: 'Where the browser goes next.', required: true, schema: { type: 'string', format: 'uri' } };
    return { '302': { description, headers: { Location: location } } };
  }
  return { [String(contract.status)]: { description, content: { [media]: { schema: portable(contract.response) } } } };
}

/** SCIM endpoints: the connection's bearer token, SCIM's media type and error envelope. */
function scimOperation(contract: Contract): object {
  const media = (schema: unknown) => ({ 'application/scim+json': { schema } });
  return {
    operationId: contract.name,
    summary: contract.summary,
    tags: ['SCIM 2.0'],
    security: [{ scimBearerToken: [] }],
    parameters: [...parameters(contract.params, 'path'), ...parameters(contract.query, 'query')],
    ...(contract.body ? { requestBody: { required: true, content: media(portable(contract.body)) } } : {}),
    responses: {
      ...successResponse(contract, 'application/scim+json'),
      default: { $ref: '#/components/responses/ScimError' },
    },
  };
}

function operation(contract: Contract): object {
  if (contract.protocol === 'scim') return scimOperation(contract);
  return {
    operationId: contract.name,
    summary: contract.summary,
    tags: [tagOf(contract)],
    ...(contract.sdk ? { description: `Called by the stytch SDK as \`client.${contract.sdk}\`.` } : {}),
    ...(UNAUTHENTICATED.has(contract.name) ? { security: [] } : {}),
    parameters: [...parameters(contract.params, 'path'), ...parameters(contract.query, 'query')],
    ...(contract.body ? { requestBody: { required: true, content: { [bodyMedia(contract)]: { schema: portable(contract.body) } } } } : {}),
    ...(CSV_BODIES.has(contract.name) ? { requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } } } : {}),
    responses: {
      ...successResponse(contract, 'application/json'),
      default: { $ref: '#/components/responses/Error' },
    },
  };
}

/** Express's `/a/:id` as OpenAPI's `/a/{id}`. */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** The OpenAPI 3.1 document of every contract (Stytch's endpoints and Roster's own) and of the documentation routes. */
export function openApiDocument(contracts: readonly Contract[], options: OpenApiOptions): Record<string, unknown> {
  const paths: Record<string, Record<string, object>> = {};
  for (const contract of contracts) {
    const path = openApiPath(contract.path);
    paths[path] = { ...paths[path], [contract.method]: operation(contract) };
  }
  paths[OPENAPI_PATH] = {
    get: {
      operationId: 'docs.openapi',
      summary: 'This OpenAPI document.',
      tags: ['Roster'],
      security: [],
      responses: { '200': { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
  paths[DOCS_PATH] = {
    get: {
      operationId: 'docs.reference',
      summary: 'A readable API reference rendered from this document.',
      tags: ['Roster'],
      security: [],
      responses: { '200': { description: 'An HTML page.', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  };
  paths[ERRORS_PATH] = {
    get: {
      operationId: 'docs.errors',
      summary: "Roster's own error types (the error_url of each), as an HTML page with one anchor per type.",
      tags: ['Roster'],
      security: [],
      responses: { '200': { description: 'An HTML page.', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  };
  paths[METRICS_PATH] = {
    get: {
      operationId: 'metrics',
      summary: 'Prometheus metrics: HTTP, queues, jobs, outbox, emails, the database pool and the Node process.',
      tags: ['Roster'],
      // Open by default; a bearer token once the operator sets METRICS_TOKEN.
      security: [{}, { metricsToken: [] }],
      responses: {
        '200': { description: "Prometheus' text exposition format.", content: { 'text/plain': { schema: { type: 'string' } } } },
        default: { $ref: '#/components/responses/Error' },
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Roster',
      version: options.version,
      description:
        "Self-hosted B2B identity provisioning, wire-compatible with Stytch's B2B API. Operations tagged `Stytch:` are " +
        "called by the stytch SDK; those tagged `Roster` are Roster's own. Authenticate with HTTP Basic `project_id:secret`.",
    },
    servers: [{ url: options.serverUrl }],
    security: [{ projectSecret: [] }],
    paths,
    components: {
      securitySchemes: {
        projectSecret: { type: 'http', scheme: 'basic', description: 'The project id as user name and the project secret as password.' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when the operator set one.' },
        scimBearerToken: {
          type: 'http',
          scheme: 'bearer',
          description: "The SCIM connection's bearer token (shown once, at creation or rotation).",
        },
      },
      schemas: { Error: ERROR_ENVELOPE, ScimError: SCIM_ERROR_ENVELOPE },
      responses: {
        Error: {
          description: "An error, in Stytch's envelope.",
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
        ScimError: {
          description: "An error under a SCIM base URL, in SCIM's envelope (RFC 7644 §3.12).",
          content: { 'application/scim+json': { schema: { $ref: '#/components/schemas/ScimError' } } },
        },
      },
    },
  };
}
