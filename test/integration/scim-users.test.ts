import { useTestApp } from '../helpers/app';
import { createMember, createOrganization, unique } from '../helpers/factories';
import {
  connectDirectory,
  membersWithEmail,
  oktaUser,
  SCIM_ERROR,
  SCIM_PATCH_OP,
  SCIM_USER,
  type ScimDirectory,
} from '../helpers/scim-users';

const ctx = useTestApp();

async function newDirectory(): Promise<ScimDirectory> {
  const organization = await createOrganization(ctx.client);
  return connectDirectory(ctx, organization.organization_id);
}

const address = () => `${unique('ada')}@acme.com`;

describe('SCIM POST /Users', () => {
  it('provisions a member and answers the User resource with 201 and its Location', async () => {
    const directory = await newDirectory();
    const email = address();
    const created = await directory.request('POST', '/Users', oktaUser(email));
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(created.body).toMatchObject({
      schemas: [SCIM_USER],
      userName: email,
      active: true,
      emails: [{ value: email, primary: true, type: 'work' }],
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      groups: [],
      meta: { resourceType: 'User', version: 'W/"1"' },
    });
    expect(created.body).not.toHaveProperty('password');
    expect(created.headers.get('location')).toBe(created.body.meta.location);
    expect(created.body.meta.location).toBe(`${ctx.app.baseUrl}/v1/b2b/scim/${directory.connectionId}/Users/${created.body.id}`);

    const { member } = await ctx.client.organizations.members.get({ organization_id: directory.organizationId, email_address: email });
    expect(member).toMatchObject({ status: 'active', name: 'Ada Lovelace', email_address: email });
    expect(member.scim_registration).toMatchObject({
      connection_id: directory.connectionId,
      registration_id: created.body.id,
      external_id: created.body.externalId,
      scim_attributes: { user_name: email, active: true, name: { given_name: 'Ada', family_name: 'Lovelace' } },
    });
  });

  it('links the live member who already has the email instead of creating another', async () => {
    const directory = await newDirectory();
    const existing = await createMember(ctx.client, directory.organizationId, { name: 'Old Name' });
    const created = await directory.request('POST', '/Users', oktaUser(existing.email_address.toUpperCase(), { externalId: 'okta-42' }));
    expect(created.status).toBe(201);
    const rows = await membersWithEmail(ctx, existing.email_address);
    expect(rows).toEqual([expect.objectContaining({ id: existing.member_id.replace(/^member-test-/, ''), status: 'active' })]);
    const { member } = await ctx.client.organizations.members.get({
      organization_id: directory.organizationId,
      member_id: existing.member_id,
    });
    expect(member).toMatchObject({ name: 'Ada Lovelace', external_id: 'okta-42', scim_registration: { registration_id: created.body.id } });
  });

  it('refuses a user without userName, naming it, and creates nothing', async () => {
    const directory = await newDirectory();
    const email = address();
    const { userName: _omitted, ...user } = oktaUser(email);
    const refused = await directory.request('POST', '/Users', user);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ schemas: [SCIM_ERROR], status: '400', scimType: 'invalidValue' });
    expect(refused.body.detail).toContain('userName');
    expect(await membersWithEmail(ctx, email)).toEqual([]);
  });

  it('refuses a user without a usable email address, naming emails and userName', async () => {
    const directory = await newDirectory();
    const userName = unique('ada');
    const refused = await directory.request('POST', '/Users', oktaUser(userName, { emails: [] }));
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ scimType: 'invalidValue' });
    expect(refused.body.detail).toMatch(/emails.*userName/);
    const bad = await directory.request('POST', '/Users', oktaUser(userName, { emails: [{ value: 'not-an-address', primary: true }] }));
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('emails');
    const listed = await directory.request('GET', '/Users');
    expect(listed.body.totalResults).toBe(0);
  });

  it('answers a POST retried after a timeout with 409 uniqueness, leaving one member', async () => {
    const directory = await newDirectory();
    const email = address();
    const body = oktaUser(email);
    expect((await directory.request('POST', '/Users', body)).status).toBe(201);
    const retried = await directory.request('POST', '/Users', body);
    expect(retried.status).toBe(409);
    expect(retried.body).toMatchObject({ schemas: [SCIM_ERROR], status: '409', scimType: 'uniqueness' });
    expect(await membersWithEmail(ctx, email)).toHaveLength(1);
  });

  it('gives exactly one of many parallel POSTs of one userName a 201, the rest 409', async () => {
    const directory = await newDirectory();
    const email = address();
    const answers = await Promise.all(Array.from({ length: 8 }, () => directory.request('POST', '/Users', oktaUser(email))));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(await membersWithEmail(ctx, email)).toHaveLength(1);
  });

  it('gives one of parallel POSTs of one userName with different emails a 201: the unique index has the last word', async () => {
    const directory = await newDirectory();
    const userName = unique('ada');
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        directory.request('POST', '/Users', oktaUser(userName, { emails: [{ value: address(), primary: true }] })),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.scimType === 'uniqueness')).toBe(true);
    expect((await directory.request('GET', '/Users')).body.totalResults).toBe(1);
  });

  it('ends with one member when a SCIM POST races members.create for the same address', async () => {
    for (let round = 0; round < 5; round++) {
      const directory = await newDirectory();
      const email = address();
      const [scim, created] = await Promise.allSettled([
        directory.request('POST', '/Users', oktaUser(email)),
        ctx.client.organizations.members.create({ organization_id: directory.organizationId, email_address: email }),
      ]);
      expect(scim.status === 'fulfilled' && scim.value.status).toBe(201);
      if (created.status === 'rejected') expect((created.reason as { error_type: string }).error_type).toBe('duplicate_member_email');
      const rows = await membersWithEmail(ctx, email);
      expect(rows).toHaveLength(1);
      const { member } = await ctx.client.organizations.members.get({ organization_id: directory.organizationId, email_address: email });
      expect(member.scim_registration?.registration_id).toBe(scim.status === 'fulfilled' && scim.value.body.id);
    }
  });

  it('ends with one member when a SCIM POST races a login_or_signup sign-up for the same address', async () => {
    for (let round = 0; round < 5; round++) {
      const organization = await createOrganization(ctx.client, {
        email_jit_provisioning: 'RESTRICTED',
        email_allowed_domains: ['acme.com'],
      });
      const directory = await connectDirectory(ctx, organization.organization_id);
      const email = address();
      const [scim, login] = await Promise.allSettled([
        directory.request('POST', '/Users', oktaUser(email)),
        ctx.client.magicLinks.email.loginOrSignup({ organization_id: organization.organization_id, email_address: email }),
      ]);
      expect(scim.status === 'fulfilled' && scim.value.status).toBe(201);
      // Whichever wrote first, the person signing in is answered, not refused.
      expect(login.status).toBe('fulfilled');
      expect(await membersWithEmail(ctx, email)).toHaveLength(1);
    }
  });
});

