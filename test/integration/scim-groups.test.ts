import { useTestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { createOrganization, unique } from '../helpers/factories';
import { memberIdsInGroup, provisionUser, SCIM_GROUP, SCIM_LIST } from '../helpers/scim-groups';
import { connectDirectory, SCIM_ERROR, SCIM_PATCH_OP, type ScimDirectory } from '../helpers/scim-users';

// Workers: role refreshes of big groups run as jobs.
const ctx = useTestApp({}, { workers: true });

async function newDirectory(): Promise<ScimDirectory> {
  const organization = await createOrganization(ctx.client);
  return connectDirectory(ctx, organization.organization_id);
}

const patchOp = (...Operations: object[]) => ({ schemas: [SCIM_PATCH_OP], Operations });

async function createGroup(directory: ScimDirectory, displayName = unique('Engineering'), members: string[] = []) {
  const created = await directory.request('POST', '/Groups', {
    schemas: [SCIM_GROUP],
    displayName,
    members: members.map((value) => ({ value })),
  });
  expect(created.status).toBe(201);
  return created.body;
}

const groupRow = (id: string) => ctx.app.container.knex('scim_groups').where({ id }).first();
const groupCount = (directory: ScimDirectory) =>
  ctx.app.container
    .knex('scim_groups')
    .where({ connection_id: directory.connectionUuid })
    .count({ n: '*' })
    .first()
    .then((r) => Number(r!.n));

describe('SCIM POST /Groups', () => {
  it('creates a group with members, answering the resource, its Location and the members as value, display and $ref', async () => {
    const directory = await newDirectory();
    const [ada, bob] = [await provisionUser(ctx, directory), await provisionUser(ctx, directory)];
    const created = await directory.request('POST', '/Groups', {
      schemas: [SCIM_GROUP],
      displayName: 'Engineering',
      externalId: 'okta-group-1',
      members: [{ value: ada.id }, { value: bob.id }],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    const base = `${ctx.app.baseUrl}/v1/b2b/scim/${directory.connectionId}`;
    expect(created.body).toEqual({
      schemas: [SCIM_GROUP],
      id: expect.any(String),
      externalId: 'okta-group-1',
      displayName: 'Engineering',
      members: expect.arrayContaining([
        { value: ada.id, display: ada.userName, $ref: `${base}/Users/${ada.id}`, type: 'User' },
        { value: bob.id, display: bob.userName, $ref: `${base}/Users/${bob.id}`, type: 'User' },
      ]),
      meta: {
        resourceType: 'Group',
        created: expect.any(String),
        lastModified: expect.any(String),
        location: `${base}/Groups/${created.body.id}`,
        version: 'W/"1"',
      },
    });
    expect(created.body.members).toHaveLength(2);
    expect(created.headers.get('location')).toBe(created.body.meta.location);
    expect(await memberIdsInGroup(ctx, created.body.id)).toEqual([ada.id, bob.id].sort());
  });

  it('reads attribute names case-insensitively', async () => {
    const directory = await newDirectory();
    const created = await directory.request('POST', '/Groups', { schemas: [SCIM_GROUP], DISPLAYNAME: 'Sales', ExternalID: 'x-1' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ displayName: 'Sales', externalId: 'x-1' });
  });

  it('refuses a group without displayName (400 invalidValue) and creates nothing', async () => {
    const directory = await newDirectory();
    const refused = await directory.request('POST', '/Groups', { schemas: [SCIM_GROUP], members: [] });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      schemas: [SCIM_ERROR],
      status: '400',
      scimType: 'invalidValue',
      detail: expect.stringContaining('displayName'),
    });
    expect(await groupCount(directory)).toBe(0);
  });

  it('refuses members that are not Users of this connection, naming them, and creates nothing', async () => {
    const directory = await newDirectory();
    const other = await newDirectory();
    const ada = await provisionUser(ctx, directory);
    const stranger = await provisionUser(ctx, other);
    const refused = await directory.request('POST', '/Groups', {
      schemas: [SCIM_GROUP],
      displayName: 'Mixed',
      members: [{ value: ada.id }, { value: stranger.id }, { value: 'not-a-uuid' }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe('invalidValue');
    expect(refused.body.detail).toContain(stranger.id);
    expect(refused.body.detail).toContain('not-a-uuid');
    expect(refused.body.detail).not.toContain(ada.id);
    expect(await groupCount(directory)).toBe(0);
  });

  it('answers 409 uniqueness for a displayName already used in the connection, ignoring case', async () => {
    const directory = await newDirectory();
    await createGroup(directory, 'Finance');
    const again = await directory.request('POST', '/Groups', { schemas: [SCIM_GROUP], displayName: 'FINANCE' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ schemas: [SCIM_ERROR], status: '409', scimType: 'uniqueness' });
    expect(await groupCount(directory)).toBe(1);
    // Another connection may use the same name.
    expect((await (await newDirectory()).request('POST', '/Groups', { schemas: [SCIM_GROUP], displayName: 'Finance' })).status).toBe(201);
  });

  it('creates one group when the same displayName is posted concurrently (a retry after a timeout)', async () => {
    const directory = await newDirectory();
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () =>
        directory.request('POST', '/Groups', { schemas: [SCIM_GROUP], displayName: 'Support' }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(5);
    expect(await groupCount(directory)).toBe(1);
  });
});

describe('SCIM GET /Groups', () => {
  it('reads a group; excludedAttributes=members and attributes= leave the members out', async () => {
    const directory = await newDirectory();
    const ada = await provisionUser(ctx, directory);
    const group = await createGroup(directory, 'Design', [ada.id]);
    const full = await directory.request('GET', `/Groups/${group.id}`);
    expect(full.status).toBe(200);
    expect(full.body).toEqual(group);

    const excluded = await directory.request('GET', `/Groups/${group.id}?excludedAttributes=members`);
    expect(excluded.body).toEqual({ ...group, members: undefined });
    expect(excluded.body).not.toHaveProperty('members');

    const only = await directory.request('GET', `/Groups/${group.id}?attributes=displayName`);
    expect(only.body).toEqual({ schemas: [SCIM_GROUP], id: group.id, displayName: 'Design' });

    const membersOnly = await directory.request('GET', `/Groups/${group.id}?attributes=members.value`);
    expect(Object.keys(membersOnly.body).sort()).toEqual(['id', 'members', 'schemas']);
  });

  it('answers 404 in the SCIM envelope for an unknown group', async () => {
    const directory = await newDirectory();
    for (const id of ['0190a000-0000-7000-8000-000000000000', 'nope']) {
      const missing = await directory.request('GET', `/Groups/${id}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ schemas: [SCIM_ERROR], status: '404', detail: expect.stringContaining(id) });
    }
  });

  it('filters by displayName (ignoring case), externalId, id and members.value', async () => {
    const directory = await newDirectory();
    const ada = await provisionUser(ctx, directory);
    const design = await createGroup(directory, 'Design', [ada.id]);
    const ops = (await directory.request('POST', '/Groups', { schemas: [SCIM_GROUP], displayName: 'Ops', externalId: 'ext-ops' })).body;
    const list = async (filter: string) => {
      const response = await directory.request('GET', `/Groups?filter=${encodeURIComponent(filter)}&excludedAttributes=members`);
      expect(response.status).toBe(200);
      return response.body;
    };
    expect(await list('displayName eq "design"')).toEqual({
      schemas: [SCIM_LIST],
      totalResults: 1,
      startIndex: 1,
      itemsPerPage: 1,
      Resources: [{ ...design, members: undefined }],
    });
    expect((await list('externalId eq "ext-ops"')).Resources.map((g: { id: string }) => g.id)).toEqual([ops.id]);
    expect((await list('externalId eq "EXT-OPS"')).totalResults).toBe(0);
    expect((await list(`id eq "${ops.id}"`)).Resources.map((g: { id: string }) => g.id)).toEqual([ops.id]);
    expect((await list(`members.value eq "${ada.id}"`)).Resources.map((g: { id: string }) => g.id)).toEqual([design.id]);
    expect((await list(`members[value eq "${ada.id}"]`)).Resources.map((g: { id: string }) => g.id)).toEqual([design.id]);
    expect((await list('displayName eq "nobody"')).totalResults).toBe(0);
  });

  it('pages with startIndex and count, and lists members per group unless excluded', async () => {
    const directory = await newDirectory();
    const ada = await provisionUser(ctx, directory);
    const groups = [];
    for (let i = 0; i < 5; i++) groups.push(await createGroup(directory, `Team ${i}`, i % 2 === 0 ? [ada.id] : []));
    const page = await directory.request('GET', '/Groups?startIndex=2&count=2');
    expect(page.body).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 });
    expect(page.body.Resources.map((g: { id: string }) => g.id)).toEqual([groups[1].id, groups[2].id]);
    expect(page.body.Resources[0].members).toEqual([]);
    expect(page.body.Resources[1].members).toEqual([expect.objectContaining({ value: ada.id })]);
    const countOnly = await directory.request('GET', '/Groups?count=0');
    expect(countOnly.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
  });

  it('refuses an invalid filter with 400 invalidFilter', async () => {
    const directory = await newDirectory();
    for (const filter of ['displayName eq', 'userName eq "x"', 'displayName eq "a" or (']) {
      const refused = await directory.request('GET', `/Groups?filter=${encodeURIComponent(filter)}`);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ schemas: [SCIM_ERROR], scimType: 'invalidFilter' });
    }
  });
});

describe('SCIM PUT /Groups/:id', () => {
  it('replaces the attributes and the member set', async () => {
    const directory = await newDirectory();
    const [ada, bob, cy] = [await provisionUser(ctx, directory), await provisionUser(ctx, directory), await provisionUser(ctx, directory)];
    const group = await createGroup(directory, 'Before', [ada.id, bob.id]);
    const replaced = await directory.request('PUT', `/Groups/${group.id}`, {
      schemas: [SCIM_GROUP],
      id: group.id,
      displayName: 'After',
      members: [{ value: bob.id }, { value: cy.id }],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ displayName: 'After', meta: { version: 'W/"2"' } });
    expect(replaced.body).not.toHaveProperty('externalId');
    expect(await memberIdsInGroup(ctx, group.id)).toEqual([bob.id, cy.id].sort());
  });

  it('refuses an unknown member and changes nothing', async () => {
    const directory = await newDirectory();
    const ada = await provisionUser(ctx, directory);
    const group = await createGroup(directory, 'Kept', [ada.id]);
    const refused = await directory.request('PUT', `/Groups/${group.id}`, {
      schemas: [SCIM_GROUP],
      displayName: 'Renamed',
      members: [{ value: '0190a000-0000-7000-8000-000000000001' }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe('invalidValue');
    expect(await memberIdsInGroup(ctx, group.id)).toEqual([ada.id]);
    expect((await groupRow(group.id)).display_name).toBe('Kept');
  });
});

describe('SCIM PATCH /Groups/:id', () => {
  it('adds and removes members by value list and by value path, answering 204', async () => {
    const directory = await newDirectory();
    const [ada, bob, cy] = [await provisionUser(ctx, directory), await provisionUser(ctx, directory), await provisionUser(ctx, directory)];
    const group = await createGroup(directory, 'Patched');
    const added = await directory.request(
      'PATCH',
      `/Groups/${group.id}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: ada.id }, { value: bob.id }, { value: cy.id }] }),
    );
    expect(added.status).toBe(204);
    expect(await memberIdsInGroup(ctx, group.id)).toEqual([ada.id, bob.id, cy.id].sort());

    // Adding a member already there changes nothing.
    expect(
      (await directory.request('PATCH', `/Groups/${group.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: ada.id }] }))).status,
    ).toBe(204);
    expect(await memberIdsInGroup(ctx, group.id)).toHaveLength(3);

    await directory.request('PATCH', `/Groups/${group.id}`, patchOp({ op: 'remove', path: `members[value eq "${ada.id}"]` }));
    expect(await memberIdsInGroup(ctx, group.id)).toEqual([bob.id, cy.id].sort());
    await directory.request('PATCH', `/Groups/${group.id}`, patchOp({ op: 'Remove', path: 'members', value: [{ value: bob.id }] }));
    expect(await memberIdsInGroup(ctx, group.id)).toEqual([cy.id]);
    await directory.request('PATCH', `/Groups/${group.id}`, patchOp({ op: 'replace', path: 'members', value: [{ value: ada.id }] }));
    expect(await memberIdsInGroup(ctx, group.id)).toEqual([ada.id]);
    await directory.request('PATCH', `/Groups/${group.id}`, patchOp({ op: 'remove', path: 'members' }));
    expect(await memberIdsInGroup(ctx, group.id)).toEqual([]);
    expect((await groupRow(group.id)).version).toBe(7);
  });

  it('renames with a path-less replace carrying the id back (Okta)', async () => {
    const directory = await newDirectory();
    const group = await createGroup(directory, 'Old name');
    const renamed = await directory.request(
      'PATCH',
      `/Groups/${group.id}`,
      patchOp({ op: 'replace', value: { id: group.id, displayName: 'New name' } }),
    );
    expect(renamed.status).toBe(204);
    expect((await directory.request('GET', `/Groups/${group.id}`)).body).toMatchObject({
      displayName: 'New name',
      meta: { version: 'W/"2"' },
    });
  });

  it('applies nothing when the last of three operations is invalid', async () => {
    const directory = await newDirectory();
    const [ada, bob] = [await provisionUser(ctx, directory), await provisionUser(ctx, directory)];
    const group = await createGroup(directory, 'Atomic', [ada.id]);
    const refused = await directory.request(
      'PATCH',
      `/Groups/${group.id}`,
      patchOp(
        { op: 'replace', path: 'displayName', value: 'Changed' },
        { op: 'add', path: 'members', value: [{ value: bob.id }] },
        { op: 'add', path: 'members', value: [{ value: '0190a000-0000-7000-8000-000000000002' }] },
      ),
    );
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      scimType: 'invalidValue',
      detail: expect.stringContaining('0190a000-0000-7000-8000-000000000002'),
    });
    const row = await groupRow(group.id);
    expect(row).toMatchObject({ display_name: 'Atomic', version: 1 });
    expect(await memberIdsInGroup(ctx, group.id)).toEqual([ada.id]);
  });

  it.each([
    ['remove without a path', { op: 'remove' }, 'noTarget'],
    ['a change of id', { op: 'replace', path: 'id', value: '0190a000-0000-7000-8000-000000000003' }, 'mutability'],
    ['a change of a member’s display', { op: 'replace', path: 'members[value eq "x"].display', value: 'y' }, 'mutability'],
    ['an empty displayName', { op: 'replace', path: 'displayName', value: '' }, 'invalidValue'],
    ['an unknown op', { op: 'merge', path: 'displayName', value: 'x' }, 'invalidSyntax'],
  ])('refuses %s and changes nothing', async (_label, operation, scimType) => {
    const directory = await newDirectory();
    const ada = await provisionUser(ctx, directory);
    const group = await createGroup(directory, 'Stable', [ada.id]);
    const refused = await directory.request('PATCH', `/Groups/${group.id}`, patchOp({ op: 'add', path: 'members', value: [] }, operation));
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ schemas: [SCIM_ERROR], status: '400', scimType });
    expect(await groupRow(group.id)).toMatchObject({ display_name: 'Stable', version: 1 });
    expect(await memberIdsInGroup(ctx, group.id)).toEqual([ada.id]);
  });

  it('answers 409 when a rename takes another group’s displayName', async () => {
    const directory = await newDirectory();
    await createGroup(directory, 'Taken');
    const group = await createGroup(directory, 'Mine');
    const refused = await directory.request(
      'PATCH',
      `/Groups/${group.id}`,
      patchOp({ op: 'replace', path: 'displayName', value: 'taken' }),
    );
    expect(refused.status).toBe(409);
    expect(refused.body.scimType).toBe('uniqueness');
    expect((await groupRow(group.id)).display_name).toBe('Mine');
  });

  it('loses no update when PATCHes add different members to one group concurrently', async () => {
    const directory = await newDirectory();
    const users = [];
    for (let i = 0; i < 8; i++) users.push(await provisionUser(ctx, directory));
    const group = await createGroup(directory, 'Busy');
    const statuses = await Promise.all(
      users.map((user) =>
        directory
          .request('PATCH', `/Groups/${group.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: user.id }] }))
          .then((r) => r.status),
      ),
    );
    expect(statuses).toEqual(users.map(() => 204));
    expect(await memberIdsInGroup(ctx, group.id)).toEqual(users.map((user) => user.id).sort());
    expect((await groupRow(group.id)).version).toBe(1 + users.length);
  });
});

