import { useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { createOrganization, unique } from '../helpers/factories';

describe("Stytch's scim.connection endpoints", () => {
  const ctx = useTestApp();
  const client = () => ctx.client;

  /** Whether this bearer token opens the connection behind `baseUrl` (an authenticated SCIM path; 401 when refused). */
  async function opens(baseUrl: string, token: string): Promise<boolean> {
    const response = await fetch(`${baseUrl}/ServiceProviderConfig`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status === 401) return false;
    expect(response.status).not.toBe(403);
    return true;
  }

  async function organizationWithConnection(input: { display_name?: string; identity_provider?: string } = {}) {
    const organization = await createOrganization(client());
    const { connection } = await client().scim.connection.create({ organization_id: organization.organization_id, ...input });
    return { organization, connection: connection! };
  }

  /** A SCIM group of the connection, as the directory would have created it (straight into the database). */
  async function insertGroup(connectionId: string, name: string): Promise<string> {
    const connection = await ctx.app.container
      .knex('scim_connections')
      .where({ id: connectionId.replace(/^scim-connection-test-/, '') })
      .first();
    const [group] = await ctx.app.container
      .knex('scim_groups')
      .insert({
        id: ctx.app.container.knex.raw('gen_random_uuid()'),
        project_id: connection.project_id,
        organization_id: connection.organization_id,
        connection_id: connection.id,
        display_name: name,
      })
      .returning('id');
    return group.id;
  }

  describe('create', () => {
    it('answers the connection with its bearer token once; get shows only its last four, and the organization its active connection', async () => {
      const organization = await createOrganization(client());
      const created = await client().scim.connection.create({
        organization_id: organization.organization_id,
        display_name: 'Okta',
        identity_provider: 'okta',
      });
      const connection = created.connection!;
      expect(connection).toEqual(
        expect.objectContaining({
          organization_id: organization.organization_id,
          connection_id: expect.stringMatching(/^scim-connection-test-/),
          status: 'active',
          display_name: 'Okta',
          identity_provider: 'okta',
          base_url: `${ctx.app.baseUrl}/v1/b2b/scim/${connection.connection_id}`,
          scim_group_implicit_role_assignments: [],
        }),
      );
      expect(connection.bearer_token.length).toBeGreaterThanOrEqual(43);

      const { connection: got } = await client().scim.connection.get({ organization_id: organization.organization_id });
      expect(got).toEqual(
        expect.objectContaining({ connection_id: connection.connection_id, bearer_token_last_four: connection.bearer_token.slice(-4) }),
      );
      expect(got).not.toHaveProperty('bearer_token');
      const row = await ctx.app.container
        .knex('scim_connections')
        .where({ organization_id: organization.organization_id.slice(-36) })
        .first();
      expect(row.bearer_token_hash.toString('hex')).not.toContain(Buffer.from(connection.bearer_token).toString('hex'));

      const { organization: shown } = await client().organizations.get({ organization_id: organization.organization_id });
      expect(shown.scim_active_connection).toEqual({
        connection_id: connection.connection_id,
        display_name: 'Okta',
        bearer_token_last_four: connection.bearer_token.slice(-4),
      });
      expect(await opens(connection.base_url, connection.bearer_token)).toBe(true);
    });

    it("takes the organization's slug or external id, and gives Entra its standard-SCIM base URL", async () => {
      const organization = await createOrganization(client(), { organization_external_id: unique('ext') });
      const { connection } = await client().scim.connection.create({
        organization_id: organization.organization_external_id!,
        identity_provider: 'microsoft-entra',
      });
      expect(connection!.base_url).toBe(`${ctx.app.baseUrl}/v1/b2b/scim/${connection!.connection_id}?aadOptscim062020`);
      const { connection: got } = await client().scim.connection.get({ organization_id: organization.organization_slug });
      expect(got!.connection_id).toBe(connection!.connection_id);
    });

    it('a second connection for one organization is refused, and of concurrent creates exactly one wins', async () => {
      const organization = await createOrganization(client());
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () => client().scim.connection.create({ organization_id: organization.organization_id })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((r) => r.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toEqual(
          expect.objectContaining({ status_code: 400, error_type: 'scim_connection_already_exists' }),
        );
      }
      await expectStytchError(
        client().scim.connection.create({ organization_id: organization.organization_id }),
        400,
        'scim_connection_already_exists',
      );
      expect(
        await ctx.app.container.knex('scim_connections').where({ organization_id: organization.organization_id.slice(-36) }),
      ).toHaveLength(1);
    });

    it('refuses an unknown identity provider and changes nothing', async () => {
      const organization = await createOrganization(client());
      await expectStytchError(
        client().scim.connection.create({ organization_id: organization.organization_id, identity_provider: 'active-directory-1998' }),
        400,
        'invalid_scim_identity_provider',
      );
      const { connection } = await client().scim.connection.get({ organization_id: organization.organization_id });
      expect(connection).toBeUndefined();
    });

    it('an organization without a connection answers get without one; an unknown organization is 404', async () => {
      const organization = await createOrganization(client());
      const { connection } = await client().scim.connection.get({ organization_id: organization.organization_id });
      expect(connection).toBeUndefined();
      await expectStytchError(client().scim.connection.get({ organization_id: 'no-such-org' }), 404, 'organization_not_found');
    });
  });

  describe('update', () => {
    it('changes the name and provider, and maps groups to roles with their names shown', async () => {
      const { organization, connection } = await organizationWithConnection();
      const engineering = await insertGroup(connection.connection_id, 'Engineering');
      const admins = await insertGroup(connection.connection_id, 'Admins');
      const { connection: updated } = await client().scim.connection.update({
        organization_id: organization.organization_id,
        connection_id: connection.connection_id,
        display_name: 'Entra',
        identity_provider: 'microsoft-entra',
        scim_group_implicit_role_assignments: [
          { group_id: admins, role_id: 'stytch_admin', group_name: '' },
          { group_id: engineering, role_id: 'stytch_member', group_name: '' },
        ],
      });
      expect(updated).toEqual(
        expect.objectContaining({
          display_name: 'Entra',
          identity_provider: 'microsoft-entra',
          base_url: `${ctx.app.baseUrl}/v1/b2b/scim/${connection.connection_id}?aadOptscim062020`,
          scim_group_implicit_role_assignments: [
            { group_id: admins, role_id: 'stytch_admin', group_name: 'Admins' },
            { group_id: engineering, role_id: 'stytch_member', group_name: 'Engineering' },
          ],
        }),
      );
      const { connection: got } = await client().scim.connection.get({ organization_id: organization.organization_id });
      expect(got!.scim_group_implicit_role_assignments).toEqual(updated!.scim_group_implicit_role_assignments);
      // The members' roles are recomputed in the background: the update wrote that job to the outbox.
      const entries = await ctx.app.container.knex('outbox').where({ job_name: 'scim.roles-refresh' });
      expect(entries.map((e: { payload: { connection_id: string } }) => e.payload.connection_id)).toContain(
        connection.connection_id.slice(-36),
      );
    });

    it("refuses another connection's group, an undefined role or a bad provider, and changes nothing", async () => {
      const { organization, connection } = await organizationWithConnection({ display_name: 'Before' });
      const other = await organizationWithConnection();
      const foreignGroup = await insertGroup(other.connection.connection_id, 'Theirs');
      const ownGroup = await insertGroup(connection.connection_id, 'Ours');
      const update = (body: Record<string, unknown>) =>
        client().scim.connection.update({
          organization_id: organization.organization_id,
          connection_id: connection.connection_id,
          ...body,
        });

      await expectStytchError(
        update({
          display_name: 'After',
          scim_group_implicit_role_assignments: [{ group_id: foreignGroup, role_id: 'stytch_admin', group_name: '' }],
        }),
        400,
        'scim_group_not_found',
      );
      await expectStytchError(
        update({ scim_group_implicit_role_assignments: [{ group_id: 'not-a-uuid', role_id: 'stytch_admin', group_name: '' }] }),
        400,
        'scim_group_not_found',
      );
      await expectStytchError(
        update({
          display_name: 'After',
          scim_group_implicit_role_assignments: [{ group_id: ownGroup, role_id: 'no-such-role', group_name: '' }],
        }),
        400,
        'invalid_rbac_role_id',
      );
      await expectStytchError(update({ identity_provider: 'nope' }), 400, 'invalid_scim_identity_provider');
      await expectStytchError(update({ display_name: 'two\nlines' }), 400);

      const { connection: got } = await client().scim.connection.get({ organization_id: organization.organization_id });
      expect(got).toEqual(
        expect.objectContaining({ display_name: 'Before', identity_provider: 'generic', scim_group_implicit_role_assignments: [] }),
      );
    });

    it('concurrent updates of the assignments leave exactly one of them', async () => {
      const { organization, connection } = await organizationWithConnection();
      const groups = await Promise.all(['A', 'B', 'C', 'D'].map((name) => insertGroup(connection.connection_id, name)));
      await Promise.all(
        groups.map((group_id) =>
          client().scim.connection.update({
            organization_id: organization.organization_id,
            connection_id: connection.connection_id,
            scim_group_implicit_role_assignments: [{ group_id, role_id: 'stytch_admin', group_name: '' }],
          }),
        ),
      );
      const { connection: got } = await client().scim.connection.get({ organization_id: organization.organization_id });
      expect(got!.scim_group_implicit_role_assignments).toHaveLength(1);
      expect(groups).toContain(got!.scim_group_implicit_role_assignments[0].group_id);
    });
  });

  describe('getGroups', () => {
    it("pages through the connection's groups and no one else's", async () => {
      const { organization, connection } = await organizationWithConnection();
      const other = await organizationWithConnection();
      await insertGroup(other.connection.connection_id, 'Elsewhere');
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await insertGroup(connection.connection_id, `Group ${i}`));

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await client().scim.connection.getGroups({
          organization_id: organization.organization_id,
          connection_id: connection.connection_id,
          limit: 2,
          cursor,
        });
        for (const group of page.scim_groups) {
          expect(group).toEqual({
            group_id: expect.any(String),
            group_name: expect.stringMatching(/^Group \d$/),
            organization_id: organization.organization_id,
            connection_id: connection.connection_id,
          });
          seen.push(group.group_id);
        }
        cursor = page.next_cursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen.sort()).toEqual([...ids].sort());
    });

    it('refuses a bad cursor or limit, and another organization’s connection', async () => {
      const { organization, connection } = await organizationWithConnection();
      const other = await organizationWithConnection();
      const base = { organization_id: organization.organization_id, connection_id: connection.connection_id };
      await expectStytchError(client().scim.connection.getGroups({ ...base, cursor: 'garbage' }), 400, 'invalid_cursor');
      await expectStytchError(client().scim.connection.getGroups({ ...base, limit: 5000 }), 400, 'invalid_limit');
      await expectStytchError(
        client().scim.connection.getGroups({ ...base, connection_id: other.connection.connection_id }),
        404,
        'scim_connection_not_found',
      );
    });
  });

  describe('bearer token rotation', () => {
    it('start: both tokens open the connection; complete: only the new one does', async () => {
      const { organization, connection } = await organizationWithConnection();
      const ids = { organization_id: organization.organization_id, connection_id: connection.connection_id };
      const { connection: rotating } = await client().scim.connection.rotateStart(ids);
      const next = rotating!.next_bearer_token;
      expect(next).not.toBe(connection.bearer_token);
      expect(rotating!.bearer_token_last_four).toBe(connection.bearer_token.slice(-4));
      const { connection: got } = await client().scim.connection.get({ organization_id: organization.organization_id });
      expect(got!.next_bearer_token_last_four).toBe(next.slice(-4));
      expect(await opens(connection.base_url, connection.bearer_token)).toBe(true);
      expect(await opens(connection.base_url, next)).toBe(true);

      const { connection: completed } = await client().scim.connection.rotateComplete(ids);
      expect(completed).toEqual(expect.objectContaining({ bearer_token_last_four: next.slice(-4), next_bearer_token_last_four: '' }));
      expect(await opens(connection.base_url, connection.bearer_token)).toBe(false);
      expect(await opens(connection.base_url, next)).toBe(true);
      await expectStytchError(client().scim.connection.rotateComplete(ids), 400, 'scim_token_rotation_not_started');
    });

    it('cancel: the next token stops working, the current one keeps working', async () => {
      const { organization, connection } = await organizationWithConnection();
      const ids = { organization_id: organization.organization_id, connection_id: connection.connection_id };
      await expectStytchError(client().scim.connection.rotateCancel(ids), 400, 'scim_token_rotation_not_started');
      const next = (await client().scim.connection.rotateStart(ids)).connection!.next_bearer_token;
      const { connection: cancelled } = await client().scim.connection.rotateCancel(ids);
      expect(cancelled!.next_bearer_token_last_four).toBe('');
      expect(await opens(connection.base_url, next)).toBe(false);
      expect(await opens(connection.base_url, connection.bearer_token)).toBe(true);
    });

    it('concurrent completes promote the next token once; the others are refused', async () => {
      const { organization, connection } = await organizationWithConnection();
      const ids = { organization_id: organization.organization_id, connection_id: connection.connection_id };
      const next = (await client().scim.connection.rotateStart(ids)).connection!.next_bearer_token;
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => client().scim.connection.rotateComplete(ids)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await opens(connection.base_url, next)).toBe(true);
      expect(await opens(connection.base_url, connection.bearer_token)).toBe(false);
    });
  });

  describe('delete', () => {
    it('removes the connection, its groups and its door; the organization shows none', async () => {
      const { organization, connection } = await organizationWithConnection();
      await insertGroup(connection.connection_id, 'Gone');
      const ids = { organization_id: organization.organization_id, connection_id: connection.connection_id };
      const deleted = await client().scim.connection.delete(ids);
      expect(deleted.connection_id).toBe(connection.connection_id);
      expect(await opens(connection.base_url, connection.bearer_token)).toBe(false);
      expect(await ctx.app.container.knex('scim_groups').where({ connection_id: connection.connection_id.slice(-36) })).toEqual([]);
      const { organization: shown } = await client().organizations.get({ organization_id: organization.organization_id });
      expect(shown.scim_active_connection).toBeUndefined();
      await expectStytchError(client().scim.connection.delete(ids), 404, 'scim_connection_not_found');
      // The organization may have a new connection now.
      await client().scim.connection.create({ organization_id: organization.organization_id });
    });
  });

  describe('tenant isolation', () => {
    it("another project's secret cannot see, change, rotate or delete the connection", async () => {
      const { organization, connection } = await organizationWithConnection({ display_name: 'Mine' });
      const intruder = (await ctx.app.newProject()).client;
      const ids = { organization_id: organization.organization_id, connection_id: connection.connection_id };
      await expectStytchError(
        intruder.scim.connection.get({ organization_id: organization.organization_id }),
        404,
        'organization_not_found',
      );
      await expectStytchError(intruder.scim.connection.update({ ...ids, display_name: 'Theirs' }), 404);
      await expectStytchError(intruder.scim.connection.rotateStart(ids), 404);
      await expectStytchError(intruder.scim.connection.delete(ids), 404);
      await expectStytchError(intruder.scim.connection.getGroups(ids), 404);
      const { connection: got } = await client().scim.connection.get({ organization_id: organization.organization_id });
      expect(got).toEqual(expect.objectContaining({ display_name: 'Mine', next_bearer_token_last_four: '' }));
    });

    it('a connection named under another organization of the same project is not found, and a token opens only its own connection', async () => {
      const a = await organizationWithConnection();
      const b = await organizationWithConnection({ display_name: 'B' });
      await expectStytchError(
        client().scim.connection.update({
          organization_id: a.organization.organization_id,
          connection_id: b.connection.connection_id,
          display_name: 'x',
        }),
        404,
        'scim_connection_not_found',
      );
      expect(await opens(b.connection.base_url, a.connection.bearer_token)).toBe(false);
      expect(await opens(a.connection.base_url, b.connection.bearer_token)).toBe(false);
      const { connection: got } = await client().scim.connection.get({ organization_id: b.organization.organization_id });
      expect(got!.display_name).toBe('B');
    });
  });
});