describe('SCIM GET /Users', () => {
  it('reads a user by id, and answers 404 in SCIM envelope for unknown, malformed and other connections’ ids', async () => {
    const directory = await newDirectory();
    const other = await newDirectory();
    const created = await directory.request('POST', '/Users', oktaUser(address()));
    const read = await directory.request('GET', `/Users/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    for (const [dir, id] of [
      [directory, '0190a0a0-0000-7000-8000-000000000000'],
      [directory, 'not-a-uuid'],
      [directory, "1' OR '1'='1"],
      [other, created.body.id],
    ] as const) {
      const missing = await dir.request('GET', `/Users/${encodeURIComponent(id)}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ schemas: [SCIM_ERROR], status: '404' });
    }
  });

  it('filters case-insensitively on userName, and on externalId, emails and name', async () => {
    const directory = await newDirectory();
    const email = address();
    const created = await directory.request(
      'POST',
      '/Users',
      oktaUser(email, { externalId: 'ext-1', name: { givenName: 'Grace', familyName: 'Hopper' } }),
    );
    await directory.request('POST', '/Users', oktaUser(address()));
    const found = async (filter: string) => {
      const answer = await directory.request('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect(answer.status).toBe(200);
      return answer.body.Resources.map((r: { id: string }) => r.id);
    };
    expect(await found(`userName eq "${email.toUpperCase()}"`)).toEqual([created.body.id]);
    expect(await found('externalId eq "ext-1"')).toEqual([created.body.id]);
    expect(await found('externalId eq "EXT-1"')).toEqual([]);
    expect(await found(`emails[type eq "work" and value co "${email.slice(0, 8)}"]`)).toEqual([created.body.id]);
    expect(await found('name.familyName eq "hopper" and active eq true')).toEqual([created.body.id]);
    expect(await found(`id eq "${created.body.id}"`)).toEqual([created.body.id]);
    expect(await found('meta.created gt "2000-01-01T00:00:00Z"')).toHaveLength(2);
    const invalid = await directory.request('GET', `/Users?filter=${encodeURIComponent('userName eq')}`);
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ schemas: [SCIM_ERROR], scimType: 'invalidFilter' });
  });

  it('pages with startIndex and count; count=0 answers the total alone', async () => {
    const directory = await newDirectory();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await directory.request('POST', '/Users', oktaUser(address()))).body.id);
    const page = await directory.request('GET', '/Users?startIndex=2&count=2');
    expect(page.body).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 });
    expect(page.body.Resources.map((r: { id: string }) => r.id)).toEqual(ids.slice(1, 3));
    const total = await directory.request('GET', '/Users?count=0');
    expect(total.body).toMatchObject({ totalResults: 5, itemsPerPage: 0 });
    expect(total.body.Resources ?? []).toEqual([]);
  });

  it('looks userName eq up through the (connection_id, lower(user_name)) unique index', async () => {
    const directory = await newDirectory();
    await directory.request('POST', '/Users', oktaUser(address()));
    const knex = ctx.app.container.knex;
    const { compileFilter } = await import('../../src/services/scim/filter');
    const { SCIM_USER_FILTER_ATTRIBUTES } = await import('../../src/repositories/scim-user.repository');
    const { sql, bindings } = compileFilter('userName eq "Someone@Acme.com"', SCIM_USER_FILTER_ATTRIBUTES);
    const plan = await knex.transaction(async (trx) => {
      // The table is tiny here: without this the planner would rightly prefer a scan, which proves nothing.
      await trx.raw('SET LOCAL enable_seqscan = off');
      const result = await trx.raw(`EXPLAIN SELECT u.* FROM scim_users u WHERE u.connection_id = ? AND (${sql})`, [
        directory.connectionUuid,
        ...(bindings as never[]),
      ]);
      return result.rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('scim_users__connection_id_user_name__unique');
  });
});