describe('SCIM DELETE /Groups/:id', () => {
  it('deletes the group (204), then answers 404', async () => {
    const directory = await newDirectory();
    const ada = await provisionUser(ctx, directory);
    const group = await createGroup(directory, 'Gone', [ada.id]);
    const deleted = await directory.request('DELETE', `/Groups/${group.id}`);
    expect(deleted.status).toBe(204);
    expect((await directory.request('GET', `/Groups/${group.id}`)).status).toBe(404);
    expect((await directory.request('DELETE', `/Groups/${group.id}`)).status).toBe(404);
    expect(await memberIdsInGroup(ctx, group.id)).toEqual([]);
  });
});

describe('SCIM groups drive roles', () => {
  const rolesOf = async (directory: ScimDirectory, memberId: string) => {
    const { member } = await ctx.client.organizations.members.get({ organization_id: directory.organizationId, member_id: memberId });
    return member.roles.filter((role) => role.role_id === 'stytch_admin');
  };
  const mapRole = (directory: ScimDirectory, groupId: string) =>
    ctx.app.container
      .knex('scim_group_role_assignments')
      .insert({ connection_id: directory.connectionUuid, group_id: groupId, role_id: 'stytch_admin' });

  it('grants a mapped group’s role to members who join and takes it from those who leave', async () => {
    const directory = await newDirectory();
    const [ada, bob] = [await provisionUser(ctx, directory), await provisionUser(ctx, directory)];
    const group = await createGroup(directory, 'Admins');
    await mapRole(directory, group.id);

    await directory.request(
      'PATCH',
      `/Groups/${group.id}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: ada.id }, { value: bob.id }] }),
    );
    expect(await rolesOf(directory, ada.memberId)).toEqual([
      {
        role_id: 'stytch_admin',
        sources: [{ type: 'scim_connection_group', details: { connection_id: directory.connectionId, group_id: group.id } }],
      },
    ]);
    const { member } = await ctx.client.organizations.members.get({ organization_id: directory.organizationId, member_id: ada.memberId });
    expect(member.is_admin).toBe(true);

    await directory.request('PATCH', `/Groups/${group.id}`, patchOp({ op: 'remove', path: `members[value eq "${ada.id}"]` }));
    expect(await rolesOf(directory, ada.memberId)).toEqual([]);
    expect(await rolesOf(directory, bob.memberId)).toHaveLength(1);

    await directory.request('PUT', `/Groups/${group.id}`, { schemas: [SCIM_GROUP], displayName: 'Admins', members: [{ value: ada.id }] });
    expect(await rolesOf(directory, ada.memberId)).toHaveLength(1);
    expect(await rolesOf(directory, bob.memberId)).toEqual([]);

    await directory.request('DELETE', `/Groups/${group.id}`);
    expect(await rolesOf(directory, ada.memberId)).toEqual([]);
  });

  it('grants the role on PUT, and a refused PATCH leaves the roles as they were', async () => {
    const directory = await newDirectory();
    const ada = await provisionUser(ctx, directory);
    const group = await createGroup(directory, 'Founders');
    await mapRole(directory, group.id);
    await directory.request('PUT', `/Groups/${group.id}`, { schemas: [SCIM_GROUP], displayName: 'Founders', members: [{ value: ada.id }] });
    expect(await rolesOf(directory, ada.memberId)).toHaveLength(1);
    // A refused change leaves the roles as they were.
    await directory.request('PATCH', `/Groups/${group.id}`, patchOp({ op: 'remove', path: 'members' }, { op: 'remove' }));
    expect(await rolesOf(directory, ada.memberId)).toHaveLength(1);
  });
});

describe('a SCIM group of 50,000 members', () => {
  const SIZE = 50_000;

  /** Members, their SCIM registrations and their membership of the group, written by SQL in one statement. */
  async function fillGroup(directory: ScimDirectory, groupId: string): Promise<void> {
    const { knex } = ctx.app.container;
    const connection = await knex('scim_connections').where({ id: directory.connectionUuid }).first();
    await knex.raw(
      `WITH m AS (
         INSERT INTO members (id, project_id, organization_id, email, email_normalized, status)
         SELECT gen_random_uuid(), ?, ?, 'bulk' || i || '@acme.com', 'bulk' || i || '@acme.com', 'active' FROM generate_series(1, ?) AS i
         RETURNING id, email
       ), u AS (
         INSERT INTO scim_users (id, project_id, organization_id, connection_id, member_id, user_name)
         SELECT gen_random_uuid(), ?, ?, ?, m.id, m.email FROM m
         RETURNING member_id
       )
       INSERT INTO scim_group_members (group_id, member_id, connection_id) SELECT ?, u.member_id, ? FROM u`,
      [
        connection.project_id,
        connection.organization_id,
        SIZE,
        connection.project_id,
        connection.organization_id,
        connection.id,
        groupId,
        connection.id,
      ],
    );
  }

  const holders = async (groupId: string) => {
    const row = await ctx.app.container
      .knex('members')
      .whereRaw('scim_group_roles @> ?::jsonb', [JSON.stringify([{ group_id: groupId, role_id: 'stytch_admin' }])])
      .count({ n: '*' })
      .first();
    return Number(row!.n);
  };

  it('gains a role mapping in the background, answers without its members when asked, and sheds members set-based', async () => {
    const directory = await newDirectory();
    const ada = await provisionUser(ctx, directory);
    const group = await createGroup(directory, 'Everyone');
    await fillGroup(directory, group.id);

    await ctx.client.scim.connection.update({
      organization_id: directory.organizationId,
      connection_id: directory.connectionId,
      scim_group_implicit_role_assignments: [{ group_id: group.id, group_name: 'Everyone', role_id: 'stytch_admin' }],
    });
    await eventually(async () => (await holders(group.id)) === SIZE, {
      what: 'every member of the group holds its role',
      timeoutMs: 60_000,
    });

    const slim = await directory.request('GET', `/Groups/${group.id}?excludedAttributes=members`);
    expect(slim.status).toBe(200);
    expect(slim.body).not.toHaveProperty('members');
    const full = await directory.request('GET', `/Groups/${group.id}`);
    expect(full.body.members).toHaveLength(SIZE);

    // A small change is refreshed in the request: the role follows at once.
    const first = full.body.members[0].value;
    await directory.request(
      'PATCH',
      `/Groups/${group.id}`,
      patchOp({ op: 'remove', path: `members[value eq "${first}"]` }, { op: 'add', path: 'members', value: [{ value: ada.id }] }),
    );
    expect(await holders(group.id)).toBe(SIZE);
    const { member } = await ctx.client.organizations.members.get({ organization_id: directory.organizationId, member_id: ada.memberId });
    expect(member.roles.map((role) => role.role_id)).toContain('stytch_admin');

    // Replacing the member set with one member removes 50,000 rows in one statement; their roles go by the job.
    const replaced = await directory.request(
      'PATCH',
      `/Groups/${group.id}`,
      patchOp({ op: 'replace', path: 'members', value: [{ value: ada.id }] }),
    );
    expect(replaced.status).toBe(204);
    expect(await memberIdsInGroup(ctx, group.id)).toEqual([ada.id]);
    await eventually(async () => (await holders(group.id)) === 1, { what: 'only the remaining member holds the role', timeoutMs: 60_000 });
  }, 180_000);
});

describe('SCIM groups are the connection’s own', () => {
  it('keeps another connection’s token away from a group and its users out of it', async () => {
    const mine = await newDirectory();
    const theirs = await newDirectory();
    const ada = await provisionUser(ctx, mine);
    const stranger = await provisionUser(ctx, theirs);
    const group = await createGroup(mine, 'Private', [ada.id]);

    expect((await theirs.request('GET', `/Groups/${group.id}`)).status).toBe(404);
    expect(
      (await theirs.request('PATCH', `/Groups/${group.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: stranger.id }] })))
        .status,
    ).toBe(404);
    expect((await theirs.request('PUT', `/Groups/${group.id}`, { schemas: [SCIM_GROUP], displayName: 'Hijacked' })).status).toBe(404);
    expect((await theirs.request('DELETE', `/Groups/${group.id}`)).status).toBe(404);
    expect((await theirs.request('GET', '/Groups')).body.totalResults).toBe(0);
    expect((await theirs.request('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${ada.id}"`)}`)).body.totalResults).toBe(0);

    const refused = await mine.request(
      'PATCH',
      `/Groups/${group.id}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: stranger.id }] }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain(stranger.id);

    // A token of one connection does not open another's base URL.
    const crossed = await fetch(`${ctx.app.baseUrl}/v1/b2b/scim/${mine.connectionId}/Groups/${group.id}`, {
      headers: { authorization: `Bearer ${theirs.token}` },
    });
    expect(crossed.status).toBe(401);
    expect(await groupRow(group.id)).toMatchObject({ display_name: 'Private', version: 1 });
    expect(await memberIdsInGroup(ctx, group.id)).toEqual([ada.id]);
  });
});
