import type { B2BClient } from 'stytch';
import { useTestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { createMember, createOrganization } from '../helpers/factories';

const bare = (publicId: string) => publicId.slice(-36);

describe('SCIM group roles (members.scim_group_roles)', () => {
  const ctx = useTestApp({}, { workers: true });
  const knex = () => ctx.app.container.knex;
  const roles = () => ctx.app.container.scimRoles;

  async function directory() {
    const organization = await createOrganization(ctx.client);
    const { connection } = await ctx.client.scim.connection.create({ organization_id: organization.organization_id });
    return { organization, connection: connection! };
  }

  /** A group of the connection with these members, written as the SCIM endpoints would (straight into the database). */
  async function insertGroup(connectionId: string, name: string, memberIds: string[] = []): Promise<string> {
    const connection = await knex()('scim_connections')
      .where({ id: bare(connectionId) })
      .first();
    const [{ id }] = await knex()('scim_groups')
      .insert({
        id: knex().raw('gen_random_uuid()'),
        project_id: connection.project_id,
        organization_id: connection.organization_id,
        connection_id: connection.id,
        display_name: name,
      })
      .returning('id');
    await addToGroup(connection.id, id, memberIds);
    return id;
  }

  async function addToGroup(connectionId: string, groupId: string, memberIds: string[]) {
    if (memberIds.length === 0) return;
    await knex()('scim_group_members').insert(
      memberIds.map((m) => ({ group_id: groupId, member_id: bare(m), connection_id: bare(connectionId) })),
    );
  }

  /** `count` members of the organization, inserted set-based; their bare ids. */
  async function insertMembers(organizationId: string, count: number): Promise<string[]> {
    const { rows } = await knex().raw(
      `INSERT INTO members (id, project_id, organization_id, email, email_normalized, status)
       SELECT gen_random_uuid(), o.project_id, o.id, 'bulk' || n || '-' || o.id || '@acme.com', 'bulk' || n || '-' || o.id || '@acme.com', 'active'
         FROM organizations o, generate_series(1, ?) n WHERE o.id = ?
       RETURNING id`,
      [count, bare(organizationId)],
    );
    return rows.map((r: { id: string }) => r.id);
  }

  async function scimRolesOf(client: B2BClient, organizationId: string, memberId: string) {
    const { member } = await client.organizations.members.get({ organization_id: organizationId, member_id: memberId });
    return member.roles.filter((r) => r.sources.some((s) => s.type === 'scim_connection_group'));
  }

  const projectOf = async (groupId: string): Promise<string> => (await knex()('scim_groups').where({ id: groupId }).first()).project_id;

  const storedRoles = async (memberId: string) =>
    (
      await knex()('members')
        .where({ id: bare(memberId) })
        .first()
    ).scim_group_roles;

  it('refreshMembers grants the roles of the groups a member is in, shown with the scim_connection_group source', async () => {
    const { organization, connection } = await directory();
    const member = await createMember(ctx.client, organization.organization_id);
    const outsider = await createMember(ctx.client, organization.organization_id);
    const group = await insertGroup(connection.connection_id, 'Admins', [member.member_id]);
    await knex()('scim_group_role_assignments').insert({
      connection_id: bare(connection.connection_id),
      group_id: group,
      role_id: 'stytch_admin',
    });

    await knex().transaction((trx) => roles().refreshMembers(trx, [bare(member.member_id), bare(outsider.member_id)]));

    expect(await scimRolesOf(ctx.client, organization.organization_id, member.member_id)).toEqual([
      {
        role_id: 'stytch_admin',
        sources: [{ type: 'scim_connection_group', details: { connection_id: connection.connection_id, group_id: group } }],
      },
    ]);
    expect(await scimRolesOf(ctx.client, organization.organization_id, outsider.member_id)).toEqual([]);
    const { member: shown } = await ctx.client.organizations.members.get({
      organization_id: organization.organization_id,
      member_id: member.member_id,
    });
    expect(shown.is_admin).toBe(true);

    // Leaving the group and refreshing withdraws the role.
    await knex()('scim_group_members').where({ group_id: group }).delete();
    await knex().transaction((trx) => roles().refreshMembers(trx, [bare(member.member_id)]));
    expect(await scimRolesOf(ctx.client, organization.organization_id, member.member_id)).toEqual([]);
  });

  it('refreshGroup of a small group applies in the transaction, with no job', async () => {
    const { organization, connection } = await directory();
    const members = await insertMembers(organization.organization_id, 20);
    const group = await insertGroup(connection.connection_id, 'Small', members);
    await knex()('scim_group_role_assignments').insert({
      connection_id: bare(connection.connection_id),
      group_id: group,
      role_id: 'stytch_admin',
    });

    const outboxBefore = await knex()('outbox').where({ job_name: 'scim.roles-refresh' }).count({ n: '*' }).first();
    let queued = 0;
    const projectId = await projectOf(group);
    await knex().transaction(async (trx) => {
      await roles().refreshGroup(trx, projectId, group);
      queued = Number((await trx('outbox').where({ job_name: 'scim.roles-refresh' }).count({ n: '*' }).first())!.n);
    });
    expect(queued).toBe(Number(outboxBefore!.n));
    const granted = await knex()('members')
      .whereIn('id', members)
      .whereRaw(`scim_group_roles @> ?::jsonb`, [JSON.stringify([{ group_id: group }])]);
    expect(granted).toHaveLength(20);
  });

  it('refreshGroup of a group over 1,000 members runs as a job from the outbox, in the workers', async () => {
    const { organization, connection } = await directory();
    const members = await insertMembers(organization.organization_id, 1500);
    const group = await insertGroup(
      connection.connection_id,
      'Everyone',
      members.map((id) => `member-test-${id}`),
    );
    await knex()('scim_group_role_assignments').insert({
      connection_id: bare(connection.connection_id),
      group_id: group,
      role_id: 'stytch_admin',
    });
    const projectId = await projectOf(group);

    await knex().transaction(async (trx) => {
      await roles().refreshGroup(trx, projectId, group);
      // Not in this transaction: the job does it.
      const granted = await trx('members').whereIn('id', members).whereRaw(`scim_group_roles <> '[]'::jsonb`).count({ n: '*' }).first();
      expect(Number(granted!.n)).toBe(0);
    });
    await eventually(
      async () => {
        const granted = await knex()('members')
          .whereIn('id', members)
          .whereRaw(`scim_group_roles <> '[]'::jsonb`)
          .count({ n: '*' })
          .first();
        if (Number(granted!.n) !== 1500) throw new Error(`${granted!.n} of 1500 members hold the role`);
        return true;
      },
      { what: 'every member of the big group holds its role', timeoutMs: 30_000 },
    );
    const someone = `member-test-${members[742]}`;
    expect(await scimRolesOf(ctx.client, organization.organization_id, someone)).toEqual([
      expect.objectContaining({ role_id: 'stytch_admin' }),
    ]);
  });

  it('updating the role assignments recomputes the members in the background (refreshConnection)', async () => {
    const { organization, connection } = await directory();
    const member = await createMember(ctx.client, organization.organization_id);
    const group = await insertGroup(connection.connection_id, 'Engineering', [member.member_id]);
    const ids = { organization_id: organization.organization_id, connection_id: connection.connection_id };

    await ctx.client.scim.connection.update({
      ...ids,
      scim_group_implicit_role_assignments: [{ group_id: group, role_id: 'stytch_admin', group_name: '' }],
    });
    await eventually(async () => (await scimRolesOf(ctx.client, organization.organization_id, member.member_id)).length === 1, {
      what: 'the mapped role reaches the member',
    });

    await ctx.client.scim.connection.update({ ...ids, scim_group_implicit_role_assignments: [] });
    await eventually(async () => (await scimRolesOf(ctx.client, organization.organization_id, member.member_id)).length === 0, {
      what: 'the unmapped role leaves the member',
    });
  });

  it('deleting the connection withdraws the roles its groups granted, at once', async () => {
    const { organization, connection } = await directory();
    const member = await createMember(ctx.client, organization.organization_id);
    const group = await insertGroup(connection.connection_id, 'Admins', [member.member_id]);
    await knex()('scim_group_role_assignments').insert({
      connection_id: bare(connection.connection_id),
      group_id: group,
      role_id: 'stytch_admin',
    });
    await knex().transaction((trx) => roles().refreshMembers(trx, [bare(member.member_id)]));
    expect(await storedRoles(member.member_id)).toHaveLength(1);

    await ctx.client.scim.connection.delete({ organization_id: organization.organization_id, connection_id: connection.connection_id });
    expect(await storedRoles(member.member_id)).toEqual([]);
    expect(await scimRolesOf(ctx.client, organization.organization_id, member.member_id)).toEqual([]);
  });

  it('verify repairs drift: a role written by hand is removed, a lost one restored; a second run repairs nothing', async () => {
    const { organization, connection } = await directory();
    const kept = await createMember(ctx.client, organization.organization_id);
    const forged = await createMember(ctx.client, organization.organization_id);
    const group = await insertGroup(connection.connection_id, 'Admins', [kept.member_id]);
    await knex()('scim_group_role_assignments').insert({
      connection_id: bare(connection.connection_id),
      group_id: group,
      role_id: 'stytch_admin',
    });
    await knex().transaction((trx) => roles().refreshMembers(trx, [bare(kept.member_id)]));
    const expected = await storedRoles(kept.member_id);

    await knex()('members')
      .where({ id: bare(kept.member_id) })
      .update({ scim_group_roles: '[]' });
    await knex()('members')
      .where({ id: bare(forged.member_id) })
      .update({
        scim_group_roles: JSON.stringify([{ role_id: 'stytch_admin', group_id: group, connection_id: bare(connection.connection_id) }]),
      });

    const first = await roles().verify();
    expect(first.repaired).toBeGreaterThanOrEqual(2);
    expect(first.checked).toBeGreaterThanOrEqual(2);
    expect(await storedRoles(kept.member_id)).toEqual(expected);
    expect(await storedRoles(forged.member_id)).toEqual([]);
    expect((await roles().verify()).repaired).toBe(0);
  });
});
