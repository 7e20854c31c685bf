import { randomUUID } from 'node:crypto';
import type { B2BClient } from 'stytch';
import { useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';
import { createMember, createOrganization, stytchError, unique } from '../helpers/factories';

type SearchRequest = Parameters<B2BClient['organizations']['members']['search']>[0];
type Operand = { filter_name: string; filter_value: unknown };

const sorted = (ids: string[]) => [...ids].sort();

describe('organizations.members.search', () => {
  const ctx = useTestApp();

  const search = (organization_ids: string[], operands: Operand[] = [], extra: Partial<SearchRequest> = {}) =>
    ctx.client.organizations.members.search({
      organization_ids,
      query: { operator: 'AND', operands },
      ...extra,
    } as SearchRequest);
  const foundIds = async (organization_ids: string[], operands: Operand[], operator: 'AND' | 'OR' = 'AND') =>
    sorted(
      (await search(organization_ids, operands, { query: { operator, operands } } as Partial<SearchRequest>)).members.map(
        (m) => m.member_id,
      ),
    );
  const ids = (...members: { member_id: string }[]) => sorted(members.map((m) => m.member_id));

  /**
   * One organization with a varied cast: an admin, a breakglass member with a phone,
   * a pending member, a deleted member, and one who gets stytch_admin by email rule.
   */
  async function cast() {
    const org = await createOrganization(ctx.client, {
      rbac_email_implicit_role_assignments: [{ domain: 'admins.example.com', role_id: 'stytch_admin' }],
    });
    const add = (overrides: Record<string, unknown>) => createMember(ctx.client, org.organization_id, overrides);
    const tag = unique('t');
    const admin = await add({ email_address: `${tag}-alice@acme.com`, roles: ['stytch_admin'] });
    const breakglass = await add({ email_address: `${tag}-bob@acme.com`, is_breakglass: true, mfa_phone_number: '+14155550111' });
    const pending = await add({ email_address: `${tag}-carol@other.com`, create_member_as_pending: true });
    const implicitAdmin = await add({ email_address: `${tag}-dave@admins.example.com` });
    const deleted = await add({ email_address: `${tag}-erin@acme.com`, is_breakglass: true });
    await ctx.client.organizations.members.delete({ organization_id: org.organization_id, member_id: deleted.member_id });
    return { org, tag, admin, breakglass, pending, implicitAdmin, deleted, live: ids(admin, breakglass, pending, implicitAdmin) };
  }

  describe('organization_ids', () => {
    it.each([
      ['missing', {}],
      ['empty', { organization_ids: [] }],
    ])('refuses a search with organization_ids %s', async (_label, body) => {
      const res = await ctx.app.http('POST', '/v1/b2b/organizations/members/search', { body });
      expectErrorEnvelope(res.body, 400, 'member_search_organization_ids_empty');
      expect(res.status).toBe(400);
      expect(res.body.error_message).toContain('organization_ids');
    });

    it('searches across several organizations, accepting slugs in place of ids', async () => {
      const [orgA, orgB, orgC] = await Promise.all([
        createOrganization(ctx.client),
        createOrganization(ctx.client),
        createOrganization(ctx.client),
      ]);
      const a = await createMember(ctx.client, orgA.organization_id);
      const b = await createMember(ctx.client, orgB.organization_id);
      await createMember(ctx.client, orgC.organization_id);
      const response = await search([orgA.organization_id, orgB.organization_slug]);
      expect(sorted(response.members.map((m) => m.member_id))).toEqual(ids(a, b));
      expect(response.results_metadata.total).toBe(2);
      expect(response.status_code).toBe(200);
    });

    it('refuses a search naming an unknown organization', async () => {
      const org = await createOrganization(ctx.client);
      await createMember(ctx.client, org.organization_id);
      const err = await stytchError(search([org.organization_id, `organization-test-${randomUUID()}`]));
      expectErrorEnvelope(err, 404, 'organization_not_found');
    });

    it("refuses a search naming another project's organization", async () => {
      const org = await createOrganization(ctx.client);
      await createMember(ctx.client, org.organization_id);
      const other = await ctx.app.newProject();
      const err = await stytchError(other.client.organizations.members.search({ organization_ids: [org.organization_id] }));
      expectErrorEnvelope(err, 404, 'organization_not_found');
    });

    it('returns all live members of the organizations when no query is given', async () => {
      const { org, live } = await cast();
      const response = await ctx.client.organizations.members.search({ organization_ids: [org.organization_id] });
      expect(sorted(response.members.map((m) => m.member_id))).toEqual(live);
    });
  });

  describe('filters', () => {
    it('filters by member_ids', async () => {
      const { org, admin, pending } = await cast();
      expect(
        await foundIds([org.organization_id], [{ filter_name: 'member_ids', filter_value: [admin.member_id, pending.member_id] }]),
      ).toEqual(ids(admin, pending));
    });

    it('filters by member_emails, ignoring case and surrounding spaces', async () => {
      const { org, admin, breakglass } = await cast();
      const value = [admin.email_address.toUpperCase(), ` ${breakglass.email_address} `];
      expect(await foundIds([org.organization_id], [{ filter_name: 'member_emails', filter_value: value }])).toEqual(
        ids(admin, breakglass),
      );
    });

    it('filters by member_email_fuzzy on any part of the email', async () => {
      const { org, tag, pending, implicitAdmin } = await cast();
      expect(await foundIds([org.organization_id], [{ filter_name: 'member_email_fuzzy', filter_value: 'CAROL@oth' }])).toEqual(
        ids(pending),
      );
      expect(await foundIds([org.organization_id], [{ filter_name: 'member_email_fuzzy', filter_value: 'admins.example' }])).toEqual(
        ids(implicitAdmin),
      );
      expect(await foundIds([org.organization_id], [{ filter_name: 'member_email_fuzzy', filter_value: tag }])).toHaveLength(4);
    });

    it('treats LIKE wildcards in member_email_fuzzy literally', async () => {
      const { org } = await cast();
      expect(await foundIds([org.organization_id], [{ filter_name: 'member_email_fuzzy', filter_value: '%' }])).toEqual([]);
      expect(await foundIds([org.organization_id], [{ filter_name: 'member_email_fuzzy', filter_value: '_' }])).toEqual([]);
    });

    it.each([true, false])('filters by member_is_breakglass %s', async (value) => {
      const { org, admin, breakglass, pending, implicitAdmin } = await cast();
      const expected = value ? ids(breakglass) : ids(admin, pending, implicitAdmin);
      expect(await foundIds([org.organization_id], [{ filter_name: 'member_is_breakglass', filter_value: value }])).toEqual(expected);
    });

    it('filters by statuses', async () => {
      const { org, pending, admin, breakglass, implicitAdmin } = await cast();
      expect(await foundIds([org.organization_id], [{ filter_name: 'statuses', filter_value: ['pending'] }])).toEqual(ids(pending));
      expect(await foundIds([org.organization_id], [{ filter_name: 'statuses', filter_value: ['active'] }])).toEqual(
        ids(admin, breakglass, implicitAdmin),
      );
    });

    it('excludes deleted members unless statuses asks for them', async () => {
      const { org, deleted, live } = await cast();
      expect(await foundIds([org.organization_id], [])).toEqual(live);
      expect(await foundIds([org.organization_id], [{ filter_name: 'member_is_breakglass', filter_value: true }])).not.toContain(
        deleted.member_id,
      );
      expect(await foundIds([org.organization_id], [{ filter_name: 'statuses', filter_value: ['deleted'] }])).toEqual(ids(deleted));
      expect(await foundIds([org.organization_id], [{ filter_name: 'statuses', filter_value: ['active', 'pending', 'deleted'] }])).toEqual(
        sorted([...live, deleted.member_id]),
      );
    });

    it('filters by member_roles, matching explicit and email-implicit roles', async () => {
      const { org, admin, implicitAdmin } = await cast();
      expect(await foundIds([org.organization_id], [{ filter_name: 'member_roles', filter_value: ['stytch_admin'] }])).toEqual(
        ids(admin, implicitAdmin),
      );
    });

    it('matches every live member for member_roles stytch_member', async () => {
      const { org, live } = await cast();
      expect(await foundIds([org.organization_id], [{ filter_name: 'member_roles', filter_value: ['stytch_member'] }])).toEqual(live);
    });

    it('filters by member_phone_numbers', async () => {
      const { org, breakglass } = await cast();
      expect(await foundIds([org.organization_id], [{ filter_name: 'member_phone_numbers', filter_value: ['+14155550111'] }])).toEqual(
        ids(breakglass),
      );
      expect(await foundIds([org.organization_id], [{ filter_name: 'member_phone_numbers', filter_value: ['+14155550999'] }])).toEqual([]);
    });

    it('intersects operands with AND and unites them with OR', async () => {
      const { org, admin, breakglass, implicitAdmin } = await cast();
      const operands = [
        { filter_name: 'member_email_fuzzy', filter_value: '@acme.com' },
        { filter_name: 'member_roles', filter_value: ['stytch_admin'] },
      ];
      expect(await foundIds([org.organization_id], operands, 'AND')).toEqual(ids(admin));
      expect(await foundIds([org.organization_id], operands, 'OR')).toEqual(ids(admin, breakglass, implicitAdmin));
    });

    it.each<[string, unknown]>([
      ['an unknown filter_name', { operator: 'AND', operands: [{ filter_name: 'member_shoe_size', filter_value: ['42'] }] }],
      ['a filter_value of the wrong type', { operator: 'AND', operands: [{ filter_name: 'member_is_breakglass', filter_value: 'yes' }] }],
      ['an unknown operator', { operator: 'XOR', operands: [] }],
    ])('refuses %s with a 400', async (_label, query) => {
      const org = await createOrganization(ctx.client);
      const err = await stytchError(
        ctx.client.organizations.members.search({ organization_ids: [org.organization_id], query } as SearchRequest),
      );
      expectErrorEnvelope(err, 400);
    });
  });

  describe('response organizations', () => {
    it('maps organization_id to the organizations of the returned members only', async () => {
      const [orgA, orgB] = await Promise.all([createOrganization(ctx.client), createOrganization(ctx.client)]);
      const a = await createMember(ctx.client, orgA.organization_id, { is_breakglass: true });
      await createMember(ctx.client, orgB.organization_id);
      const response = await search(
        [orgA.organization_id, orgB.organization_id],
        [{ filter_name: 'member_is_breakglass', filter_value: true }],
      );
      expect(response.members.map((m) => m.member_id)).toEqual([a.member_id]);
      expect(Object.keys(response.organizations)).toEqual([orgA.organization_id]);
      expect(response.organizations[orgA.organization_id]).toMatchObject({
        organization_id: orgA.organization_id,
        organization_slug: orgA.organization_slug,
        organization_name: orgA.organization_name,
      });
    });

    it('holds every organization that has a returned member', async () => {
      const [orgA, orgB] = await Promise.all([createOrganization(ctx.client), createOrganization(ctx.client)]);
      await createMember(ctx.client, orgA.organization_id);
      await createMember(ctx.client, orgB.organization_id);
      const response = await search([orgA.organization_slug, orgB.organization_id]);
      expect(sorted(Object.keys(response.organizations))).toEqual(sorted([orgA.organization_id, orgB.organization_id]));
      for (const [key, organization] of Object.entries(response.organizations)) expect(organization.organization_id).toBe(key);
    });
  });

  describe('pagination', () => {
    async function walk(organization_ids: string[], operands: Operand[], limit: number) {
      const seen: string[] = [];
      const totals: number[] = [];
      const pageSizes: number[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof search>> = await search(organization_ids, operands, {
          limit,
          cursor,
        } as Partial<SearchRequest>);
        seen.push(...page.members.map((m) => m.member_id));
        totals.push(page.results_metadata.total);
        pageSizes.push(page.members.length);
        cursor = page.results_metadata.next_cursor ?? null;
        expect(pageSizes.length).toBeLessThan(50);
      } while (cursor);
      return { seen, totals, pageSizes };
    }

    it('walks every member of several organizations exactly once, with exact totals', async () => {
      const [orgA, orgB] = await Promise.all([createOrganization(ctx.client), createOrganization(ctx.client)]);
      const created = [
        ...(await Promise.all(Array.from({ length: 4 }, () => createMember(ctx.client, orgA.organization_id)))),
        ...(await Promise.all(Array.from({ length: 3 }, () => createMember(ctx.client, orgB.organization_id)))),
      ];
      const { seen, totals, pageSizes } = await walk([orgA.organization_id, orgB.organization_id], [], 3);
      expect(sorted(seen)).toEqual(ids(...created));
      expect(new Set(seen).size).toBe(seen.length);
      expect(totals).toEqual([7, 7, 7]);
      expect(pageSizes).toEqual([3, 3, 1]);
    });

    it('counts only matching members in the total while paging a filtered search', async () => {
      const org = await createOrganization(ctx.client);
      const breakglass = await Promise.all(
        Array.from({ length: 5 }, () => createMember(ctx.client, org.organization_id, { is_breakglass: true })),
      );
      await Promise.all(Array.from({ length: 3 }, () => createMember(ctx.client, org.organization_id)));
      const { seen, totals } = await walk([org.organization_id], [{ filter_name: 'member_is_breakglass', filter_value: true }], 2);
      expect(sorted(seen)).toEqual(ids(...breakglass));
      expect(totals).toEqual([5, 5, 5]);
    });

    it('leaves next_cursor out when everything fits on one page', async () => {
      const org = await createOrganization(ctx.client);
      await createMember(ctx.client, org.organization_id);
      const page = await search([org.organization_id], [], { limit: 10 });
      expect(page.results_metadata).toEqual({ total: 1 });
    });

    it.each<[string, Record<string, unknown>, string | RegExp]>([
      ['a cursor that was never issued', { cursor: 'not-a-cursor' }, 'invalid_cursor'],
      ['a tampered cursor', { cursor: Buffer.from('{"v":1,"after":"nope"}').toString('base64url') }, 'invalid_cursor'],
      ['a limit above 1000', { limit: 1001 }, /limit/],
      ['a negative limit', { limit: -1 }, /limit/],
      ['a fractional limit', { limit: 2.5 }, /limit/],
    ])('refuses %s with a 400', async (_label, extra, errorType) => {
      const org = await createOrganization(ctx.client);
      await createMember(ctx.client, org.organization_id);
      const err = await stytchError(search([org.organization_id], [], extra as Partial<SearchRequest>));
      expectErrorEnvelope(err, 400, errorType);
    });

    it('refuses a limit that is not a number', async () => {
      const org = await createOrganization(ctx.client);
      const res = await ctx.app.http('POST', '/v1/b2b/organizations/members/search', {
        body: { organization_ids: [org.organization_id], limit: 'ten' },
      });
      expect(res.status).toBe(400);
      expectErrorEnvelope(res.body, 400, /limit/);
    });
  });
});
