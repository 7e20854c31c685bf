import { B2BClient } from 'stytch';
import { useTestApp, type TestProject } from '../helpers/app';
import { expectErrorEnvelope, expectStytchError } from '../helpers/assertions';
import { createMember, createOrganization, stytchError, unique } from '../helpers/factories';
import { signInNewMember } from '../helpers/member-sessions';

const POLICY_PATH = '/v1/b2b/rbac/policy';
const STYTCH_RESOURCE_IDS = ['stytch.organization', 'stytch.member', 'stytch.sso', 'stytch.scim', 'stytch.self'];
const STYTCH_ADMIN_PERMISSIONS = ['stytch.organization', 'stytch.member', 'stytch.sso', 'stytch.scim'].map((resource_id) => ({
  resource_id,
  actions: ['*'],
}));

const DOCUMENTS = { resource_id: 'documents', description: 'Shared documents', actions: ['read', 'write', 'delete'] };
const EDITOR = {
  role_id: 'editor',
  description: 'Reads and writes documents',
  permissions: [{ resource_id: 'documents', actions: ['read', 'write'] }],
};
/** A policy using every part of the document: default role permissions, custom resources, roles and scopes. */
const POLICY = {
  stytch_member: {
    permissions: [
      { resource_id: 'stytch.self', actions: ['*'] },
      { resource_id: 'documents', actions: ['read'] },
    ],
  },
  custom_resources: [DOCUMENTS],
  custom_roles: [EDITOR],
  custom_scopes: [
    { scope: 'read:documents', description: 'Read documents', permissions: [{ resource_id: 'documents', actions: ['read'] }] },
  ],
};
const REVIEWER = {
  role_id: 'reviewer',
  description: 'Reads documents and searches members',
  permissions: [
    { resource_id: 'documents', actions: ['read'] },
    { resource_id: 'stytch.member', actions: ['search'] },
  ],
};

