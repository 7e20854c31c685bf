import type { B2BClient } from 'stytch';
import { TestProject, useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { createMember, createOrganization } from '../helpers/factories';

type SearchRequest = Parameters<B2BClient['organizations']['search']>[0];
type Operand = NonNullable<SearchRequest['query']>['operands'][number];
type Organization = Awaited<ReturnType<typeof createOrganization>>;

describe('organizations.search', () => {
  const ctx = useTestApp();

  /** Three organizations in a fresh project, each with distinct names, slugs, domains and one member. */
  async function seed() {
    const project = await ctx.app.newProject();
    const { client } = project;
    const alpha = await createOrganization(client, {
      organization_name: 'Alpha Analytics',
      organization_slug: 'alpha-hq',
      email_allowed_domains: ['alpha.io'],
      claimed_email_domains: ['alpha-corp.com'],
    });
    const beta = await createOrganization(client, {
      organization_name: 'Beta Builders',
      organization_slug: 'beta-hq',
      email_allowed_domains: ['beta.dev', 'shared.net'],
      claimed_email_domains: ['beta-corp.com'],
    });
    const gamma = await createOrganization(client, {
      organization_name: 'Gamma Goods',
      organization_slug: 'gamma-hq',
      email_allowed_domains: ['gamma.org', 'shared.net'],
      claimed_email_domains: ['gamma-corp.com'],
    });
    await createMember(client, alpha.organization_id, { email_address: 'ada@alpha.io' });
    await createMember(client, beta.organization_id, { email_address: 'bob@beta.dev' });
    await createMember(client, gamma.organization_id, { email_address: 'carol@gamma.org' });
    return { project, client, orgs: { alpha, beta, gamma } };
  }
  type Seeded = Awaited<ReturnType<typeof seed>>;
  type OrgKey = keyof Seeded['orgs'];

  const ids = (organizations: Organization[]) => organizations.map((o) => o.organization_id).sort();
  const idsOf = (seeded: Seeded, keys: OrgKey[]) => ids(keys.map((k) => seeded.orgs[k]));

  async function search(client: B2BClient, request: SearchRequest) {
    const response = await client.organizations.search(request);
    expect(response.status_code).toBe(200);
    return response;
  }

  /** The search fails with a 400 of this error_type in Stytch's envelope. */
  const expectBadRequest = (client: B2BClient, request: unknown, errorType: string) =>
    expectStytchError(client.organizations.search(request as SearchRequest), 400, errorType);

  /** Walks every page with this limit; returns the pages' organizations, totals and cursors. */
  async function walk(client: B2BClient, limit: number, query?: SearchRequest['query']) {
    const pages: { ids: string[]; total: number; nextCursor: string | null }[] = [];
    let cursor: string | undefined;
    do {
      const { organizations, results_metadata } = await search(client, { limit, query, cursor });
      pages.push({
        ids: organizations.map((o) => o.organization_id),
        total: results_metadata.total,
        nextCursor: results_metadata.next_cursor ?? null,
      });
      cursor = results_metadata.next_cursor ?? undefined;
      if (pages.length > 50) throw new Error('pagination did not terminate');
    } while (cursor);
    return pages;
  }

  describe('filters', () => {
    it.each<[string, (s: Seeded) => Operand, OrgKey[]]>([
      [
        'organization_ids',
        (s) => ({ filter_name: 'organization_ids', filter_value: [s.orgs.alpha.organization_id, s.orgs.gamma.organization_id] }),
        ['alpha', 'gamma'],
      ],
      [
        'organization_slugs',
        () => ({ filter_name: 'organization_slugs', filter_value: ['beta-hq', 'gamma-hq', 'no-such-slug'] }),
        ['beta', 'gamma'],
      ],
      ['organization_name_fuzzy', () => ({ filter_name: 'organization_name_fuzzy', filter_value: 'builde' }), ['beta']],
      ['organization_name_fuzzy, ignoring case', () => ({ filter_name: 'organization_name_fuzzy', filter_value: 'ANALYTIC' }), ['alpha']],
      ['organization_slug_fuzzy', () => ({ filter_name: 'organization_slug_fuzzy', filter_value: 'mma-h' }), ['gamma']],
      [
        'organization_slug_fuzzy matching several',
        () => ({ filter_name: 'organization_slug_fuzzy', filter_value: '-hq' }),
        ['alpha', 'beta', 'gamma'],
      ],
      ['member_emails', () => ({ filter_name: 'member_emails', filter_value: ['ada@alpha.io', 'carol@gamma.org'] }), ['alpha', 'gamma']],
      ['member_emails, ignoring case', () => ({ filter_name: 'member_emails', filter_value: ['BOB@Beta.dev'] }), ['beta']],
      ['member_email_fuzzy', () => ({ filter_name: 'member_email_fuzzy', filter_value: 'beta.d' }), ['beta']],
      ['allowed_domains', () => ({ filter_name: 'allowed_domains', filter_value: ['alpha.io', 'gamma.org'] }), ['alpha', 'gamma']],
      [
        'allowed_domains shared by two organizations',
        () => ({ filter_name: 'allowed_domains', filter_value: ['shared.net'] }),
        ['beta', 'gamma'],
      ],
      ['allowed_domain_fuzzy', () => ({ filter_name: 'allowed_domain_fuzzy', filter_value: 'lpha.i' }), ['alpha']],
      ['claimed_email_domains', () => ({ filter_name: 'claimed_email_domains', filter_value: ['beta-corp.com'] }), ['beta']],
    ])('filters by %s', async (_label, operand, expected) => {
      const seeded = await seed();
      const { organizations, results_metadata } = await search(seeded.client, { query: { operator: 'AND', operands: [operand(seeded)] } });
      expect(ids(organizations)).toEqual(idsOf(seeded, expected));
      expect(results_metadata).toEqual({ total: expected.length });
    });

    it('does not match a name fuzzy filter against slugs, nor a slug fuzzy filter against names', async () => {
      const seeded = await seed();
      const byName = await search(seeded.client, {
        query: { operator: 'AND', operands: [{ filter_name: 'organization_name_fuzzy', filter_value: '-hq' }] },
      });
      const bySlug = await search(seeded.client, {
        query: { operator: 'AND', operands: [{ filter_name: 'organization_slug_fuzzy', filter_value: 'Goods' }] },
      });
      expect(byName.results_metadata.total).toBe(0);
      expect(bySlug.results_metadata.total).toBe(0);
    });

    it('treats LIKE wildcards in a fuzzy filter literally', async () => {
      const seeded = await seed();
      const { results_metadata } = await search(seeded.client, {
        query: { operator: 'AND', operands: [{ filter_name: 'organization_name_fuzzy', filter_value: '%_%' }] },
      });
      expect(results_metadata.total).toBe(0);
    });
  });

  describe('operators', () => {
    it.each<[string, 'AND' | 'OR', (s: Seeded) => Operand[], OrgKey[]]>([
      [
        'AND returns only organizations matching every operand',
        'AND',
        () => [
          { filter_name: 'allowed_domains', filter_value: ['shared.net'] },
          { filter_name: 'organization_slug_fuzzy', filter_value: 'beta' },
        ],
        ['beta'],
      ],
      [
        'OR returns organizations matching any operand',
        'OR',
        (s) => [
          { filter_name: 'organization_ids', filter_value: [s.orgs.alpha.organization_id] },
          { filter_name: 'member_emails', filter_value: ['carol@gamma.org'] },
        ],
        ['alpha', 'gamma'],
      ],
      [
        'AND of operands no organization satisfies together returns nothing',
        'AND',
        () => [
          { filter_name: 'organization_slugs', filter_value: ['alpha-hq'] },
          { filter_name: 'member_emails', filter_value: ['bob@beta.dev'] },
        ],
        [],
      ],
    ])('%s', async (_title, operator, operands, expected) => {
      const seeded = await seed();
      const { organizations, results_metadata } = await search(seeded.client, { query: { operator, operands: operands(seeded) } });
      expect(ids(organizations)).toEqual(idsOf(seeded, expected));
      expect(results_metadata).toEqual({ total: expected.length });
    });

    it.each<[string, SearchRequest]>([
      ['no query', {}],
      ['an operator without operands', { query: { operator: 'AND', operands: [] } }],
    ])('returns every organization of the project for %s', async (_label, request) => {
      const seeded = await seed();
      const other = await ctx.app.newProject();
      await createOrganization(other.client);
      const { organizations, results_metadata } = await search(seeded.client, request);
      expect(ids(organizations)).toEqual(idsOf(seeded, ['alpha', 'beta', 'gamma']));
      expect(results_metadata).toEqual({ total: 3 });
    });

    it('returns full Organization objects', async () => {
      const seeded = await seed();
      const { organizations } = await search(seeded.client, {
        query: { operator: 'AND', operands: [{ filter_name: 'organization_slugs', filter_value: ['alpha-hq'] }] },
      });
      expect(organizations).toEqual([seeded.orgs.alpha]);
    });
  });

  describe('deleted organizations and other projects', () => {
    it.each<[string, (s: Seeded) => SearchRequest['query'] | undefined]>([
      ['no query', () => undefined],
      [
        'organization_ids',
        (s) => ({ operator: 'AND', operands: [{ filter_name: 'organization_ids', filter_value: [s.orgs.beta.organization_id] }] }),
      ],
      ['organization_slugs', () => ({ operator: 'AND', operands: [{ filter_name: 'organization_slugs', filter_value: ['beta-hq'] }] })],
      ['member_emails', () => ({ operator: 'AND', operands: [{ filter_name: 'member_emails', filter_value: ['bob@beta.dev'] }] })],
      ['allowed_domains', () => ({ operator: 'AND', operands: [{ filter_name: 'allowed_domains', filter_value: ['beta.dev'] }] })],
    ])('never returns a deleted organization (searching with %s)', async (_label, query) => {
      const seeded = await seed();
      await seeded.client.organizations.delete({ organization_id: seeded.orgs.beta.organization_id });
      const { organizations, results_metadata } = await search(seeded.client, { query: query(seeded) });
      expect(ids(organizations)).not.toContain(seeded.orgs.beta.organization_id);
      expect(results_metadata.total).toBe(organizations.length);
    });

    it("never returns another project's organization, even by its id or slug", async () => {
      const seeded = await seed();
      const other: TestProject = await ctx.app.newProject();
      const foreign = await createOrganization(other.client, { organization_slug: 'foreign-hq' });
      const { organizations, results_metadata } = await search(seeded.client, {
        query: {
          operator: 'OR',
          operands: [
            { filter_name: 'organization_ids', filter_value: [foreign.organization_id] },
            { filter_name: 'organization_slugs', filter_value: ['foreign-hq'] },
          ],
        },
      });
      expect(organizations).toEqual([]);
      expect(results_metadata.total).toBe(0);
    });
  });

  describe('pagination', () => {
    /** A fresh project with `count` organizations whose names start with `prefix`. */
    async function projectWith(count: number, prefix: string, project?: TestProject) {
      const target = project ?? (await ctx.app.newProject());
      const created: Organization[] = [];
      for (let i = 0; i < count; i += 1) {
        created.push(
          await createOrganization(target.client, {
            organization_name: `${prefix} ${i}`,
            organization_slug: `${prefix.toLowerCase()}-${i}`,
          }),
        );
      }
      return { project: target, created };
    }

    it('walks every organization exactly once with next_cursor, and the last page has no next_cursor', async () => {
      const { project, created } = await projectWith(7, 'Paged');
      const pages = await walk(project.client, 3);
      expect(pages.map((p) => p.ids.length)).toEqual([3, 3, 1]);
      expect(pages.every((p) => p.total === 7)).toBe(true);
      const seen = pages.flatMap((p) => p.ids);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual(ids(created));
      expect(pages.slice(0, -1).every((p) => typeof p.nextCursor === 'string' && p.nextCursor.length > 0)).toBe(true);
      expect(pages[pages.length - 1].nextCursor).toBeNull();
    });

    it('reports the filtered total on every page of a filtered search', async () => {
      const { project, created } = await projectWith(5, 'Wanted');
      await projectWith(4, 'Other', project);
      const query = { operator: 'AND', operands: [{ filter_name: 'organization_name_fuzzy', filter_value: 'wanted' }] };
      const pages = await walk(project.client, 2, query);
      expect(pages.map((p) => p.ids.length)).toEqual([2, 2, 1]);
      expect(pages.every((p) => p.total === 5)).toBe(true);
      expect(pages.flatMap((p) => p.ids).sort()).toEqual(ids(created));
    });

    it('returns a single page without next_cursor when the limit covers every result', async () => {
      const { project } = await projectWith(4, 'Exact');
      const pages = await walk(project.client, 4);
      expect(pages).toHaveLength(1);
      expect(pages[0]).toMatchObject({ total: 4, nextCursor: null });
      expect(pages[0].ids).toHaveLength(4);
    });

    it('returns every result on one page when no limit is given', async () => {
      const { project } = await projectWith(2, 'Default');
      const { organizations, results_metadata } = await search(project.client, {});
      expect(organizations).toHaveLength(2);
      expect(results_metadata).not.toHaveProperty('next_cursor');
    });

    it('accepts the maximum limit of 1000', async () => {
      const { project } = await projectWith(1, 'Max');
      const { organizations } = await search(project.client, { limit: 1000 });
      expect(organizations).toHaveLength(1);
    });
  });

  describe('errors', () => {
    it.each<[string, unknown, string]>([
      [
        'an unknown filter_name',
        { query: { operator: 'AND', operands: [{ filter_name: 'organization_colour', filter_value: ['red'] }] } },
        'organization_search_filter_name_not_recognized',
      ],
      [
        'a missing filter_name',
        { query: { operator: 'AND', operands: [{ filter_value: ['x'] }] } },
        'organization_search_missing_filter_name',
      ],
      [
        'a non-string filter_name',
        { query: { operator: 'AND', operands: [{ filter_name: 7, filter_value: ['x'] }] } },
        'organization_search_filter_name_must_be_string',
      ],
      [
        'a string where a list is expected',
        { query: { operator: 'AND', operands: [{ filter_name: 'organization_ids', filter_value: 'organization-test-x' }] } },
        'organization_search_expected_array_of_strings',
      ],
      [
        'a list of numbers where strings are expected',
        { query: { operator: 'AND', operands: [{ filter_name: 'member_emails', filter_value: [1, 2] }] } },
        'organization_search_expected_array_of_strings',
      ],
      [
        'a list where a string is expected',
        { query: { operator: 'AND', operands: [{ filter_name: 'organization_name_fuzzy', filter_value: ['acme'] }] } },
        'organization_search_expected_string',
      ],
      [
        'a missing filter_value',
        { query: { operator: 'AND', operands: [{ filter_name: 'organization_slugs' }] } },
        'organization_search_missing_filter_value',
      ],
      ['an unknown operator', { query: { operator: 'XOR', operands: [] } }, 'organization_search_invalid_operator'],
    ])('refuses %s with a 400', async (_label, request, errorType) => {
      const { client } = await ctx.app.newProject();
      await expectBadRequest(client, request, errorType);
    });

    it.each<[string, unknown]>([
      ['a limit above 1000', 1001],
      ['a negative limit', -1],
    ])('refuses %s with 400 invalid_limit', async (_label, limit) => {
      const { client } = await ctx.app.newProject();
      await expectBadRequest(client, { limit }, 'invalid_limit');
    });

    it('refuses a non-numeric limit with 400 invalid_limit', async () => {
      const response = await ctx.app.http('POST', '/v1/b2b/organizations/search', { body: { limit: 'ten' } });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        status_code: 400,
        error_type: 'invalid_limit',
        request_id: expect.stringMatching(/^request-id-/),
      });
    });

    it.each([
      ['random text', 'not-a-cursor'],
      ['base64 of something else', Buffer.from('{"after":"nope"}').toString('base64url')],
    ])('refuses a garbage cursor (%s) with 400 invalid_cursor', async (_label, cursor) => {
      const { client } = await ctx.app.newProject();
      await expectBadRequest(client, { cursor }, 'invalid_cursor');
    });
  });
});
