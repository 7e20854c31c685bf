import { useTestApp } from '../helpers/app';
import { createOrganization, unique } from '../helpers/factories';
import { fixture, memberIdsInGroup, provisionUser } from '../helpers/scim-groups';
import { connectDirectory, type ScimDirectory } from '../helpers/scim-users';

// Group provisioning exactly as Microsoft Entra ID and Okta send it (request bodies in test/fixtures/scim).
const ctx = useTestApp();

async function newDirectory(): Promise<ScimDirectory> {
  const organization = await createOrganization(ctx.client);
  return connectDirectory(ctx, organization.organization_id);
}

const ids = (resources: { id: string }[]) => resources.map((resource) => resource.id);

describe('Microsoft Entra ID provisions groups', () => {
  it('creates a group, finds it by displayName without members, adds and removes members, renames and deletes it', async () => {
    const directory = await newDirectory();
    const [ada, bob] = [await provisionUser(ctx, directory), await provisionUser(ctx, directory)];
    const displayName = unique('Entra Group');

    const created = await directory.request('POST', '/Groups', fixture('entra-groups-create.json', { displayName }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ displayName, externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', members: [] });
    const groupId: string = created.body.id;

    // Entra checks a group exists before creating it, and never asks for the members.
    const found = await directory.request(
      'GET',
      `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`,
    );
    expect(found.status).toBe(200);
    expect(ids(found.body.Resources)).toEqual([groupId]);
    expect(found.body.Resources[0]).not.toHaveProperty('members');

    expect(
      (await directory.request('PATCH', `/Groups/${groupId}`, fixture('entra-groups-add-member.json', { userId: ada.id }))).status,
    ).toBe(204);
    expect(
      (await directory.request('PATCH', `/Groups/${groupId}`, fixture('entra-groups-add-member.json', { userId: bob.id }))).status,
    ).toBe(204);
    expect(await memberIdsInGroup(ctx, groupId)).toEqual([ada.id, bob.id].sort());

    // Entra's membership check: the group filtered by id and member.
    const membership = await directory.request(
      'GET',
      `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`id eq "${groupId}" and members eq "${ada.id}"`)}`,
    );
    expect(membership.body.totalResults).toBe(1);

    expect(
      (await directory.request('PATCH', `/Groups/${groupId}`, fixture('entra-groups-remove-member.json', { userId: ada.id }))).status,
    ).toBe(204);
    expect(await memberIdsInGroup(ctx, groupId)).toEqual([bob.id]);
    const notMember = await directory.request(
      'GET',
      `/Groups?filter=${encodeURIComponent(`id eq "${groupId}" and members eq "${ada.id}"`)}`,
    );
    expect(notMember.body.totalResults).toBe(0);

    const renamed = unique('Renamed');
    expect(
      (await directory.request('PATCH', `/Groups/${groupId}`, fixture('entra-groups-replace-display-name.json', { displayName: renamed })))
        .status,
    ).toBe(204);
    expect((await directory.request('GET', `/Groups/${groupId}?excludedAttributes=members`)).body.displayName).toBe(renamed);

    expect((await directory.request('DELETE', `/Groups/${groupId}`)).status).toBe(204);
    expect((await directory.request('GET', `/Groups/${groupId}`)).status).toBe(404);
  });

  it('understands the legacy dialect: capitalised ops and removes with a value list, in one atomic PATCH', async () => {
    const directory = await newDirectory();
    const [ada, bob] = [await provisionUser(ctx, directory), await provisionUser(ctx, directory)];
    const group = (await directory.request('POST', '/Groups', fixture('entra-groups-create.json', { displayName: unique('Legacy') }))).body;
    await directory.request('PATCH', `/Groups/${group.id}`, fixture('entra-groups-add-member.json', { userId: ada.id }));

    const patched = await directory.request(
      'PATCH',
      `/Groups/${group.id}`,
      fixture('entra-groups-legacy-members.json', { addedUserId: bob.id, removedUserId: ada.id }),
    );
    expect(patched.status).toBe(204);
    expect(await memberIdsInGroup(ctx, group.id)).toEqual([bob.id]);

    // The same PATCH naming an unknown user to add is refused whole: the remove does not happen either.
    const refused = await directory.request(
      'PATCH',
      `/Groups/${group.id}`,
      fixture('entra-groups-legacy-members.json', { addedUserId: '0190a000-0000-7000-8000-00000000abcd', removedUserId: bob.id }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe('invalidValue');
    expect(await memberIdsInGroup(ctx, group.id)).toEqual([bob.id]);
  });
});

describe('Okta provisions groups', () => {
  it('pushes a group, renames it with a path-less replace, adds, replaces and removes members', async () => {
    const directory = await newDirectory();
    const [ada, bob] = [await provisionUser(ctx, directory), await provisionUser(ctx, directory)];
    const displayName = unique('Okta Group');

    const created = await directory.request('POST', '/Groups', fixture('okta-groups-create.json', { displayName }));
    expect(created.status).toBe(201);
    const groupId: string = created.body.id;

    const listed = await directory.request(
      'GET',
      `/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}&startIndex=1&count=100`,
    );
    expect(listed.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });

    const renamed = unique('Okta Renamed');
    expect(
      (await directory.request('PATCH', `/Groups/${groupId}`, fixture('okta-groups-rename.json', { groupId, displayName: renamed })))
        .status,
    ).toBe(204);

    await directory.request(
      'PATCH',
      `/Groups/${groupId}`,
      fixture('okta-groups-add-members.json', { userId: ada.id, userName: ada.userName }),
    );
    await directory.request(
      'PATCH',
      `/Groups/${groupId}`,
      fixture('okta-groups-add-members.json', { userId: bob.id, userName: bob.userName }),
    );
    expect(await memberIdsInGroup(ctx, groupId)).toEqual([ada.id, bob.id].sort());

    const read = await directory.request('GET', `/Groups/${groupId}`);
    expect(read.body).toMatchObject({ id: groupId, displayName: renamed });
    expect(read.body.members.map((member: { value: string }) => member.value).sort()).toEqual([ada.id, bob.id].sort());

    expect(
      (await directory.request('PATCH', `/Groups/${groupId}`, fixture('okta-groups-remove-member.json', { userId: ada.id }))).status,
    ).toBe(204);
    expect(await memberIdsInGroup(ctx, groupId)).toEqual([bob.id]);
    // Removing a member that is not there (a retry) changes nothing and succeeds.
    expect(
      (await directory.request('PATCH', `/Groups/${groupId}`, fixture('okta-groups-remove-member.json', { userId: ada.id }))).status,
    ).toBe(204);

    await directory.request(
      'PATCH',
      `/Groups/${groupId}`,
      fixture('okta-groups-replace-members.json', { userId: ada.id, userName: ada.userName }),
    );
    expect(await memberIdsInGroup(ctx, groupId)).toEqual([ada.id]);

    const excluded = await directory.request('GET', `/Groups/${groupId}?excludedAttributes=members`);
    expect(excluded.body).not.toHaveProperty('members');
  });

  it('refuses a rename that carries another id back (400 mutability) and changes nothing', async () => {
    const directory = await newDirectory();
    const created = await directory.request('POST', '/Groups', fixture('okta-groups-create.json', { displayName: 'Stays' }));
    const refused = await directory.request(
      'PATCH',
      `/Groups/${created.body.id}`,
      fixture('okta-groups-rename.json', { groupId: '0190a000-0000-7000-8000-00000000beef', displayName: 'Moved' }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe('mutability');
    expect((await directory.request('GET', `/Groups/${created.body.id}`)).body.displayName).toBe('Stays');
  });
});
