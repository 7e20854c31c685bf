import { randomUUID } from 'node:crypto';
import { useTestApp } from '../helpers/app';
import { createOrganization, unique } from '../helpers/factories';
import { connectDirectory, oktaUser, SCIM_ERROR, SCIM_USER, type ScimDirectory } from '../helpers/scim-users';

const ctx = useTestApp();

/**
 * The checks of Okta's SCIM 2.0 spec test (the Runscope suite Okta asks SCIM
 * servers to pass before an OIN submission), in its order, against one connection.
 */
describe('Okta SCIM 2.0 spec test', () => {
  let directory: ScimDirectory;
  const userName = `${unique('okta')}@acme.com`;
  let userId: string;

  beforeAll(async () => {
    directory = await connectDirectory(ctx, (await createOrganization(ctx.client)).organization_id);
    await directory.request('POST', '/Users', oktaUser(`${unique('seed')}@acme.com`));
  });

  it('Required Test: Test Users endpoint — GET /Users?count=1&startIndex=1 answers a ListResponse page', async () => {
    const answer = await directory.request('GET', '/Users?count=1&startIndex=1');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(answer.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
    expect(typeof answer.body.itemsPerPage).toBe('number');
    expect(typeof answer.body.startIndex).toBe('number');
    expect(typeof answer.body.totalResults).toBe('number');
    expect(answer.body.Resources).toHaveLength(1);
    expect(answer.body.Resources[0]).toMatchObject({
      id: expect.any(String),
      name: expect.any(Object),
      userName: expect.any(String),
      active: true,
    });
    expect(answer.body.Resources[0].emails[0]).toMatchObject({ value: expect.any(String) });
  });

  it('Required Test: Get contact using ID', async () => {
    const first = (await directory.request('GET', '/Users?count=1&startIndex=1')).body.Resources[0];
    const answer = await directory.request('GET', `/Users/${first.id}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: first.id, userName: first.userName, schemas: [SCIM_USER] });
  });

  it('Required Test: Test invalid User by username — filter userName eq a random name finds none', async () => {
    const answer = await directory.request('GET', `/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}@example.com"`)}`);
    expect(answer.status).toBe(200);
    expect(answer.body.totalResults).toBe(0);
    expect(answer.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
  });

  it('Required Test: Make sure random user does not exist, then create it (201 with an id)', async () => {
    const absent = await directory.request('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
    expect(absent.body.totalResults).toBe(0);
    const created = await directory.request('POST', '/Users', oktaUser(userName));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), userName, active: true });
    userId = created.body.id;
  });

  it('Required Test: Verify the new user by id', async () => {
    const answer = await directory.request('GET', `/Users/${userId}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: userId, userName });
  });

  it('Required Test: Expect failure when recreating user with same values (409 with the SCIM error schema)', async () => {
    const answer = await directory.request('POST', '/Users', oktaUser(userName));
    expect(answer.status).toBe(409);
    expect(answer.body.schemas).toEqual([SCIM_ERROR]);
    expect(answer.body).toMatchObject({ status: '409', scimType: 'uniqueness', detail: expect.any(String) });
  });

  it('Required Test: Username Case Sensitivity Check — filter userName eq in another case finds the user', async () => {
    const answer = await directory.request('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName.toUpperCase()}"`)}`);
    expect(answer.status).toBe(200);
    expect(answer.body.totalResults).toBe(1);
    expect(answer.body.Resources[0].id).toBe(userId);
  });

  it('Required Test: Fetch an unknown user — GET /Users/<random uuid> is 404 with the SCIM error schema', async () => {
    const answer = await directory.request('GET', `/Users/${randomUUID()}`);
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(answer.body).toMatchObject({ schemas: [SCIM_ERROR], status: '404', detail: expect.any(String) });
  });
});
