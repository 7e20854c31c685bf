import { useTestApp } from '../helpers/app';
import { createMember, createOrganization, stytchError, unique } from '../helpers/factories';
import { loginByLink } from '../helpers/login';
import { connectDirectory, membersWithEmail, oktaUser, SCIM_PATCH_OP, type ScimDirectory } from '../helpers/scim-users';

const ctx = useTestApp({}, { workers: true, smtp: true });

const deactivate = { schemas: [SCIM_PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] };
const reactivate = { schemas: [SCIM_PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] };

/** A provisioned member with a live session: the directory, its SCIM user and the session's token. */
async function signedInUser() {
  const organization = await createOrganization(ctx.client);
  const directory = await connectDirectory(ctx, organization.organization_id);
  const email = `${unique('ada')}@acme.com`;
  const created = await directory.request('POST', '/Users', oktaUser(email));
  expect(created.status).toBe(201);
  const login = await loginByLink(ctx, organization.organization_id, email, { session_duration_minutes: 60 });
  const sessionToken = login.session_token;
  await ctx.client.sessions.authenticate({ session_token: sessionToken });
  return { directory, user: created.body, email, sessionToken, organizationId: organization.organization_id };
}

async function expectSessionGone(sessionToken: string) {
  const error = await stytchError(ctx.client.sessions.authenticate({ session_token: sessionToken }));
  expect(error).toMatchObject({ status_code: 404, error_type: 'session_not_found' });
}

async function groupWithRole(directory: ScimDirectory, memberUuid: string) {
  const knex = ctx.app.container.knex;
  const connection = await knex('scim_connections').where({ id: directory.connectionUuid }).first();
  const groupId = (
    await knex('scim_groups')
      .insert({
        id: crypto.randomUUID(),
        project_id: connection.project_id,
        organization_id: connection.organization_id,
        connection_id: connection.id,
        display_name: unique('Admins'),
      })
      .returning('id')
  )[0].id;
  await knex('scim_group_members').insert({ group_id: groupId, member_id: memberUuid, connection_id: connection.id });
  await knex('members')
    .where({ id: memberUuid })
    .update({ scim_group_roles: JSON.stringify([{ role_id: 'stytch_admin', group_id: groupId, connection_id: connection.id }]) });
  return groupId;
}

describe('SCIM deprovisioning', () => {
  it('ends a member’s sessions as soon as PATCH active:false answers, and reactivation restores its SCIM group roles', async () => {
    const { directory, user, email, sessionToken, organizationId } = await signedInUser();
    const [row] = await membersWithEmail(ctx, email);
    await groupWithRole(directory, row.id);

    const answered = await directory.request('PATCH', `/Users/${user.id}`, deactivate);
    expect(answered.status).toBe(200);
    expect(answered.body.active).toBe(false);
    await expectSessionGone(sessionToken);
    expect((await membersWithEmail(ctx, email))[0].status).toBe('deleted');

    const back = await directory.request('PATCH', `/Users/${user.id}`, reactivate);
    expect(back.status).toBe(200);
    expect(back.body.active).toBe(true);
    const { member } = await ctx.client.organizations.members.get({ organization_id: organizationId, email_address: email });
    expect(member.status).toBe('active');
    expect(member.is_admin).toBe(true);
    expect(member.roles.find((r) => r.role_id === 'stytch_admin')?.sources.map((s) => s.type)).toEqual(['scim_connection_group']);
    await expectSessionGone(sessionToken);
  });

  it('ends sessions on PUT with active:false too', async () => {
    const { directory, user, email, sessionToken } = await signedInUser();
    const answered = await directory.request('PUT', `/Users/${user.id}`, oktaUser(email, { externalId: user.externalId, active: false }));
    expect(answered.status).toBe(200);
    await expectSessionGone(sessionToken);
  });

  it('DELETE: 204, sessions end, the member is deleted, its group memberships go, and the user is gone (404)', async () => {
    const { directory, user, email, sessionToken } = await signedInUser();
    const [row] = await membersWithEmail(ctx, email);
    const groupId = await groupWithRole(directory, row.id);

    const deleted = await directory.request('DELETE', `/Users/${user.id}`);
    expect(deleted.status).toBe(204);
    await expectSessionGone(sessionToken);
    expect((await membersWithEmail(ctx, email))[0].status).toBe('deleted');
    expect(await ctx.app.container.knex('scim_group_members').where({ group_id: groupId })).toEqual([]);
    expect((await ctx.app.container.knex('members').where({ id: row.id }).first()).scim_group_roles).toEqual([]);
    const read = await directory.request('GET', `/Users/${user.id}`);
    expect(read.status).toBe(404);
  });

  it('answers one of parallel DELETEs of one user 204 and the others 404', async () => {
    const { directory, user } = await signedInUser();
    const answers = await Promise.all(Array.from({ length: 5 }, () => directory.request('DELETE', `/Users/${user.id}`)));
    expect(answers.map((a) => a.status).sort()).toEqual([204, 404, 404, 404, 404]);
  });

  it('refuses to reactivate a user whose email a live member took meanwhile (409 uniqueness), changing nothing', async () => {
    const organization = await createOrganization(ctx.client);
    const directory = await connectDirectory(ctx, organization.organization_id);
    const email = `${unique('ada')}@acme.com`;
    const created = await directory.request('POST', '/Users', oktaUser(email));
    expect((await directory.request('PATCH', `/Users/${created.body.id}`, deactivate)).status).toBe(200);
    await createMember(ctx.client, organization.organization_id, { email_address: email });
    const refused = await directory.request('PATCH', `/Users/${created.body.id}`, reactivate);
    expect(refused.status).toBe(409);
    expect(refused.body.scimType).toBe('uniqueness');
    expect((await directory.request('GET', `/Users/${created.body.id}`)).body.active).toBe(false);
    expect((await membersWithEmail(ctx, email)).map((m) => m.status).sort()).toEqual(['active', 'deleted']);
  });
});
