import { useTestApp } from '../helpers/app';
import { createMember, createOrganization, unique } from '../helpers/factories';

type Settled<T> = PromiseSettledResult<T>;
const fulfilled = <T>(results: Settled<T>[]) =>
  results.filter((r): r is PromiseFulfilledResult<T> => r.status === 'fulfilled').map((r) => r.value);
const rejected = <T>(results: Settled<T>[]) =>
  results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);

/** Twenty spellings of one address: other cases, surrounding spaces and tabs. */
function variantsOf(address: string, count: number): string[] {
  const spellings = [
    (e: string) => e,
    (e: string) => e.toUpperCase(),
    (e: string) => ` ${e} `,
    (e: string) => `\t${e[0].toUpperCase()}${e.slice(1)}`,
    (e: string) => `${e.replace('acme', 'ACME')}  `,
  ];
  return Array.from({ length: count }, (_, i) => spellings[i % spellings.length](address));
}

describe('concurrent member creation', () => {
  const ctx = useTestApp();

  it('lets exactly one of 20 parallel creates of the same email win; the rest get duplicate_member_email', async () => {
    const org = await createOrganization(ctx.client);
    const address = `${unique('race')}@acme.com`;
    const results = await Promise.allSettled(
      variantsOf(address, 20).map((email_address) => createMember(ctx.client, org.organization_id, { email_address })),
    );

    const winners = fulfilled(results);
    const losers = rejected(results);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    const [winner] = winners;
    expect(winner.email_address.toLowerCase()).toBe(address);
    for (const err of losers) {
      expect(err).toMatchObject({ status_code: 400, error_type: 'duplicate_member_email' });
      expect(err.error_message).toContain(winner.member_id);
      expect(err.request_id).toMatch(/^request-id-/);
      expect(err.error_url).toContain('#duplicate_member_email');
    }

    const search = await ctx.client.organizations.members.search({ organization_ids: [org.organization_id] });
    expect(search.members.map((m) => m.member_id)).toEqual([winner.member_id]);
    expect(search.results_metadata.total).toBe(1);
    expect((await ctx.client.organizations.metrics({ organization_id: org.organization_id })).member_count).toBe(1);
    const rows = await ctx.app.container.knex('members').whereRaw('lower(trim(email)) = ?', [address]).count({ n: '*' });
    expect(Number(rows[0].n)).toBe(1);
  });

  it('creates a separate member in each of 5 organizations for parallel creates of one email', async () => {
    const orgs = await Promise.all(Array.from({ length: 5 }, () => createOrganization(ctx.client)));
    const address = `${unique('everywhere')}@acme.com`;
    const spellings = variantsOf(address, orgs.length);
    const members = await Promise.all(orgs.map((org, i) => createMember(ctx.client, org.organization_id, { email_address: spellings[i] })));

    expect(new Set(members.map((m) => m.member_id)).size).toBe(5);
    expect(members.map((m) => m.organization_id)).toEqual(orgs.map((o) => o.organization_id));
    const search = await ctx.client.organizations.members.search({
      organization_ids: orgs.map((o) => o.organization_id),
      query: { operator: 'AND', operands: [{ filter_name: 'member_emails', filter_value: [address] }] },
    });
    expect(search.results_metadata.total).toBe(5);
    expect(Object.keys(search.organizations).sort()).toEqual(orgs.map((o) => o.organization_id).sort());
  });

  it('keeps one member per email when parallel creates of two emails interleave', async () => {
    const org = await createOrganization(ctx.client);
    const [first, second] = [`${unique('one')}@acme.com`, `${unique('two')}@acme.com`];
    const attempts = [...variantsOf(first, 10), ...variantsOf(second, 10)];
    const results = await Promise.allSettled(
      attempts.map((email_address) => createMember(ctx.client, org.organization_id, { email_address })),
    );

    const winners = fulfilled(results);
    expect(winners.map((m) => m.email_address.trim().toLowerCase()).sort()).toEqual([first, second].sort());
    expect(rejected(results).every((err) => err.status_code === 400 && err.error_type === 'duplicate_member_email')).toBe(true);
    expect((await ctx.client.organizations.metrics({ organization_id: org.organization_id })).member_count).toBe(2);
  });
});