describe('SCIM PUT and PATCH /Users/:id', () => {
  it('replaces a user: its member’s name and email follow; a different id is refused (mutability)', async () => {
    const directory = await newDirectory();
    const email = address();
    const created = await directory.request('POST', '/Users', oktaUser(email));
    const newEmail = address();
    const replaced = await directory.request('PUT', `/Users/${created.body.id}`, {
      ...oktaUser(newEmail, { externalId: created.body.externalId, name: { givenName: 'Ada', familyName: 'King' } }),
      id: created.body.id,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: created.body.id, userName: newEmail, meta: { version: 'W/"2"' } });
    const { member } = await ctx.client.organizations.members.get({ organization_id: directory.organizationId, email_address: newEmail });
    expect(member).toMatchObject({ name: 'Ada King', email_address: newEmail });

    const mismatched = await directory.request('PUT', `/Users/${created.body.id}`, {
      ...oktaUser(newEmail),
      id: '0190a0a0-0000-7000-8000-000000000000',
    });
    expect(mismatched.status).toBe(400);
    expect(mismatched.body.scimType).toBe('mutability');
  });

  it('refuses an email another live member holds with 409 uniqueness, changing nothing', async () => {
    const directory = await newDirectory();
    const email = address();
    const created = await directory.request('POST', '/Users', oktaUser(email));
    const other = await createMember(ctx.client, directory.organizationId);
    const refused = await directory.request(
      'PUT',
      `/Users/${created.body.id}`,
      oktaUser(email, { emails: [{ value: other.email_address, primary: true }] }),
    );
    expect(refused.status).toBe(409);
    expect(refused.body.scimType).toBe('uniqueness');
    const read = await directory.request('GET', `/Users/${created.body.id}`);
    expect(read.body).toEqual(created.body);
    expect(await membersWithEmail(ctx, email)).toHaveLength(1);
  });

  it('patches a user atomically: an invalid last operation applies nothing', async () => {
    const directory = await newDirectory();
    const created = await directory.request('POST', '/Users', oktaUser(address()));
    const refused = await directory.request('PATCH', `/Users/${created.body.id}`, {
      schemas: [SCIM_PATCH_OP],
      Operations: [
        { op: 'replace', path: 'displayName', value: 'Changed' },
        { op: 'replace', path: 'name.familyName', value: 'Changed' },
        { op: 'remove' },
      ],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe('noTarget');
    expect((await directory.request('GET', `/Users/${created.body.id}`)).body).toEqual(created.body);
    const patched = await directory.request('PATCH', `/Users/${created.body.id}`, {
      schemas: [SCIM_PATCH_OP],
      Operations: [{ op: 'replace', path: 'name.familyName', value: 'Byron' }],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: { givenName: 'Ada', familyName: 'Byron' }, meta: { version: 'W/"2"' } });
    const refusedId = await directory.request('PATCH', `/Users/${created.body.id}`, {
      schemas: [SCIM_PATCH_OP],
      Operations: [{ op: 'replace', path: 'id', value: '0190a0a0-0000-7000-8000-000000000000' }],
    });
    expect(refusedId.status).toBe(400);
    expect(refusedId.body.scimType).toBe('mutability');
  });

  it('applies every one of many parallel PATCHes to one user (no lost update)', async () => {
    const directory = await newDirectory();
    const created = await directory.request('POST', '/Users', oktaUser(address()));
    const numbers = Array.from({ length: 10 }, (_, i) => `+1415555010${i}`);
    const answers = await Promise.all(
      numbers.map((value) =>
        directory.request('PATCH', `/Users/${created.body.id}`, {
          schemas: [SCIM_PATCH_OP],
          Operations: [{ op: 'add', path: 'phoneNumbers', value: [{ value, type: 'work' }] }],
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(numbers.map(() => 200));
    const read = await directory.request('GET', `/Users/${created.body.id}`);
    expect(read.body.phoneNumbers.map((p: { value: string }) => p.value).sort()).toEqual(numbers);
    expect(read.body.meta.version).toBe(`W/"${numbers.length + 1}"`);
  });
});

describe('SCIM tenant isolation', () => {
  it('keeps each connection to its own users, and another project’s token out', async () => {
    const directory = await newDirectory();
    const other = await newDirectory();
    const created = await directory.request('POST', '/Users', oktaUser(address()));
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', oktaUser(address())],
      ['PATCH', { schemas: [SCIM_PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] }],
      ['DELETE', undefined],
    ] as const) {
      expect((await other.request(method, `/Users/${created.body.id}`, body)).status).toBe(404);
    }
    expect((await other.request('GET', '/Users')).body.totalResults).toBe(0);
    // A token opens only its own connection's base URL.
    const crossed = await fetch(`${ctx.app.baseUrl}/v1/b2b/scim/${directory.connectionId}/Users`, {
      headers: { authorization: `Bearer ${other.token}` },
    });
    expect(crossed.status).toBe(401);
    const elsewhere = await ctx.app.newProject();
    const foreign = await connectDirectory(ctx, (await createOrganization(elsewhere.client)).organization_id, elsewhere);
    expect((await foreign.request('GET', `/Users/${created.body.id}`)).status).toBe(404);
    expect((await directory.request('GET', `/Users/${created.body.id}`)).body.active).toBe(true);
  });
});
