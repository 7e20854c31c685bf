import { useTestApp } from '../helpers/app';
import { createOrganization } from '../helpers/factories';
import { connectDirectory, SCIM_ENTERPRISE_USER, SCIM_ERROR, SCIM_USER, type ScimDirectory } from '../helpers/scim-users';

const ctx = useTestApp();

const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const SCIM_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

async function newDirectory(): Promise<ScimDirectory> {
  const organization = await createOrganization(ctx.client);
  return connectDirectory(ctx, organization.organization_id);
}

const baseUrlOf = (directory: ScimDirectory) => `${ctx.app.baseUrl}/v1/b2b/scim/${directory.connectionId}`;

describe('SCIM discovery endpoints', () => {
  it('GET /ServiceProviderConfig tells what the server supports, as application/scim+json', async () => {
    const directory = await newDirectory();
    const answer = await directory.request('GET', '/ServiceProviderConfig');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(answer.body).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 1024 * 1024 },
      filter: { supported: true, maxResults: 1000 },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
      authenticationSchemes: [expect.objectContaining({ type: 'oauthbearertoken', primary: true })],
      meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrlOf(directory)}/ServiceProviderConfig` },
    });
  });

  it('GET /ResourceTypes lists User (with the enterprise extension) and Group', async () => {
    const directory = await newDirectory();
    const answer = await directory.request('GET', '/ResourceTypes');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 2, startIndex: 1, itemsPerPage: 2 });
    expect(answer.body.Resources).toEqual([
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'User',
        name: 'User',
        description: expect.any(String),
        endpoint: '/Users',
        schema: SCIM_USER,
        schemaExtensions: [{ schema: SCIM_ENTERPRISE_USER, required: false }],
        meta: { resourceType: 'ResourceType', location: `${baseUrlOf(directory)}/ResourceTypes/User` },
      },
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'Group',
        name: 'Group',
        description: expect.any(String),
        endpoint: '/Groups',
        schema: SCIM_GROUP,
        meta: { resourceType: 'ResourceType', location: `${baseUrlOf(directory)}/ResourceTypes/Group` },
      },
    ]);
  });

  it('GET /ResourceTypes/:id answers one type, and a 404 in SCIM envelope for an unknown one', async () => {
    const directory = await newDirectory();
    const group = await directory.request('GET', '/ResourceTypes/Group');
    expect(group.status).toBe(200);
    expect(group.body).toMatchObject({ id: 'Group', endpoint: '/Groups', schema: SCIM_GROUP });

    const unknown = await directory.request('GET', '/ResourceTypes/Printer');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(unknown.body).toEqual({ schemas: [SCIM_ERROR], status: '404', detail: expect.stringContaining('Printer') });
  });

  it('GET /Schemas lists the core User, enterprise User and Group schemas with their attributes', async () => {
    const directory = await newDirectory();
    const answer = await directory.request('GET', '/Schemas');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 3 });
    const byId = Object.fromEntries(answer.body.Resources.map((schema: { id: string }) => [schema.id, schema]));
    expect(Object.keys(byId)).toEqual([SCIM_USER, SCIM_ENTERPRISE_USER, SCIM_GROUP]);

    const user = byId[SCIM_USER];
    expect(user.meta).toEqual({ resourceType: 'Schema', location: `${baseUrlOf(directory)}/Schemas/${SCIM_USER}` });
    const userName = user.attributes.find((attribute: { name: string }) => attribute.name === 'userName');
    expect(userName).toMatchObject({ type: 'string', multiValued: false, required: true, caseExact: false, uniqueness: 'server' });
    const emails = user.attributes.find((attribute: { name: string }) => attribute.name === 'emails');
    expect(emails).toMatchObject({ type: 'complex', multiValued: true });
    expect(emails.subAttributes.map((sub: { name: string }) => sub.name)).toEqual(['value', 'display', 'type', 'primary']);
    const manager = byId[SCIM_ENTERPRISE_USER].attributes.find((attribute: { name: string }) => attribute.name === 'manager');
    expect(manager).toMatchObject({ type: 'complex', multiValued: false });
  });

  it('GET /Schemas/:urn answers one schema, matching the URN case-insensitively, and 404 for an unknown URN', async () => {
    const directory = await newDirectory();
    const group = await directory.request('GET', `/Schemas/${SCIM_GROUP.toUpperCase()}`);
    expect(group.status).toBe(200);
    expect(group.body).toMatchObject({ id: SCIM_GROUP, name: 'Group' });
    expect(group.body.attributes.map((attribute: { name: string }) => attribute.name)).toEqual(['displayName', 'members']);

    const unknown = await directory.request('GET', '/Schemas/urn:example:unknown');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ schemas: [SCIM_ERROR], status: '404' });
  });

  it('refuses a wrong bearer token with 401 in SCIM envelope', async () => {
    const directory = await newDirectory();
    const refused = await directory.request('GET', '/ServiceProviderConfig', undefined, { authorization: 'Bearer not-the-token' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(refused.body).toEqual({ schemas: [SCIM_ERROR], status: '401', detail: expect.any(String) });
  });

  it("refuses another connection's token: a token opens only its own connection", async () => {
    const directory = await newDirectory();
    const other = await newDirectory();
    const refused = await directory.request('GET', '/Schemas', undefined, { authorization: `Bearer ${other.token}` });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ schemas: [SCIM_ERROR], status: '401' });
  });

  it('answers an unknown path under a SCIM endpoint with 404 in SCIM envelope', async () => {
    const directory = await newDirectory();
    const missing = await directory.request('GET', '/ServiceProviderConfig/extra');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(missing.body).toEqual({ schemas: [SCIM_ERROR], status: '404', detail: expect.any(String) });
  });
});
