import type { B2BClient } from 'stytch';
import { TestProject, useTestApp } from '../helpers/app';
import { createMember, createOrganization, stytchError, unique } from '../helpers/factories';

type Organization = Awaited<ReturnType<typeof createOrganization>>;
type Member = Awaited<ReturnType<typeof createMember>>;

describe('tenant isolation between projects on one server', () => {
  const ctx = useTestApp();
  let a: B2BClient;
  let b: TestProject;
  beforeAll(async () => {
    a = ctx.client;
    b = await ctx.app.newProject();
  });

  /** An organization of project A with an external id, and one member. */
  async function organizationOfA(): Promise<{ organization: Organization; member: Member }> {
    const organization = await createOrganization(a, { organization_external_id: unique('ext'), trusted_metadata: { owner: 'a' } });
    const member = await createMember(a, organization.organization_id, { external_id: unique('mext'), name: 'Ada' });
    return { organization, member };
  }

  /** Asserts the call fails as if the object did not exist. */
  async function expectNotFound(call: Promise<unknown>, errorType: string): Promise<void> {
    const error = await stytchError(call);
    expect([error.status_code, error.error_type]).toEqual([404, errorType]);
  }

  async function expectOrganizationUnchanged(before: Organization, memberCount: number): Promise<void> {
    const { organization } = await a.organizations.get({ organization_id: before.organization_id });
    expect(organization).toEqual(before);
    expect((await a.organizations.metrics({ organization_id: before.organization_id })).member_count).toBe(memberCount);
  }

  async function expectMemberUnchanged(organizationId: string, before: Member): Promise<void> {
    const { member } = await a.organizations.members.dangerouslyGet({ member_id: before.member_id, include_deleted: true });
    expect(member).toEqual(before);
    expect(member.organization_id).toBe(organizationId);
  }

  describe("B cannot reach A's organizations", () => {
    const refs: [string, (o: Organization) => string][] = [
      ['id', (o) => o.organization_id],
      ['slug', (o) => o.organization_slug],
      ['external id', (o) => o.organization_external_id!],
    ];
    const operations: [string, (client: B2BClient, ref: string) => Promise<unknown>][] = [
      ['get', (c, ref) => c.organizations.get({ organization_id: ref })],
      [
        'update',
        (c, ref) => c.organizations.update({ organization_id: ref, organization_name: 'Taken over', trusted_metadata: { owner: 'b' } }),
      ],
      ['delete', (c, ref) => c.organizations.delete({ organization_id: ref })],
      ['metrics', (c, ref) => c.organizations.metrics({ organization_id: ref })],
      ['deleteExternalId', (c, ref) => c.organizations.deleteExternalId({ organization_id: ref })],
    ];
    const cases = operations.flatMap(([op, call]) => refs.map(([kind, ref]) => [op, kind, call, ref] as const));

    it.each(cases)('%s by %s is 404 organization_not_found and changes nothing', async (_op, _kind, call, ref) => {
      const { organization } = await organizationOfA();
      await expectNotFound(call(b.client, ref(organization)), 'organization_not_found');
      await expectOrganizationUnchanged(organization, 1);
    });

    it("cannot create a member in A's organization", async () => {
      const { organization } = await organizationOfA();
      await expectNotFound(createMember(b.client, organization.organization_id), 'organization_not_found');
      await expectOrganizationUnchanged(organization, 1);
    });

    it("lets B reuse A's slug and external id for an organization of its own", async () => {
      const { organization } = await organizationOfA();
      const own = await createOrganization(b.client, {
        organization_slug: organization.organization_slug,
        organization_external_id: organization.organization_external_id,
      });
      expect(own.organization_id).not.toBe(organization.organization_id);
      const { organization: resolved } = await b.client.organizations.get({ organization_id: organization.organization_slug });
      expect(resolved.organization_id).toBe(own.organization_id);
      await expectOrganizationUnchanged(organization, 1);
    });
  });

  describe("B cannot reach A's members", () => {
    const operations: [string, (client: B2BClient, organizationId: string, m: Member) => Promise<unknown>][] = [
      ['get by id', (c, org, m) => c.organizations.members.get({ organization_id: org, member_id: m.member_id })],
      ['get by email', (c, org, m) => c.organizations.members.get({ organization_id: org, email_address: m.email_address })],
      ['update', (c, org, m) => c.organizations.members.update({ organization_id: org, member_id: m.member_id, name: 'Mallory' })],
      ['delete', (c, org, m) => c.organizations.members.delete({ organization_id: org, member_id: m.member_id })],
      ['reactivate', (c, org, m) => c.organizations.members.reactivate({ organization_id: org, member_id: m.member_id })],
      ['deleteExternalId', (c, org, m) => c.organizations.members.deleteExternalId({ organization_id: org, member_id: m.member_id })],
    ];

    it.each(operations)("%s through A's organization id is 404 and changes nothing", async (_op, call) => {
      const { organization, member } = await organizationOfA();
      await expectNotFound(call(b.client, organization.organization_id, member), 'organization_not_found');
      await expectMemberUnchanged(organization.organization_id, member);
    });

    it.each(operations)("%s through one of B's own organizations is 404 and changes nothing", async (_op, call) => {
      const { organization, member } = await organizationOfA();
      const own = await createOrganization(b.client);
      await expectNotFound(call(b.client, own.organization_id, member), 'member_not_found');
      await expectMemberUnchanged(organization.organization_id, member);
    });

    it("cannot reactivate A's deleted member", async () => {
      const { organization, member } = await organizationOfA();
      await a.organizations.members.delete({ organization_id: organization.organization_id, member_id: member.member_id });
      const { member: deleted } = await a.organizations.members.dangerouslyGet({ member_id: member.member_id, include_deleted: true });
      await expectNotFound(
        b.client.organizations.members.reactivate({ organization_id: organization.organization_id, member_id: member.member_id }),
        'organization_not_found',
      );
      await expectMemberUnchanged(organization.organization_id, deleted);
      expect(deleted.status).toBe('deleted');
    });

    it("cannot dangerously get A's member", async () => {
      const { member } = await organizationOfA();
      await expectNotFound(b.client.organizations.members.dangerouslyGet({ member_id: member.member_id }), 'member_not_found');
      await expectNotFound(
        b.client.organizations.members.dangerouslyGet({ member_id: member.member_id, include_deleted: true }),
        'member_not_found',
      );
    });
  });

  describe('search', () => {
    const searchB = (operands: { filter_name: string; filter_value: unknown }[], operator: 'AND' | 'OR' = 'AND') =>
      b.client.organizations.search({ query: { operator, operands: operands as never } });

    it("never returns A's organizations to an unfiltered search by B", async () => {
      const { organization } = await organizationOfA();
      const own = await createOrganization(b.client);
      const { organizations } = await b.client.organizations.search({ limit: 1000 });
      const ids = organizations.map((o) => o.organization_id);
      expect(ids).toContain(own.organization_id);
      expect(ids).not.toContain(organization.organization_id);
    });

    it.each<[string, (o: Organization, m: Member) => { filter_name: string; filter_value: unknown }]>([
      ['organization_ids', (o) => ({ filter_name: 'organization_ids', filter_value: [o.organization_id] })],
      ['organization_slugs', (o) => ({ filter_name: 'organization_slugs', filter_value: [o.organization_slug] })],
      ['organization_slug_fuzzy', (o) => ({ filter_name: 'organization_slug_fuzzy', filter_value: o.organization_slug })],
      ['member_emails', (_o, m) => ({ filter_name: 'member_emails', filter_value: [m.email_address] })],
      ['member_email_fuzzy', (_o, m) => ({ filter_name: 'member_email_fuzzy', filter_value: m.email_address.split('@')[0] })],
    ])("finds none of A's organizations when B filters by %s", async (_filter, operand) => {
      const { organization, member } = await organizationOfA();
      const { organizations, results_metadata } = await searchB([operand(organization, member)]);
      expect(organizations).toEqual([]);
      expect(results_metadata.total).toBe(0);
    });

    it("does not count A's organizations in an OR search that also matches B's own", async () => {
      const { organization } = await organizationOfA();
      const own = await createOrganization(b.client);
      const { organizations, results_metadata } = await searchB(
        [
          { filter_name: 'organization_ids', filter_value: [organization.organization_id, own.organization_id] },
          { filter_name: 'organization_slugs', filter_value: [organization.organization_slug] },
        ],
        'OR',
      );
      expect(organizations.map((o) => o.organization_id)).toEqual([own.organization_id]);
      expect(results_metadata.total).toBe(1);
    });

    it.each<[string, (o: Organization) => string]>([
      ['id', (o) => o.organization_id],
      ['slug', (o) => o.organization_slug],
    ])("refuses B's member search over A's organization (by %s) with 404", async (_kind, ref) => {
      const { organization } = await organizationOfA();
      await expectNotFound(b.client.organizations.members.search({ organization_ids: [ref(organization)] }), 'organization_not_found');
    });

    it("refuses B's member search naming its own and A's organizations with 404", async () => {
      const { organization } = await organizationOfA();
      const own = await createOrganization(b.client);
      await expectNotFound(
        b.client.organizations.members.search({ organization_ids: [own.organization_id, organization.organization_id] }),
        'organization_not_found',
      );
    });

    it("never returns A's members to B filtering by their ids or emails", async () => {
      const { member } = await organizationOfA();
      const own = await createOrganization(b.client);
      const { members, results_metadata } = await b.client.organizations.members.search({
        organization_ids: [own.organization_id],
        query: {
          operator: 'OR',
          operands: [
            { filter_name: 'member_ids', filter_value: [member.member_id] },
            { filter_name: 'member_emails', filter_value: [member.email_address] },
          ],
        },
      });
      expect(members).toEqual([]);
      expect(results_metadata.total).toBe(0);
    });
  });

  describe('live projects', () => {
    let live: TestProject;
    beforeAll(async () => {
      live = await ctx.app.newProject('live');
    });

    it('mints organization-live and member-live ids', async () => {
      const organization = await createOrganization(live.client);
      const member = await createMember(live.client, organization.organization_id);
      expect(organization.organization_id).toMatch(/^organization-live-[0-9a-f-]{36}$/);
      expect(member.member_id).toMatch(/^member-live-[0-9a-f-]{36}$/);
      expect(member.organization_id).toBe(organization.organization_id);
    });

    it("does not resolve its own organization's uuid under a test-env id", async () => {
      const organization = await createOrganization(live.client);
      const testId = organization.organization_id.replace('organization-live-', 'organization-test-');
      await expectNotFound(live.client.organizations.get({ organization_id: testId }), 'organization_not_found');
    });

    it("does not resolve its own member's uuid under a test-env id", async () => {
      const organization = await createOrganization(live.client);
      const member = await createMember(live.client, organization.organization_id);
      const testId = member.member_id.replace('member-live-', 'member-test-');
      await expectNotFound(
        live.client.organizations.members.get({ organization_id: organization.organization_id, member_id: testId }),
        'member_not_found',
      );
      await expectNotFound(live.client.organizations.members.dangerouslyGet({ member_id: testId }), 'member_not_found');
    });

    it("does not find a test project's organization by its id", async () => {
      const { organization } = await organizationOfA();
      await expectNotFound(live.client.organizations.get({ organization_id: organization.organization_id }), 'organization_not_found');
    });

    it('finds nothing when searching by test-env organization ids', async () => {
      const organization = await createOrganization(live.client);
      const testId = organization.organization_id.replace('organization-live-', 'organization-test-');
      const { organizations } = await live.client.organizations.search({
        query: { operator: 'AND', operands: [{ filter_name: 'organization_ids', filter_value: [testId] }] },
      });
      expect(organizations).toEqual([]);
    });
  });

  describe('member ids are scoped to their organization', () => {
    const operations: [string, (orgId: string, m: Member) => Promise<unknown>][] = [
      ['get', (org, m) => a.organizations.members.get({ organization_id: org, member_id: m.member_id })],
      ['get by external id', (org, m) => a.organizations.members.get({ organization_id: org, member_id: m.external_id })],
      ['update', (org, m) => a.organizations.members.update({ organization_id: org, member_id: m.member_id, name: 'Moved' })],
      ['delete', (org, m) => a.organizations.members.delete({ organization_id: org, member_id: m.member_id })],
      ['deleteExternalId', (org, m) => a.organizations.members.deleteExternalId({ organization_id: org, member_id: m.member_id })],
    ];

    it.each(operations)("%s through another of A's organizations is 404 member_not_found", async (_op, call) => {
      const { organization, member } = await organizationOfA();
      const other = await createOrganization(a);
      await expectNotFound(call(other.organization_id, member), 'member_not_found');
      await expectMemberUnchanged(organization.organization_id, member);
    });
  });
});
