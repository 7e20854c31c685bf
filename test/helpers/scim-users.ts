import { randomBytes } from 'node:crypto';
import { formatId, parseId, parseProjectId, uuidv7 } from '../../src/ids';
import { hashSecret } from '../../src/secrets';
import type { TestAppHolder, TestProject } from './app';

export const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface ScimResponse {
  status: number;
  body: Record<string, any>;
  headers: Headers;
}

/** A directory's view of one SCIM connection: its base URL and bearer token, and raw HTTP as Okta or Entra sends it. */
export interface ScimDirectory {
  connectionId: string;
  /** The connection's row id (bare uuid). */
  connectionUuid: string;
  organizationId: string;
  token: string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimResponse>;
}

/**
 * A SCIM connection of `organizationId` (a public id of `project`), written
 * straight to the database with a fresh bearer token.
 */
export async function connectDirectory(
  ctx: TestAppHolder,
  organizationId: string,
  project: TestProject = ctx.app.project,
): Promise<ScimDirectory> {
  const { env, uuid: projectUuid } = parseProjectId(project.projectId)!;
  const token = randomBytes(32).toString('base64url');
  const connectionUuid = uuidv7();
  await ctx.app.container.knex('scim_connections').insert({
    id: connectionUuid,
    project_id: projectUuid,
    organization_id: parseId('organization', env, organizationId),
    display_name: 'Directory',
    identity_provider: 'okta',
    bearer_token_hash: hashSecret(token),
    bearer_token_last_four: token.slice(-4),
  });
  const connectionId = formatId('scim-connection', env, connectionUuid);
  return {
    connectionId,
    connectionUuid,
    organizationId,
    token,
    async request(method, path, body, headers = {}) {
      const response = await fetch(`${ctx.app.baseUrl}/v1/b2b/scim/${connectionId}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/scim+json',
          ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
    },
  };
}

/** A User resource as Okta provisions one. */
export function oktaUser(userName: string, overrides: Record<string, unknown> = {}) {
  return {
    schemas: [SCIM_USER],
    userName,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Ada Lovelace',
    locale: 'en-US',
    externalId: `00u${randomBytes(6).toString('hex')}`,
    groups: [],
    password: 'never-stored-1',
    active: true,
    ...overrides,
  };
}

/** The members with this email (any status; in this organization, if given), straight from the database. */
export async function membersWithEmail(ctx: TestAppHolder, email: string, organizationId?: string) {
  const query = ctx.app.container.knex('members').whereRaw('lower(email) = lower(?)', [email]).select('id', 'status', 'email', 'name');
  if (organizationId !== undefined) query.where({ organization_id: organizationId.replace(/^organization-(test|live)-/, '') });
  return query;
}