describe('RBAC policies', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });

  /** A project of its own, so that its policy is the test's alone. */
  async function freshProject() {
    const project = await ctx.app.newProject();
    const put = (body: unknown) => ctx.app.http('PUT', POLICY_PATH, { body, auth: project });
    const policy = async () => (await project.client.rbac.policy()).policy!;
    return { project, client: project.client, put, policy };
  }

  const orgPolicy = (client: B2BClient, organization_id: string) =>
    client.rbac.organizations.getOrgPolicy({ organization_id }).then((r) => r.org_policy);

  describe('the project policy', () => {
    it("is Stytch's defaults until the project sets one: its resources and default roles, no scopes", async () => {
      const { policy } = await freshProject();
      const { roles, resources, scopes } = await policy();
      expect(roles).toEqual([
        { role_id: 'stytch_member', description: expect.any(String), permissions: [{ resource_id: 'stytch.self', actions: ['*'] }] },
        { role_id: 'stytch_admin', description: expect.any(String), permissions: STYTCH_ADMIN_PERMISSIONS },
      ]);
      expect(resources.map((r) => r.resource_id)).toEqual(STYTCH_RESOURCE_IDS);
      const actionsOf = (id: string) => resources.find((r) => r.resource_id === id)!.actions;
      expect(actionsOf('stytch.organization')).toEqual(
        expect.arrayContaining(['update.info.name', 'update.info.slug', 'update.settings.implicit-roles', 'delete']),
      );
      expect(actionsOf('stytch.member')).toEqual(expect.arrayContaining(['create', 'update.settings.roles', 'search', 'delete']));
      expect(actionsOf('stytch.self')).toEqual(expect.arrayContaining(['update.info.name', 'delete']));
      expect(actionsOf('stytch.self')).not.toContain('update.settings.roles');
      expect(actionsOf('stytch.sso')).toEqual(['create', 'get', 'update', 'delete']);
      expect(actionsOf('stytch.scim')).toEqual(['create', 'get', 'update', 'delete']);
      expect(scopes).toEqual([]);
    });

    it('is replaced by PUT and read back by rbac.policy, Stytch’s resources and default roles kept', async () => {
      const { put, policy } = await freshProject();
      const response = await put(POLICY);
      expect(response.status).toBe(200);
      const expected = {
        roles: [
          { role_id: 'stytch_member', description: expect.any(String), permissions: POLICY.stytch_member.permissions },
          { role_id: 'stytch_admin', description: expect.any(String), permissions: STYTCH_ADMIN_PERMISSIONS },
          EDITOR,
        ],
        resources: [...STYTCH_RESOURCE_IDS.map((resource_id) => expect.objectContaining({ resource_id })), DOCUMENTS],
        scopes: POLICY.custom_scopes,
      };
      expect(response.body.policy).toEqual(expected);
      expect(await policy()).toEqual(expected);

      // PUT replaces: what a second document leaves out is gone, and stytch_member is Stytch's again.
      expect((await put({ custom_resources: [DOCUMENTS] })).status).toBe(200);
      const after = await policy();
      expect(after.roles.map((r) => r.role_id)).toEqual(['stytch_member', 'stytch_admin']);
      expect(after.roles[0].permissions).toEqual([{ resource_id: 'stytch.self', actions: ['*'] }]);
      expect(after.scopes).toEqual([]);
    });

    it('lets stytch_admin gain permissions beside its defaults', async () => {
      const { put, policy } = await freshProject();
      const admin = [...STYTCH_ADMIN_PERMISSIONS, { resource_id: 'documents', actions: ['*'] }];
      expect((await put({ custom_resources: [DOCUMENTS], stytch_admin: { permissions: admin } })).status).toBe(200);
      expect((await policy()).roles[1].permissions).toEqual(admin);
    });

    it.each([
      [
        'a permission on an unknown resource',
        { custom_roles: [{ role_id: 'x', permissions: [{ resource_id: 'nope', actions: ['read'] }] }] },
        'rbac_policy_unknown_resource',
      ],
      [
        'an action the resource lacks',
        { custom_resources: [DOCUMENTS], custom_roles: [{ role_id: 'x', permissions: [{ resource_id: 'documents', actions: ['fly'] }] }] },
        'rbac_policy_unknown_action',
      ],
      [
        'a Stytch action on a custom role',
        { custom_roles: [{ role_id: 'x', permissions: [{ resource_id: 'stytch.self', actions: ['update.settings.roles'] }] }] },
        'rbac_policy_unknown_action',
      ],
      [
        'a resource under Stytch’s prefix',
        { custom_resources: [{ resource_id: 'stytch.billing', actions: ['read'] }] },
        'rbac_policy_reserved_id',
      ],
      [
        'a redefined Stytch resource',
        { custom_resources: [{ resource_id: 'stytch.member', actions: ['read'] }] },
        'rbac_policy_reserved_id',
      ],
      ['a custom role named stytch_admin', { custom_roles: [{ role_id: 'stytch_admin', permissions: [] }] }, 'rbac_policy_reserved_id'],
      ['"*" as a resource action', { custom_resources: [{ resource_id: 'files', actions: ['*'] }] }, 'rbac_policy_reserved_id'],
      ['a resource defined twice', { custom_resources: [DOCUMENTS, DOCUMENTS] }, 'rbac_policy_duplicate_id'],
      ['a role defined twice', { custom_resources: [DOCUMENTS], custom_roles: [EDITOR, EDITOR] }, 'rbac_policy_duplicate_id'],
      [
        'a resource twice in one role',
        { custom_resources: [DOCUMENTS], custom_roles: [{ role_id: 'x', permissions: [EDITOR.permissions[0], EDITOR.permissions[0]] }] },
        'rbac_policy_duplicate_id',
      ],
      [
        'a scope defined twice',
        {
          custom_scopes: [
            { scope: 's', permissions: [] },
            { scope: 's', permissions: [] },
          ],
        },
        'rbac_policy_duplicate_id',
      ],
      [
        'stytch_admin without its defaults',
        { stytch_admin: { permissions: [{ resource_id: 'stytch.member', actions: ['*'] }] } },
        'rbac_policy_stytch_admin_defaults',
      ],
      ['a role without an id', { custom_roles: [{ role_id: '', permissions: [] }] }, 'invalid_rbac_role_id'],
      [
        'a permission without actions',
        { custom_resources: [DOCUMENTS], custom_roles: [{ role_id: 'x', permissions: [{ resource_id: 'documents', actions: [] }] }] },
        'bad_request',
      ],
    ])('refuses %s with a 400 and changes nothing', async (_case, body, errorType) => {
      const { put, policy } = await freshProject();
      expect((await put(POLICY)).status).toBe(200);
      const before = await policy();
      const refused = await put(body);
      expectErrorEnvelope(refused.body, 400, errorType);
      expect(await policy()).toEqual(before);
    });

    it('keeps one of ten concurrent PUTs whole, never a mix', async () => {
      const { put, policy } = await freshProject();
      const documentFor = (i: number) => ({
        custom_resources: [{ resource_id: `res-${i}`, description: `resource ${i}`, actions: ['a', 'b'] }],
        custom_roles: [{ role_id: `role-${i}`, description: '', permissions: [{ resource_id: `res-${i}`, actions: ['a'] }] }],
        custom_scopes: [{ scope: `scope-${i}`, description: '', permissions: [{ resource_id: `res-${i}`, actions: ['b'] }] }],
      });
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => put(documentFor(i))));
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
      const final = await policy();
      const winner = Number(final.resources.at(-1)!.resource_id.replace('res-', ''));
      expect(final.resources.slice(STYTCH_RESOURCE_IDS.length)).toEqual(documentFor(winner).custom_resources);
      expect(final.roles.slice(2)).toEqual(documentFor(winner).custom_roles);
      expect(final.scopes).toEqual(documentFor(winner).custom_scopes);
    });
  });

  describe("an organization's policy", () => {
    /** A project whose policy defines documents and editor, with one organization. */
    async function withOrganization() {
      const fresh = await freshProject();
      expect((await fresh.put(POLICY)).status).toBe(200);
      const organization = await createOrganization(fresh.client);
      return { ...fresh, organization, organization_id: organization.organization_id };
    }

    it('is empty until set; setOrgPolicy replaces its roles, which the Organization object lists too', async () => {
      const { client, organization_id } = await withOrganization();
      expect(await orgPolicy(client, organization_id)).toEqual({ roles: [] });
      const set = await client.rbac.organizations.setOrgPolicy({ organization_id, org_policy: { roles: [REVIEWER] } });
      expect(set.org_policy).toEqual({ roles: [REVIEWER] });
      expect(await orgPolicy(client, organization_id)).toEqual({ roles: [REVIEWER] });
      expect((await client.organizations.get({ organization_id })).organization.custom_roles).toEqual([REVIEWER]);
      await client.rbac.organizations.setOrgPolicy({ organization_id, org_policy: { roles: [] } });
      expect(await orgPolicy(client, organization_id)).toEqual({ roles: [] });
    });

    it.each([
      [
        'a permission on a resource the project lacks',
        { role_id: 'x', description: '', permissions: [{ resource_id: 'invoices', actions: ['read'] }] },
        'rbac_policy_unknown_resource',
      ],
      [
        'an action the resource lacks',
        { role_id: 'x', description: '', permissions: [{ resource_id: 'documents', actions: ['print'] }] },
        'rbac_policy_unknown_action',
      ],
      ['a role under Stytch’s prefix', { role_id: 'stytch_owner', description: '', permissions: [] }, 'rbac_policy_reserved_id'],
      ['a role the project already defines', { ...EDITOR }, 'rbac_policy_duplicate_id'],
    ])('refuses %s with a 400 and changes nothing', async (_case, role, errorType) => {
      const { client, organization_id } = await withOrganization();
      await client.rbac.organizations.setOrgPolicy({ organization_id, org_policy: { roles: [REVIEWER] } });
      await expectStytchError(client.rbac.organizations.setOrgPolicy({ organization_id, org_policy: { roles: [role] } }), 400, errorType);
      expect(await orgPolicy(client, organization_id)).toEqual({ roles: [REVIEWER] });
    });

    it('refuses a role given twice, and an unknown organization', async () => {
      const { client, organization_id } = await withOrganization();
      await expectStytchError(
        client.rbac.organizations.setOrgPolicy({ organization_id, org_policy: { roles: [REVIEWER, REVIEWER] } }),
        400,
        'rbac_policy_duplicate_id',
      );
      expect(await orgPolicy(client, organization_id)).toEqual({ roles: [] });
      await expectStytchError(
        client.rbac.organizations.setOrgPolicy({ organization_id: unique('no-such-org'), org_policy: { roles: [] } }),
        404,
        'organization_not_found',
      );
    });

    it('cannot be read or set by another project (not found, unchanged)', async () => {
      const { client, organization_id } = await withOrganization();
      await client.rbac.organizations.setOrgPolicy({ organization_id, org_policy: { roles: [REVIEWER] } });
      const stranger = (await freshProject()).client;
      await expectStytchError(stranger.rbac.organizations.getOrgPolicy({ organization_id }), 404, 'organization_not_found');
      await expectStytchError(
        stranger.rbac.organizations.setOrgPolicy({ organization_id, org_policy: { roles: [] } }),
        404,
        'organization_not_found',
      );
      expect(await orgPolicy(client, organization_id)).toEqual({ roles: [REVIEWER] });
    });

    it('keeps one of ten concurrent sets whole', async () => {
      const { client, organization_id } = await withOrganization();
      const rolesFor = (i: number) => [
        { role_id: `a-${i}`, description: `set ${i}`, permissions: [{ resource_id: 'documents', actions: ['read'] }] },
        { role_id: `b-${i}`, description: `set ${i}`, permissions: [{ resource_id: 'documents', actions: ['write'] }] },
      ];
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          client.rbac.organizations.setOrgPolicy({ organization_id, org_policy: { roles: rolesFor(i) } }),
        ),
      );
      const { roles } = await orgPolicy(client, organization_id);
      expect(roles).toEqual(rolesFor(Number(roles[0].role_id.replace('a-', ''))));
    });

    it("lets members hold the project policy's roles and the organization's own, and nothing else", async () => {
      const { client, organization_id } = await withOrganization();
      await client.rbac.organizations.setOrgPolicy({ organization_id, org_policy: { roles: [REVIEWER] } });
      const member = await createMember(client, organization_id, { roles: ['editor', 'reviewer'] });
      expect(member.roles.map((r) => r.role_id)).toEqual(['stytch_member', 'editor', 'reviewer']);
      await expectStytchError(createMember(client, organization_id, { roles: ['auditor'] }), 400, 'invalid_rbac_role_id');

      const updated = await client.organizations.members.update({ organization_id, member_id: member.member_id, roles: ['editor'] });
      expect(updated.member.roles.map((r) => r.role_id)).toEqual(['stytch_member', 'editor']);

      const { organization } = await client.organizations.update({
        organization_id,
        rbac_email_implicit_role_assignments: [
          { domain: 'acme.com', role_id: 'editor' },
          { domain: 'acme.com', role_id: 'reviewer' },
        ],
      });
      expect(organization.rbac_email_implicit_role_assignments).toHaveLength(2);

      // Another organization of the project has the project's roles, not the first one's own.
      const other = await createOrganization(client);
      expect((await createMember(client, other.organization_id, { roles: ['editor'] })).roles.map((r) => r.role_id)).toContain('editor');
      await expectStytchError(createMember(client, other.organization_id, { roles: ['reviewer'] }), 400, 'invalid_rbac_role_id');
      await expectStytchError(
        client.organizations.update({
          organization_id: other.organization_id,
          rbac_email_implicit_role_assignments: [{ domain: 'acme.com', role_id: 'reviewer' }],
        }),
        400,
        'invalid_rbac_role_id',
      );
    });

    it('lets an invite give a project policy role', async () => {
      const { client, organization_id } = await withOrganization();
      const { member } = await client.magicLinks.email.invite({
        organization_id,
        email_address: `${unique('invitee')}@acme.com`,
        roles: ['editor'],
      });
      expect(member.roles.map((r) => r.role_id)).toEqual(['stytch_member', 'editor']);
    });
  });

  describe('authorization checks of sessions.authenticate', () => {
    let project: TestProject;
    let orgA: string;
    let orgB: string;

    beforeAll(async () => {
      ({ project } = await freshProject());
      expect((await ctx.app.http('PUT', POLICY_PATH, { body: POLICY, auth: project })).status).toBe(200);
      orgA = (await createOrganization(project.client)).organization_id;
      orgB = (await createOrganization(project.client)).organization_id;
      await project.client.rbac.organizations.setOrgPolicy({ organization_id: orgA, org_policy: { roles: [REVIEWER] } });
    });

    const signIn = (organizationId: string, roles: string[] = []) => signInNewMember(ctx, organizationId, { roles }, project.client);
    const check = (organization_id: string, resource_id: string, action: string) => ({ organization_id, resource_id, action });

    it('answers the verdict and the roles that granted it', async () => {
      const admin = await signIn(orgA, ['stytch_admin']);
      const answer = await project.client.sessions.authenticate({
        session_token: admin.token,
        authorization_check: check(orgA, 'stytch.organization', 'update.info.name'),
      });
      expect(answer.verdict).toEqual({ authorized: true, granting_roles: ['stytch_admin'] });
      expect(answer.member_session.member_id).toBe(admin.memberId);

      const byJwt = await project.client.sessions.authenticate({
        session_jwt: admin.jwt,
        authorization_check: check(orgA, 'stytch.member', 'delete'),
      });
      expect(byJwt.verdict).toEqual({ authorized: true, granting_roles: ['stytch_admin'] });
    });

    it('counts custom roles of the project and of the organization, and the default roles’ custom permissions', async () => {
      const editor = await signIn(orgA, ['editor', 'reviewer']);
      const authenticate = (resource: string, action: string) =>
        project.client.sessions.authenticate({ session_token: editor.token, authorization_check: check(orgA, resource, action) });
      expect((await authenticate('documents', 'write')).verdict).toEqual({ authorized: true, granting_roles: ['editor'] });
      expect((await authenticate('documents', 'read')).verdict!.granting_roles).toEqual(['stytch_member', 'editor', 'reviewer']);
      expect((await authenticate('stytch.member', 'search')).verdict!.granting_roles).toEqual(['reviewer']);
      await expectStytchError(authenticate('documents', 'delete'), 403, 'session_authorization_error');
    });

    it('refuses with 403 what the roles do not grant, changing nothing', async () => {
      const member = await signIn(orgA);
      const before = await project.client.sessions.authenticate({ session_token: member.token });
      await expectStytchError(
        project.client.sessions.authenticate({
          session_token: member.token,
          authorization_check: check(orgA, 'stytch.organization', 'update.info.name'),
        }),
        403,
        'session_authorization_error',
      );
      await expectStytchError(
        project.client.sessions.authenticate({
          session_token: member.token,
          session_duration_minutes: 600,
          authorization_check: check(orgA, 'documents', 'write'),
        }),
        403,
        'session_authorization_error',
      );
      const after = await project.client.sessions.authenticate({ session_token: member.token });
      expect(after.member_session.expires_at).toBe(before.member_session.expires_at);

      const extended = await project.client.sessions.authenticate({
        session_token: member.token,
        session_duration_minutes: 600,
        authorization_check: check(orgA, 'documents', 'read'),
      });
      expect(extended.verdict).toEqual({ authorized: true, granting_roles: ['stytch_member'] });
      expect(new Date(extended.member_session.expires_at).getTime()).toBeGreaterThan(new Date(before.member_session.expires_at).getTime());
    });

    it("refuses a check in another organization than the session's", async () => {
      const admin = await signIn(orgA, ['stytch_admin']);
      await expectStytchError(
        project.client.sessions.authenticate({ session_token: admin.token, authorization_check: check(orgB, 'stytch.member', 'delete') }),
        403,
        'session_authorization_tenancy_error',
      );
    });

    it('refuses a malformed check', async () => {
      const member = await signIn(orgA);
      const refused = await ctx.app.http('POST', '/v1/b2b/sessions/authenticate', {
        body: { session_token: member.token, authorization_check: { organization_id: orgA, resource_id: 'documents' } },
        auth: project,
      });
      expectErrorEnvelope(refused.body, 400);
    });

    describe('authenticateJwtLocal', () => {
      /** A client of its own: the SDK caches the policies it reads for five minutes. */
      const freshClient = () => new B2BClient({ project_id: project.projectId, secret: project.secret, env: `${ctx.app.baseUrl}/` });

      it('allows what the roles grant, reading rbac.policy and the organization policy', async () => {
        const member = await signIn(orgA, ['editor', 'reviewer']);
        const client = freshClient();
        for (const [resource, action] of [
          ['stytch.self', 'update.info.name'],
          ['documents', 'write'],
          ['stytch.member', 'search'],
        ]) {
          const session = await client.sessions.authenticateJwtLocal({
            session_jwt: member.jwt,
            authorization_check: check(orgA, resource, action),
          });
          expect(session.member_id).toBe(member.memberId);
          expect(session.roles).toEqual(['stytch_member', 'editor', 'reviewer']);
        }
      });

      it('refuses what they do not, and another organization', async () => {
        const member = await signIn(orgA, ['editor']);
        const client = freshClient();
        const refused = (await stytchError(
          client.sessions.authenticateJwtLocal({ session_jwt: member.jwt, authorization_check: check(orgA, 'documents', 'delete') }),
        )) as unknown as { code: string };
        expect(refused.code).toBe('invalid_permissions');
        const elsewhere = (await stytchError(
          client.sessions.authenticateJwtLocal({ session_jwt: member.jwt, authorization_check: check(orgB, 'documents', 'read') }),
        )) as unknown as { code: string };
        expect(elsewhere.code).toBe('tenancy_mismatch');
      });
    });
  });
});
